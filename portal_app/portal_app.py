"""The Reflex app: registers every page under the provider's look."""

import reflex as rx

from portal_app.api import api_app
from portal_app.pages import (  # noqa: F401  (registers pages)
    billing,
    help,
    login,
    overview,
    profile,
    projects,
    recovery,
    services,
    staff,
    staff_articles,
    support,
)
from portal_app.pages.registry import PAGES

app = rx.App(
    stylesheets=["/portal.css"],
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
    html_lang="en",
    api_transformer=api_app,
)

for page in PAGES:
    app.add_page(page.component, route=page.route, title=f"{page.title} · Portal", on_load=page.on_load)
