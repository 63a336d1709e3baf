"""The console's invoices (administrators): the list with filters (/staff/invoices) and an invoice's page with
its payments, recording a manual payment, voiding and moving it to another customer (/staff/invoices/<id>)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import heading_with_back_link, labelled, position_notice, section
from portal_app.components.customer_picker import customer_picker
from portal_app.components.fields import field_error, invalid_props, text_field
from portal_app.components.loading import until_loaded
from portal_app.components.tables import data_table, money_status_badge, pager
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_invoices import (
    ALL,
    INVOICE_STATUSES,
    INVOICES_ROUTE,
    PAYMENT_METHODS,
    StaffInvoicesState,
    StaffInvoiceState,
)

LIST_HEADERS = ["Number", "Customer", "Issued", "Due", "Total", "Balance", "Status", "Actions"]
PAYMENT_HEADERS = ["Date", "Amount", "Status", "Reference"]


def invoice_status_badge(status: rx.Var) -> rx.Component:
    """Draft (outlined, the customer does not see it), or the status the customer sees."""
    return rx.cond(
        status == "Draft",
        rx.badge("Draft", color_scheme="gray", variant="outline", size="2"),
        money_status_badge(status),
    )


def _pdf_link(href: rx.Var, label: str = "View invoice") -> rx.Component:
    return rx.cond(
        href != "",
        rx.link(label, href=href, is_external=True, class_name="nowrap"),
        rx.text("No PDF (draft)", size="2", color_scheme="gray", as_="span"),
    )


def _invoice_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(rx.link(row.number, href=row.href), scope="row", class_name="nowrap"),
        rx.el.td(rx.link(row.customer, href=row.customer_href)),
        rx.el.td(row.issued, class_name="nowrap"),
        rx.el.td(row.due, class_name="nowrap"),
        rx.el.td(row.total, class_name="num"),
        rx.el.td(row.balance, class_name="num"),
        rx.el.td(invoice_status_badge(row.status), class_name="nowrap"),
        rx.el.td(_pdf_link(row.pdf_href)),
    )


def _labelled_control(label: str, element_id: str, control: rx.Component) -> rx.Component:
    message = StaffInvoicesState.field_errors.get(element_id, "")
    return rx.vstack(
        rx.el.label(label, html_for=element_id, class_name="field-label"),
        control,
        field_error(element_id, message),
        spacing="1",
        min_width="10rem",
        flex_grow="1",
    )


def _date_input(label: str, element_id: str, name: str, value: rx.Var) -> rx.Component:
    message = StaffInvoicesState.field_errors.get(element_id, "")
    return _labelled_control(
        label,
        element_id,
        rx.input(
            id=element_id,
            name=name,
            type="date",
            default_value=value,
            key=value,
            size="3",
            width="100%",
            **invalid_props(element_id, message),
        ),
    )


def _filter_form() -> rx.Component:
    state = StaffInvoicesState
    return rx.form(
        rx.flex(
            _labelled_control(
                "Status",
                "filter-status",
                rx.el.select(
                    *[rx.el.option(s, value="" if s == ALL else s) for s in INVOICE_STATUSES],
                    id="filter-status",
                    name="status",
                    default_value=rx.cond(state.status_filter == ALL, "", state.status_filter),
                    key=state.status_filter,
                    class_name="native-select",
                ),
            ),
            _labelled_control(
                "Customer",
                "filter-customer",
                rx.input(
                    id="filter-customer",
                    name="customer",
                    type="search",
                    placeholder="Customer name",
                    default_value=state.customer_filter,
                    key=state.customer_filter,
                    max_length=100,
                    size="3",
                    width="100%",
                ),
            ),
            _date_input("Issued from", "filter-from", "issued_from", state.from_filter),
            _date_input("Issued to", "filter-to", "issued_to", state.to_filter),
            rx.flex(
                rx.button("Filter", type="submit", size="3"),
                rx.button("Clear", type="button", size="3", variant="soft", on_click=state.clear_filters),
                spacing="2",
                align="end",
            ),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=state.filter_invoices,
        role="search",
        aria_label="Filter invoices",
        margin_bottom="var(--space-3)",
        width="100%",
    )


@portal_page(INVOICES_ROUTE, "Invoices", on_load=StaffInvoicesState.load_invoices)
def staff_invoices_page() -> rx.Component:
    """The organisation's invoices, drafts included, filtered by status, customer and issue date."""
    state = StaffInvoicesState
    return staff_shell(
        rx.heading("Invoices", size="6", as_="h1", margin_bottom="var(--space-4)"),
        section(
            "All invoices",
            _filter_form(),
            until_loaded(
                state.loaded,
                position_notice(state.notice),
                data_table(LIST_HEADERS, state.rows, _invoice_row, "No invoice matches these filters.", "Invoices"),
                pager("Invoice pages", state.invoice_pager),
            ),
        ),
        admin_only=True,
    )


# --- one invoice ---------------------------------------------------------------------------------------------------


def _figures() -> rx.Component:
    invoice = StaffInvoiceState.invoice
    return section(
        "Invoice",
        rx.flex(
            invoice_status_badge(invoice.status),
            _pdf_link(invoice.pdf_href, "View the customer's PDF"),
            spacing="3",
            align="center",
            wrap="wrap",
            margin_bottom="var(--space-3)",
        ),
        rx.el.dl(
            rx.el.dt("Customer"),
            rx.el.dd(rx.link(invoice.customer, href=invoice.customer_href)),
            labelled("Issued", invoice.issued),
            labelled("Due", invoice.due),
            labelled("Total", invoice.total),
            labelled("Paid", invoice.paid),
            labelled("Balance", invoice.balance),
            class_name="details",
        ),
    )


def _payments() -> rx.Component:
    return section(
        "Payments",
        data_table(
            PAYMENT_HEADERS,
            StaffInvoiceState.invoice.payments,
            lambda p: rx.el.tr(
                rx.el.th(p.date, scope="row", class_name="nowrap"),
                rx.el.td(p.amount, class_name="num"),
                rx.el.td(money_status_badge(p.status), class_name="nowrap"),
                rx.el.td(p.details, class_name="ticket-subject"),
            ),
            "No payments recorded against this invoice.",
            "Payments of this invoice",
        ),
    )


def _blocked(reason: rx.Var) -> rx.Component:
    return rx.text(reason, size="2", as_="p", color_scheme="gray")


def _payment_form() -> rx.Component:
    state = StaffInvoiceState
    errors = state.field_errors
    message = errors.get("payment-method", "")
    return section(
        "Record a payment",
        rx.cond(
            state.invoice.can_record,
            rx.form(
                rx.vstack(
                    rx.text(
                        "For money received outside the portal. It shows in the customer's billing history at once.",
                        size="2",
                        as_="p",
                    ),
                    rx.flex(
                        rx.box(
                            text_field(
                                "Amount (" + state.invoice.currency + ")",
                                "payment-amount",
                                name="amount",
                                errors=errors,
                                initial=state.invoice.balance_plain,
                                input_mode="decimal",
                                hint="At most the balance.",
                            ),
                            flex_grow="1",
                        ),
                        rx.box(
                            text_field(
                                "Date received",
                                "payment-date",
                                name="paid_on",
                                errors=errors,
                                initial=state.today,
                                type="date",
                                max=state.today,
                            ),
                            flex_grow="1",
                        ),
                        spacing="3",
                        wrap="wrap",
                        width="100%",
                    ),
                    rx.flex(
                        rx.vstack(
                            rx.el.label("Method", html_for="payment-method", class_name="field-label"),
                            rx.el.select(
                                *[rx.el.option(words, value=value) for value, words in PAYMENT_METHODS],
                                name="method",
                                id="payment-method",
                                default_value="bank_transfer",
                                class_name="native-select",
                                **invalid_props("payment-method", message),
                            ),
                            field_error("payment-method", message),
                            spacing="1",
                            flex_grow="1",
                        ),
                        rx.box(
                            text_field(
                                "Reference (optional)", "payment-reference", name="reference", errors=errors, limit=120
                            ),
                            flex_grow="2",
                        ),
                        spacing="3",
                        wrap="wrap",
                        width="100%",
                    ),
                    rx.button("Record payment", type="submit", size="3"),
                    spacing="3",
                    width="100%",
                    align="start",
                ),
                on_submit=state.record_payment,
                key=state.form_key,
                width="100%",
            ),
            _blocked(state.invoice.record_blocked),
        ),
    )


def _void_form() -> rx.Component:
    state = StaffInvoiceState
    return section(
        "Void invoice",
        rx.cond(
            state.invoice.can_void,
            rx.form(
                rx.vstack(
                    rx.text(
                        "Nothing is owed on a void invoice; the customer still sees it, marked Void.",
                        size="2",
                        as_="p",
                    ),
                    text_field(
                        "Reason", "void-reason", name="reason", errors=state.field_errors, limit=300, required=True
                    ),
                    rx.button("Void invoice", type="submit", size="3", color_scheme="red", variant="soft"),
                    spacing="3",
                    width="100%",
                    align="start",
                ),
                on_submit=state.void_invoice,
                key=state.form_key,
                width="100%",
            ),
            _blocked(state.invoice.void_blocked),
        ),
    )


def _move_form() -> rx.Component:
    state = StaffInvoiceState
    return section(
        "Move to another customer",
        rx.cond(
            state.invoice.can_move,
            rx.vstack(
                rx.text(
                    "An invoice on the wrong customer shows in that customer's portal. Move it to the right one.",
                    size="2",
                    as_="p",
                ),
                customer_picker(
                    state, "Move to", "move-customer", "Search for and select the customer the invoice belongs to."
                ),
                rx.cond(
                    state.move_question != "",
                    rx.callout(
                        rx.vstack(
                            rx.text(state.move_question, weight="medium", id="move-question"),
                            rx.flex(
                                rx.button("Move invoice", type="button", on_click=state.move_invoice),
                                rx.button(
                                    "Cancel",
                                    type="button",
                                    variant="soft",
                                    color_scheme="gray",
                                    on_click=state.cancel_move,
                                ),
                                spacing="3",
                            ),
                            spacing="3",
                        ),
                        icon="circle-help",
                        role="alertdialog",
                        aria_labelledby="move-question",
                        width="100%",
                    ),
                    rx.button(
                        "Move…", type="button", size="3", on_click=state.ask_move, disabled=state.chosen_name == ""
                    ),
                ),
                spacing="3",
                width="100%",
                align="start",
            ),
            _blocked(state.invoice.move_blocked),
        ),
    )


def _invoice_body() -> rx.Component:
    state = StaffInvoiceState
    return rx.vstack(
        heading_with_back_link("Invoice " + state.invoice.number, "Back to invoices", INVOICES_ROUTE),
        form_notice(state.notice),
        form_error(state.error),
        _figures(),
        _payments(),
        _payment_form(),
        _void_form(),
        _move_form(),
        spacing="4",
        width="100%",
        align="start",
    )


def _gone() -> rx.Component:
    return rx.vstack(
        rx.heading("Invoice not found", size="6", as_="h1"),
        rx.callout("This invoice is not one of your organisation's.", icon="info", role="status"),
        rx.link("← Back to invoices", href=INVOICES_ROUTE, size="2"),
        spacing="3",
        align="start",
    )


@portal_page(f"{INVOICES_ROUTE}/[invoice_id]", "Invoice", on_load=StaffInvoiceState.load_invoice)
def staff_invoice_page() -> rx.Component:
    """One invoice: its figures and payments, and recording a payment, voiding and moving it."""
    return staff_shell(
        until_loaded(StaffInvoiceState.loaded, rx.cond(StaffInvoiceState.found, _invoice_body(), _gone()), lines=6),
        admin_only=True,
    )
