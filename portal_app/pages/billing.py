"""Billing tab (/portal/billing) and billing history (/portal/billing/history)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import heading_with_back_link, link_button, position_notice, section
from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.components.tables import data_table, money_status_badge, pager, summary_card
from portal_app.pages.registry import portal_page
from portal_app.state.billing import TOO_SMALL_NOTE, BillingState, HistoryState
from portal_app.state.payments import PaymentsState

INVOICE_HEADERS = ["Number", "Issued", "Due", "Total", "Balance", "Status", "Actions"]


def _pay_button(invoice: rx.Var, online: rx.Var) -> rx.Component:
    """Pay with Stripe, for an invoice with a balance when online payments are on; a balance under Stripe's
    minimum charge gets a short explanation instead."""
    return rx.cond(
        online & invoice.has_balance,
        rx.cond(
            invoice.too_small,
            rx.text(TOO_SMALL_NOTE, size="1", color_scheme="gray", class_name="too-small", white_space="normal"),
            rx.button(
                "Pay with Stripe",
                on_click=PaymentsState.pay(invoice.id.to_string()),
                disabled=PaymentsState.starting != "",
                loading=PaymentsState.starting == invoice.id.to_string(),
                size="1",
                aria_label="Pay with Stripe, invoice " + invoice.number,
                class_name="pay-button",
            ),
        ),
    )


def invoice_row(invoice: rx.Var) -> rx.Component:
    """One invoice on the Billing tab (Pay with Stripe per PaymentsState.online)."""
    return _invoice_row(invoice, PaymentsState.online)


def history_invoice_row(invoice: rx.Var) -> rx.Component:
    """One invoice on the history page (Pay with Stripe per HistoryState.online, read with the page)."""
    return _invoice_row(invoice, HistoryState.online)


def _invoice_row(invoice: rx.Var, online: rx.Var) -> rx.Component:
    """One invoice with its actions (Pay with Stripe when it has a balance and `online` payments are on).

    Not a render function itself: rx.foreach passes the row index to a second parameter."""
    return rx.el.tr(
        rx.el.th(invoice.number, scope="row", class_name="nowrap"),
        rx.el.td(invoice.issued, class_name="nowrap"),
        rx.el.td(invoice.due, class_name="nowrap"),
        rx.el.td(invoice.total, class_name="num"),
        rx.el.td(invoice.balance, class_name="num"),
        rx.el.td(money_status_badge(invoice.status)),
        rx.el.td(
            rx.flex(
                rx.link(
                    "View invoice",
                    href=invoice.pdf_href,
                    is_external=True,
                    aria_label="View invoice " + invoice.number + " (PDF, opens in a new tab)",
                ),
                rx.link(
                    "Download PDF",
                    href=invoice.pdf_download_href,
                    aria_label="Download PDF of invoice " + invoice.number,
                ),
                _pay_button(invoice, online),
                spacing="3",
                align="center",
                class_name="nowrap",
            )
        ),
    )


def _payments_notice() -> rx.Component:
    return rx.callout(
        rx.el.span(  # callout text is a <p> already
            "Online card payments are not enabled for your account. To pay an invoice, please contact us",
            rx.cond(
                BillingState.contact_email != "",
                rx.fragment(
                    " at ",
                    rx.link(
                        BillingState.contact_email, href="mailto:" + BillingState.contact_email, underline="always"
                    ),
                ),
            ),
            rx.cond(
                BillingState.contact_phone_href != "",
                rx.fragment(
                    " or ",
                    rx.link(BillingState.contact_phone, href=BillingState.contact_phone_href, underline="always"),
                ),
            ),
            ".",
        ),
        icon="info",
        color_scheme="gray",
        high_contrast=True,
        id="payments-notice",
    )


def _banner(text: rx.Var | str, colour: str, icon: str, *extra: rx.Component) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon(icon)),
        rx.callout.text(text, *extra),
        color_scheme=colour,
        high_contrast=True,
        role="status",
        id="payment-banner",
    )


def _payment_banner() -> rx.Component:
    """What happened on Stripe's page, after the customer comes back."""
    number = PaymentsState.banner_invoice
    return rx.match(
        PaymentsState.banner,
        (
            "processing",
            _banner(
                "Payment received, processing. Invoice " + number + " shows as Paid as soon as Stripe confirms it.",
                "blue",
                "loader",
            ),
        ),
        (
            "still_processing",
            _banner(
                "Payment received, processing. Stripe has not confirmed it yet; this can take a minute. ",
                "blue",
                "clock",
                rx.button(
                    "Check again",
                    on_click=PaymentsState.check_payment,
                    loading=PaymentsState.checking,
                    size="1",
                    variant="soft",
                ),
            ),
        ),
        ("paid", _banner("Payment received. Invoice " + number + " is paid. Thank you!", "green", "circle-check")),
        ("cancelled", _banner("Payment cancelled. Invoice " + number + " is unchanged.", "gray", "info")),
        ("card_saving", _banner("Card saved. Automatic payments show as on in a moment.", "blue", "loader")),
        ("card_saved", _banner("Card saved. Automatic payments are on.", "green", "circle-check")),
        ("card_cancelled", _banner("No card was saved. Automatic payments are unchanged.", "gray", "info")),
        ("autopay_off", _banner("Automatic payments are off and your saved card was removed.", "gray", "info")),
        rx.fragment(),
    )


def _payment_error() -> rx.Component:
    return rx.cond(
        PaymentsState.payment_error != "",
        rx.callout(
            PaymentsState.payment_error, icon="triangle-alert", color_scheme="red", high_contrast=True, role="alert"
        ),
    )


def _disable_autopay() -> rx.Component:
    """Disable, after a confirmation."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Disable", variant="soft", color_scheme="red", loading=PaymentsState.disabling)
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Turn off automatic payments?"),
            rx.alert_dialog.description(
                "Future invoices will not be charged automatically and your saved card will be removed. "
                "You can still pay each invoice yourself."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Keep automatic payments", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Disable automatic payments", color_scheme="red", on_click=PaymentsState.turn_off_autopay)
                ),
                spacing="3",
                justify="end",
                wrap="wrap",
                margin_top="var(--space-4)",
            ),
        ),
    )


def _autopay_section() -> rx.Component:
    """Automatic payments: the saved card and its actions (only when the provider allows it)."""
    starting_card = PaymentsState.starting == "card"
    enabled = rx.vstack(
        rx.flex(
            rx.badge("Enabled", color_scheme="green", variant="soft", size="2"),
            rx.text(rx.el.strong(PaymentsState.card_label), ", expires ", PaymentsState.card_exp, id="autopay-card"),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.text("Invoices are charged to this card on their due date.", size="2", color_scheme="gray"),
        rx.flex(
            rx.button(
                "Update card",
                on_click=PaymentsState.set_up_card,
                disabled=PaymentsState.starting != "",
                loading=starting_card,
                variant="soft",
            ),
            _disable_autopay(),
            spacing="3",
            wrap="wrap",
        ),
        spacing="3",
    )
    disabled = rx.vstack(
        rx.badge("Disabled", color_scheme="gray", variant="soft", size="2"),
        rx.text("Save a card and we charge each invoice automatically on its due date.", size="2"),
        rx.button(
            "Enable automatic payments",
            on_click=PaymentsState.set_up_card,
            disabled=PaymentsState.starting != "",
            loading=starting_card,
        ),
        spacing="3",
    )
    return rx.cond(
        PaymentsState.autopay_allowed,
        rx.box(
            section(
                "Automatic payments",
                rx.cond(
                    PaymentsState.autopay_problem != "",
                    rx.callout(
                        PaymentsState.autopay_problem,
                        icon="triangle-alert",
                        color_scheme="amber",
                        high_contrast=True,
                        margin_bottom="var(--space-3)",
                        id="autopay-problem",
                    ),
                ),
                rx.cond(PaymentsState.autopay_enabled, enabled, disabled),
            ),
            id="autopay",
            width="100%",
        ),
    )


@portal_page("/portal/billing", "Billing", on_load=PaymentsState.load_payments)
def billing_page() -> rx.Component:
    """Summary cards, recent invoices and how to pay."""
    return portal_shell(
        "Billing",
        rx.heading("Billing", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(BillingState.loaded, _billing_body(), lines=6),
    )


def _billing_body() -> rx.Component:
    return rx.vstack(
        rx.grid(
            summary_card("Outstanding balance", BillingState.outstanding_balance),
            summary_card("Open invoices", BillingState.open_invoices),
            summary_card(
                "Last invoice total",
                rx.cond(BillingState.last_invoice_total != "", BillingState.last_invoice_total, "—"),
            ),
            summary_card(
                "Last payment",
                rx.cond(BillingState.last_payment != "", BillingState.last_payment, "—"),
                rx.cond(BillingState.last_payment_date != "", "Processed " + BillingState.last_payment_date, ""),
            ),
            columns=rx.breakpoints(initial="1", xs="2", md="4"),
            spacing="3",
            width="100%",
            id="billing-summary",
        ),
        _payment_banner(),
        _payment_error(),
        rx.cond(PaymentsState.online, rx.fragment(), _payments_notice()),
        section(
            "Recent invoices",
            data_table(
                INVOICE_HEADERS,
                BillingState.invoices,
                invoice_row,
                "You have no invoices yet.",
                "Recent invoices",
            ),
            action=link_button("Billing history", "/portal/billing/history", "soft"),
        ),
        _autopay_section(),
        spacing="4",
        width="100%",
    )


def _receipt_links(payment: rx.Var) -> rx.Component:
    """View and download the payment's receipt, when it has one (money received)."""
    return rx.cond(
        payment.has_receipt,
        rx.flex(
            rx.link(
                "View receipt",
                href=payment.receipt_href,
                is_external=True,
                aria_label="View receipt of the payment of " + payment.date + " (PDF, opens in a new tab)",
            ),
            rx.link(
                "Download receipt",
                href=payment.receipt_download_href,
                aria_label="Download receipt of the payment of " + payment.date,
            ),
            spacing="3",
            class_name="nowrap",
        ),
        "—",
    )


def _payment_row(payment: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(payment.date, scope="row", class_name="nowrap"),
        rx.el.td(payment.amount, class_name="num"),
        rx.el.td(money_status_badge(payment.status)),
        rx.el.td(rx.cond(payment.details != "", payment.details, "—")),
        rx.el.td(rx.cond(payment.invoice_number != "", payment.invoice_number, "—")),
        rx.el.td(_receipt_links(payment)),
    )


def _statement_section() -> rx.Component:
    """A statement of account for a period (this year so far to start with), and the whole history as CSV."""
    return section(
        "Statement and exports",
        rx.vstack(
            rx.form(
                rx.flex(
                    _date_field("From", "from", HistoryState.statement_from),
                    _date_field("To", "to", HistoryState.statement_to),
                    rx.button("Download statement (PDF)", type="submit", class_name="statement-button"),
                    align="end",
                    wrap="wrap",
                    spacing="3",
                ),
                on_submit=HistoryState.download_statement,
                reset_on_submit=False,
                aria_label="Statement of account",
            ),
            rx.cond(
                HistoryState.download_error != "",
                rx.callout(HistoryState.download_error, icon="triangle_alert", color_scheme="red", role="alert"),
            ),
            rx.text(
                "The statement lists every invoice and payment of the period with the running balance, the closing "
                "balance and how long what is owed has been due. The exports hold your whole history.",
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                rx.button(
                    "Export invoices (CSV)",
                    on_click=HistoryState.export_history("invoices"),
                    variant="soft",
                    class_name="export-invoices",
                ),
                rx.button(
                    "Export payments (CSV)",
                    on_click=HistoryState.export_history("payments"),
                    variant="soft",
                    class_name="export-payments",
                ),
                wrap="wrap",
                spacing="3",
            ),
            spacing="3",
        ),
    )


def _date_field(label: str, name: str, value: rx.Var) -> rx.Component:
    """A labelled date input of the statement's period."""
    return rx.el.label(
        rx.text(label, size="2", weight="medium"),
        rx.input(type="date", name=name, default_value=value, required=True, id=f"statement-{name}"),
        display="flex",
        flex_direction="column",
        gap="var(--space-1)",
    )


@portal_page(
    "/portal/billing/history",
    "Billing history",
    on_load=[HistoryState.load_history, PaymentsState.clear_payment_feedback],
)
def history_page() -> rx.Component:
    """All invoices and all payments, each paginated."""
    return portal_shell(
        "Billing",
        heading_with_back_link("Billing history", "Back to billing", "/portal/billing"),
        position_notice(HistoryState.notice),
        until_loaded(HistoryState.loaded, _history_body(), lines=8),
    )


def _history_body() -> rx.Component:
    return rx.vstack(
        _payment_error(),
        _statement_section(),
        section(
            "All invoices",
            data_table(
                INVOICE_HEADERS,
                HistoryState.invoices,
                history_invoice_row,
                "You have no invoices yet.",
                "All invoices",
            ),
            pager("Invoice pages", HistoryState.invoice_pager),
        ),
        section(
            "Payments",
            data_table(
                ["Date", "Amount", "Status", "Details", "Invoice", "Receipt"],
                HistoryState.payments,
                _payment_row,
                "No payments have been recorded yet.",
                "Payments",
            ),
            pager("Payment pages", HistoryState.payment_pager),
        ),
        spacing="4",
        width="100%",
    )
