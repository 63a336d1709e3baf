"""The console's invoices, for administrators: the filtered list (filters and page in the URL), and one invoice
with its payments and the actions on it (record a payment, void, move to another customer after confirming)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.pagination import parse_page
from portal_app.services.console import invoice_actions as actions
from portal_app.services.console.customers import search_text
from portal_app.services.console.invoices import (
    INVOICES_ROUTE,
    STATUSES,
    ConsoleInvoiceRow,
    InvoiceDetail,
    InvoiceFilters,
    invoice_detail,
    invoice_list,
    read_filters,
)
from portal_app.state.client import caller_address
from portal_app.state.customer_picker import CustomerPicker
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

ALL = "All"
INVOICE_STATUSES = (ALL, *STATUSES)
PAYMENT_METHODS = actions.method_choices()
BAD_ADDRESS_DATE = "A date in the address was not understood: showing every issue date."
FILTER_FIELDS = {"issued_from": "filter-from", "issued_to": "filter-to"}
PAYMENT_FIELDS = {
    "amount": "payment-amount",
    "paid_on": "payment-date",
    "method": "payment-method",
    "reference": "payment-reference",
}
VOID_FIELDS = {"reason": "void-reason"}
MOVE_FIELDS = {"customer": "move-customer"}
BLANK = InvoiceDetail(
    id=0,
    number="",
    customer="",
    customer_href="",
    currency="",
    issued="",
    due="",
    total="",
    paid="",
    balance="",
    balance_plain="",
    status="",
    pdf_href="",
    payments=[],
    can_record=False,
    record_blocked="",
    can_void=False,
    void_blocked="",
    can_move=False,
    move_blocked="",
)


def _address(filters: InvoiceFilters, page: int = 1, size: int = 0) -> str:
    """The list at these filters and position (only what is set goes in the address)."""
    position = {
        "status": filters.status,
        "customer": filters.customer,
        "from": filters.issued_from.isoformat() if filters.issued_from else "",
        "to": filters.issued_to.isoformat() if filters.issued_to else "",
        "page": page if page > 1 else "",
        "size": size or "",
    }
    query = urlencode({k: v for k, v in position.items() if v != ""})
    return f"{INVOICES_ROUTE}?{query}" if query else INVOICES_ROUTE


class StaffInvoicesState(FieldErrors, StaffSession):
    """One page of the organisation's invoices matching the filters in the URL."""

    loaded: bool = False
    rows: list[ConsoleInvoiceRow] = []
    invoice_pager: Pager = Pager()
    notice: str = ""
    status_filter: str = ALL
    customer_filter: str = ""
    from_filter: str = ""
    to_filter: str = ""

    _filters: InvoiceFilters = InvoiceFilters()

    @rx.event
    async def load_invoices(self):
        """Read the page of invoices the URL names (redirects when signed out; nothing for agents)."""
        params = self.router.url.query_parameters
        self.loaded = False
        self.rows = []
        self._clear_field_errors()
        status, customer = params.get("status", ""), params.get("customer", "")
        try:
            self._filters = read_filters(status, customer, params.get("from", ""), params.get("to", ""))
            notice = ""
        except PortalError:
            self._filters = read_filters(status, customer, "", "")
            notice = BAD_ADDRESS_DATE
        self._show_filters()
        request = parse_page(params.get("page"), params.get("size"))
        try:
            page = await self._as_admin(invoice_list, self._filters, request)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.rows = page.rows
            self.invoice_pager = pager_for(page.info, lambda number, size: _address(self._filters, number, size))
            self.notice = notice or (NEAREST_PAGE if page.info.number != request.number else "")
        self.loaded = True
        return None

    def _show_filters(self) -> None:
        filters = self._filters
        self.status_filter = filters.status or ALL
        self.customer_filter = filters.customer
        self.from_filter = filters.issued_from.isoformat() if filters.issued_from else ""
        self.to_filter = filters.issued_to.isoformat() if filters.issued_to else ""

    @rx.event
    def filter_invoices(self, form: dict):
        """Show the invoices matching the filters (they go in the URL, so the list can be shared); a bad date is
        refused at its field."""
        self._clear_field_errors(*FILTER_FIELDS.values())
        try:
            filters = read_filters(
                form_field(form, "status"),
                search_text(form_field(form, "customer")),
                form_field(form, "issued_from"),
                form_field(form, "issued_to"),
            )
        except PortalError as refused:
            return self._show_refusal(refused, FILTER_FIELDS)
        return rx.redirect(_address(filters))

    @rx.event
    def clear_filters(self):
        """Every invoice again."""
        return rx.redirect(INVOICES_ROUTE)


class StaffInvoiceState(CustomerPicker, FieldErrors, StaffSession):
    """One invoice of the organisation: its figures and payments, and the actions on it."""

    loaded: bool = False
    found: bool = False
    invoice: InvoiceDetail = BLANK
    notice: str = ""
    error: str = ""
    form_key: int = 0
    today: str = ""
    move_question: str = ""

    _invoice_id: int = 0

    @rx.event
    async def load_invoice(self):
        """Read the invoice named in the URL, within the administrator's organisation."""
        self.loaded = False
        self.notice = self.error = ""
        self._clear_field_errors()
        self._forget_choice()
        raw = str(self.router.page.params.get("invoice_id", "") or "")
        self._invoice_id = parse_id(raw) or 0
        self.today = date.today().isoformat()
        try:
            detail = await self._as_admin(invoice_detail, self._invoice_id)
        except SignedOut:
            return self._login_redirect()
        self._show(detail)
        self.loaded = True
        return None

    def _show(self, detail: InvoiceDetail | None) -> None:
        self.found = detail is not None
        self.invoice = detail or BLANK
        if detail is None:
            self._invoice_id = 0

    async def _act(self, work: Callable[..., str], fields: dict[str, str], *args: Any, **kwargs: Any):
        """Run an action on this invoice, then show it again with what happened, or the refusal at its field."""
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            said = await self._as_admin(work, self._invoice_id, *args, client_ip=caller_address(self), **kwargs)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, fields)
        detail = await self._as_admin(invoice_detail, self._invoice_id)
        self._show(detail)
        if said is not None:
            self.notice = said
            self.form_key += 1
        return None

    @rx.event
    async def record_payment(self, form: dict):
        """Record a payment received outside the portal (amount, date, method, reference)."""
        return await self._act(
            actions.record_payment,
            PAYMENT_FIELDS,
            amount=form_field(form, "amount"),
            paid_on=form_field(form, "paid_on"),
            method=form_field(form, "method"),
            reference=form_field(form, "reference"),
        )

    @rx.event
    async def void_invoice(self, form: dict):
        """Void the invoice, with the reason (refused, with why, when money was received against it)."""
        return await self._act(actions.void_invoice, VOID_FIELDS, form_field(form, "reason"))

    @rx.event
    async def ask_move(self):
        """Check the move and ask to confirm it, naming both customers."""
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            question = await self._as_admin(actions.move_question, self._invoice_id, self._chosen_customer)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, MOVE_FIELDS)
        self.move_question = question or ""
        return None

    @rx.event
    def cancel_move(self):
        """Leave the invoice where it is."""
        self.move_question = ""

    @rx.event
    async def move_invoice(self):
        """Move the invoice to the selected customer (after the confirmation)."""
        redirect = await self._act(actions.move_invoice, MOVE_FIELDS, self._chosen_customer)
        if not self.error and not self.field_errors:
            self._forget_choice()
        return redirect

    def _after_choice(self) -> None:
        self.move_question = ""
        self._clear_field_errors(*MOVE_FIELDS.values())
