"""Services tab (/portal/services): every service provisioned on the account."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import section, status_badge
from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.components.tables import data_table, summary_card
from portal_app.pages.registry import portal_page
from portal_app.state.services import ServicesState


def _row(service: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(
            rx.text(service.name, weight="medium", as_="div"),
            rx.text(service.description, size="1", color_scheme="gray", as_="div"),
            scope="row",
        ),
        rx.el.td(rx.cond(service.active_since != "", service.active_since, "—")),
        rx.el.td(status_badge(service.status)),
    )


@portal_page("/portal/services", "Services", on_load=ServicesState.load_services)
def services_page() -> rx.Component:
    """The full list of services; informational only."""
    return portal_shell(
        "Services",
        rx.heading("Services", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(ServicesState.loaded, _summary(), _detail(), lines=5),
    )


def _summary() -> rx.Component:
    return rx.grid(
        summary_card(
            "Active services",
            ServicesState.active_services.to_string() + " of " + ServicesState.total_services.to_string(),
        ),
        summary_card("Open invoices", ServicesState.open_invoices),
        summary_card("Outstanding balance", ServicesState.outstanding_balance),
        summary_card("Support tickets", ServicesState.open_tickets, "Open"),
        columns=rx.breakpoints(initial="1", xs="2", md="4"),
        spacing="3",
        width="100%",
        margin_bottom="var(--space-4)",
        id="services-summary",
    )


def _detail() -> rx.Component:
    return section(
        "Services detail",
        data_table(
            ["Service", "Active since", "Status"],
            ServicesState.services,
            _row,
            "No services are provisioned on your account yet.",
            "Services detail",
        ),
    )
