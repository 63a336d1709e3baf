"""Overview tab (/portal): account overview, your services, latest activity."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import figure, labelled, link_button, section, status_badge
from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.pages.registry import portal_page
from portal_app.state.overview import OverviewState


def _account() -> rx.Component:
    return section(
        "Account overview",
        rx.flex(
            rx.el.dl(
                labelled("Client name", OverviewState.client_name),
                _contact("Email", OverviewState.email, "mailto:" + OverviewState.email),
                _contact("Phone", OverviewState.phone, OverviewState.phone_href),
                labelled("Address", OverviewState.address),
                class_name="details",
            ),
            rx.box(
                figure("Balance due", OverviewState.balance_due),
                rx.cond(
                    OverviewState.pay_online,
                    link_button("Pay now", "/portal/billing"),
                    rx.cond(
                        OverviewState.has_balance,
                        rx.link("Go to billing", href="/portal/billing", size="2"),
                        rx.text("Nothing is due right now.", size="2", color_scheme="gray"),
                    ),
                ),
                class_name="balance-box",
                id="balance-due",
            ),
            spacing="5",
            wrap="wrap",
            justify="between",
        ),
    )


def _contact(label: str, value: rx.Var, href: rx.Var) -> rx.Component:
    """An email or phone number that a tap opens in the mail app or dials; a dash when there is none."""
    return rx.fragment(
        rx.el.dt(label),
        rx.el.dd(rx.cond((value != "") & (href != ""), rx.link(value, href=href), "—")),
    )


def _service_card(service: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.heading(service.name, size="3", as_="h3"),
            status_badge(service.status),
            justify="between",
            align="start",
            spacing="2",
        ),
        rx.text(service.description, size="2", color_scheme="gray", margin_top="var(--space-1)"),
        rx.cond(
            service.active_since != "",
            rx.text(
                "Active since ",
                service.active_since,
                size="1",
                color_scheme="gray",
                margin_top="var(--space-2)",
            ),
        ),
        class_name="service-card",
    )


def _services() -> rx.Component:
    return section(
        "Your services",
        rx.cond(
            OverviewState.service_count > 0,
            rx.grid(
                rx.foreach(OverviewState.services, _service_card),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="3",
            ),
            rx.text("No services are attached to your account yet.", color_scheme="gray"),
        ),
        action=link_button("Manage services", "/portal/services", "soft"),
    )


def _activity_card(title: str, value: rx.Var, detail: rx.Var | str, empty: str) -> rx.Component:
    return rx.card(
        rx.text(title, size="2", color_scheme="gray", as_="div"),
        rx.cond(
            value != "",
            rx.fragment(
                rx.text(value, size="5", weight="bold", as_="div"),
                rx.text(detail, size="1", color_scheme="gray", as_="div"),
            ),
            rx.text(empty, size="2", as_="div"),
        ),
        class_name="activity-card",
    )


def _activity() -> rx.Component:
    return section(
        "Latest activity",
        rx.grid(
            _activity_card(
                "Last invoice",
                OverviewState.last_invoice_total,
                "Issued " + OverviewState.last_invoice_issued,
                "No invoices yet",
            ),
            _activity_card(
                "Last payment",
                OverviewState.last_payment_amount,
                "Processed " + OverviewState.last_payment_date,
                "No payments yet",
            ),
            rx.card(
                rx.text("Open support tickets", size="2", color_scheme="gray", as_="div"),
                rx.text(OverviewState.open_tickets, size="5", weight="bold", as_="div", id="open-tickets"),
                rx.text("Awaiting response (not yet resolved)", size="1", color_scheme="gray", as_="div"),
                class_name="activity-card",
            ),
            rx.card(
                rx.text("Active projects", size="2", color_scheme="gray", as_="div"),
                rx.text(OverviewState.active_projects, size="5", weight="bold", as_="div", id="active-projects"),
                rx.link("View projects", href="/portal/projects", size="1"),
                class_name="activity-card",
            ),
            columns=rx.breakpoints(initial="1", xs="2", md="4"),
            spacing="3",
        ),
        rx.flex(
            link_button("Billing history", "/portal/billing/history", "soft"),
            link_button("Need help? View support", "/portal/support", "outline"),
            spacing="3",
            wrap="wrap",
            margin_top="var(--space-4)",
        ),
    )


@portal_page("/portal", "Overview", on_load=OverviewState.load_overview)
def overview_page() -> rx.Component:
    """The account snapshot and shortcuts."""
    return portal_shell(
        "Overview",
        rx.heading("Overview", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(
            OverviewState.loaded, rx.vstack(_account(), _services(), _activity(), spacing="4", width="100%"), lines=6
        ),
    )
