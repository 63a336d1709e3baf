"""The Billing tab's figures and the billing history page."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import reflex as rx
from reflex import constants
from reflex.config import environment, get_config

from portal_app.errors import PortalError
from portal_app.services.billing import minimums
from portal_app.services.billing.exports import export_download
from portal_app.services.billing.invoices import InvoiceRow, PaymentRow
from portal_app.services.billing.screens import BillingPage, history_page
from portal_app.services.billing.statements import Download, default_period, statement_download
from portal_app.services.common.pagination import parse_page
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SessionState, SignedOut

HISTORY_ROUTE = "/portal/billing/history"
# What an invoice row says instead of Pay with Stripe when its balance is under Stripe's minimum charge.
TOO_SMALL_NOTE = minimums.TOO_SMALL


def pdf_base() -> str:
    """Where the PDF routes (invoices, receipts) are served: in dev mode the API runs on the backend's own port."""
    if environment.REFLEX_ENV_MODE.get() == constants.Env.DEV:
        return get_config().api_url.rstrip("/")
    return ""


class BillingState(SessionState):
    """Summary cards and recent invoices of the current customer (PaymentsState loads them)."""

    outstanding_balance: str = ""
    open_invoices: int = 0
    last_invoice_total: str = ""
    last_payment: str = ""
    last_payment_date: str = ""
    invoices: list[InvoiceRow] = []
    contact_email: str = ""
    contact_phone: str = ""
    contact_phone_href: str = ""
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    def _show_figures(self, page: BillingPage) -> None:
        self.outstanding_balance = page.summary.outstanding_balance
        self.open_invoices = page.summary.open_invoices
        self.last_invoice_total = page.summary.last_invoice_total
        self.last_payment = page.summary.last_payment
        self.last_payment_date = page.summary.last_payment_date
        self.invoices = page.invoices
        self.contact_email = page.options.contact_email
        self.contact_phone = page.options.contact_phone
        self.contact_phone_href = page.options.contact_phone_href
        self.loaded = True


class HistoryState(SessionState):
    """One page of all invoices and one page of all payments; the position lives in the URL."""

    invoices: list[InvoiceRow] = []
    invoice_pager: Pager = Pager()
    payments: list[PaymentRow] = []
    payment_pager: Pager = Pager()
    notice: str = ""
    # Whether Pay with Stripe is offered, read with the page (one on_load, one database session).
    online: bool = False
    loaded: bool = False  # the page shows a skeleton until its first load has read the data
    # The statement's period as the two date inputs start (this year so far), and what was wrong with one asked for.
    statement_from: str = ""
    statement_to: str = ""
    download_error: str = ""

    @rx.event
    async def load_history(self):
        """Read the two pages named in the URL (out-of-range pages show the nearest one)."""
        params = self.router.url.query_parameters
        invoices = parse_page(params.get("invoices"), params.get("invoice_size"))
        payments = parse_page(params.get("payments"), params.get("payment_size"))
        try:
            page = await self._open_page(history_page, invoices, payments, pdf_base())
        except SignedOut:
            return self._login_redirect()
        if page is None:
            return None
        invoices_at = (page.invoice_position.number, page.invoice_position.size)
        payments_at = (page.payment_position.number, page.payment_position.size)
        self.invoices = page.invoices
        self.invoice_pager = pager_for(page.invoice_position, lambda number, size: _href((number, size), payments_at))
        self.payments = page.payments
        self.payment_pager = pager_for(page.payment_position, lambda number, size: _href(invoices_at, (number, size)))
        self.online = page.online
        moved = invoices_at[0] != invoices.number or payments_at[0] != payments.number
        self.notice = NEAREST_PAGE if moved else ""
        this_year = default_period(date.today())
        self.statement_from, self.statement_to = this_year.start.isoformat(), this_year.end.isoformat()
        self.loaded = True
        return None

    @rx.event
    async def download_statement(self, form: dict):
        """Download the statement of the period in the form, through a link signed now (a bad period: why)."""
        try:
            download = await self._call(statement_download, form.get("from", ""), form.get("to", ""))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.download_error = refused.message
            return None
        self.download_error = ""
        return _download(download)

    @rx.event
    async def export_history(self, table: str):
        """Download all invoices or all payments ("invoices", "payments") as CSV, through a link signed now."""
        try:
            download = await self._call(export_download, table)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.download_error = refused.message
            return None
        return _download(download)


def _download(download: Download) -> rx.event.EventSpec:
    """Save the linked file; in dev mode the API is on another origin, where only opening it saves it."""
    href = pdf_base() + download.href
    if href.startswith("/"):
        return rx.download(url=href, filename=download.filename)
    return rx.redirect(href, is_external=True)


def _href(invoices: tuple[int, int], payments: tuple[int, int]) -> str:
    """The history page with each table at (page number, page size)."""
    (invoice_page, invoice_size), (payment_page, payment_size) = invoices, payments
    position = {
        "invoices": invoice_page,
        "invoice_size": invoice_size,
        "payments": payment_page,
        "payment_size": payment_size,
    }
    return f"{HISTORY_ROUTE}?{urlencode(position)}"
