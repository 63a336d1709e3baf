"""The Reflex app: registers every page under the provider's look."""

import os
from collections.abc import Callable

import reflex as rx

from portal_app.api import api_app
from portal_app.pages import (  # noqa: F401  (registers pages)
    billing,
    help,
    login,
    not_found,
    overview,
    profile,
    projects,
    recovery,
    services,
    staff,
    staff_articles,
    staff_audit,
    staff_company,
    staff_customers,
    staff_emails,
    staff_imports,
    staff_invoices,
    staff_projects,
    staff_reports,
    staff_settings,
    staff_users,
    support,
)
from portal_app.pages.registry import PAGES
from portal_app.state.outages import backend_exception_handler
from portal_app.web_app import PortalApp

if os.environ.get("PORTAL_BENCH_FLOOR") == "1":  # only the load benchmark's server (bench/server.py)
    import bench.floor  # noqa: F401  (its floor handler)

app = PortalApp(
    stylesheets=["/portal.css"],
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
    html_lang="en",
    api_transformer=api_app,
    backend_exception_handler=backend_exception_handler,
)


def _marks_readiness(component: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """Wrap a page so its root says when the page's load handlers have finished.

    `data-hydrated` turns "true" once Reflex has run the page's on_load events; browser tests
    wait for it before typing, so a click cannot overtake the page's own load handler.
    """

    def page() -> rx.Component:
        return rx.el.div(component(), data_hydrated=rx.State.is_hydrated, class_name="page-root")

    page.__name__ = component.__name__
    return page


for page in PAGES:
    app.add_page(
        _marks_readiness(page.component),
        route=page.route,
        title=f"{page.title} · Portal",
        on_load=page.on_load,
    )
