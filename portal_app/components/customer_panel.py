"""The customer panel beside a staff ticket (below it on phones): the customer's active services, balance due and
other recent tickets (services/support/customer_panel.py)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import section
from portal_app.components.tickets import ticket_status_badge


def _heading(text: str) -> rx.Component:
    return rx.heading(text, size="3", as_="h3", margin_top="var(--space-3)", margin_bottom="var(--space-1)")


def customer_panel(panel: rx.Var, thread: rx.Var) -> rx.Component:
    """The panel for a `CustomerPanel` var and the `TicketThread` it sits beside."""
    return rx.el.aside(
        section(
            "Customer",
            rx.text(rx.el.strong(thread.customer), as_="p", size="2"),
            rx.cond(thread.customer_email != "", rx.text(thread.customer_email, as_="p", size="2")),
            _heading("Balance due"),
            rx.text(panel.balance, as_="p", size="4", weight="bold", id="panel-balance"),
            rx.cond(
                panel.open_invoices > 0,
                rx.text(panel.open_invoices, " open invoices", as_="p", size="2", color="var(--gray-11)"),
            ),
            _heading("Services"),
            rx.cond(
                panel.services.length() > 0,
                rx.el.ul(
                    rx.foreach(panel.services, lambda name: rx.el.li(rx.text(name, size="2"))),
                    style={"margin": 0, "padding_left": "1.2em"},
                ),
                rx.text("No active services.", as_="p", size="2"),
            ),
            _heading("Other tickets"),
            rx.cond(
                panel.other_tickets.length() > 0,
                rx.el.ul(
                    rx.foreach(
                        panel.other_tickets,
                        lambda other: rx.el.li(
                            rx.flex(
                                rx.link("#", other.id, " ", other.subject, href=other.href, size="2"),
                                ticket_status_badge(other.status, other.status_label),
                                spacing="2",
                                align="center",
                                wrap="wrap",
                            ),
                            margin_bottom="var(--space-1)",
                        ),
                    ),
                    style={"margin": 0, "padding_left": "1.2em"},
                ),
                rx.text("No other tickets.", as_="p", size="2"),
            ),
        ),
        aria_label="Customer",
        id="customer-panel",
    )
