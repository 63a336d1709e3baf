"""The Billing tab and the billing history page."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import reflex as rx
from reflex import constants
from reflex.config import environment, get_config
from sqlmodel import Session

from portal_app.services.access import customer_scope
from portal_app.services.accounts.branding import branding_of
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing import invoices as billing
from portal_app.services.billing.eligibility import payment_options
from portal_app.services.billing.invoice_documents import pdf_link as signed_pdf_path
from portal_app.services.common.pagination import PAGE_SIZES, PageInfo, parse_page
from portal_app.state.session import SessionState


def pdf_link(principal: Principal, invoice_id: int) -> str:
    """The signed PDF link; in dev mode the API runs on the backend's own port."""
    path = signed_pdf_path(principal, invoice_id)
    if environment.REFLEX_ENV_MODE.get() == constants.Env.DEV:
        return get_config().api_url.rstrip("/") + path
    return path


HISTORY_ROUTE = "/portal/billing/history"


def _rows(items: list) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in dataclasses.asdict(item).items()} for item in items]


def _invoice_rows(principal: Principal, items: list[billing.InvoiceRow]) -> list[dict[str, str]]:
    """Invoice rows with a short-lived PDF link bound to this person and invoice."""
    rows = []
    for row in _rows(items):
        href = pdf_link(principal, int(row["id"]))
        rows.append(row | {"pdf_href": href, "pdf_download_href": f"{href}&download=1"})
    return rows


class BillingState(SessionState):
    """Summary cards, recent invoices and how to pay for the current customer."""

    outstanding_balance: str = ""
    open_invoices: int = 0
    last_invoice_total: str = ""
    last_payment: str = ""
    last_payment_date: str = ""
    invoices: list[dict[str, str]] = []
    contact_email: str = ""
    contact_phone: str = ""

    @rx.event
    async def load_billing(self):
        """Read the Billing tab for the signed-in customer (redirects when signed out)."""
        return await self._load_page(self._show_billing)

    def _show_billing(self, db: Session, principal: Principal) -> None:
        summary = billing.billing_summary(db, principal)
        recent = billing.recent_invoices(db, principal)
        brand = branding_of(customer_scope(db, principal).organisation)
        self.outstanding_balance = summary.outstanding_balance
        self.open_invoices = summary.open_invoices
        self.last_invoice_total = summary.last_invoice_total
        self.last_payment = summary.last_payment
        self.last_payment_date = summary.last_payment_date
        self.invoices = _invoice_rows(principal, recent)
        self.contact_email = brand.email
        self.contact_phone = brand.phone


class HistoryState(SessionState):
    """One page of all invoices and one page of all payments; the position lives in the URL."""

    invoices: list[dict[str, str]] = []
    invoice_page: int = 1
    invoice_pages: int = 1
    invoice_total: int = 0
    invoice_size: int = 10
    payments: list[dict[str, str]] = []
    payment_page: int = 1
    payment_pages: int = 1
    payment_total: int = 0
    payment_size: int = 10
    notice: str = ""
    # Whether Pay with Stripe is offered, read with the page (one on_load, one database session).
    online: bool = False

    @rx.event
    async def load_history(self):
        """Read the two pages named in the URL (out-of-range pages show the nearest one)."""
        return await self._load_page(self._show_history)

    def _show_history(self, db: Session, principal: Principal) -> None:
        params = self.router.url.query_parameters
        invoice_request = parse_page(params.get("invoices"), params.get("invoice_size"))
        payment_request = parse_page(params.get("payments"), params.get("payment_size"))
        invoices, invoice_info = billing.invoice_page(db, principal, invoice_request)
        payments, payment_info = billing.payment_page(db, principal, payment_request)
        self.invoices = _invoice_rows(principal, invoices)
        self.payments = _rows(payments)
        self._set_position("invoice", invoice_info)
        self._set_position("payment", payment_info)
        self.online = payment_options(db, principal).online
        moved = invoice_info.number != invoice_request.number or payment_info.number != payment_request.number
        self.notice = "That page does not exist; showing the nearest one." if moved else ""

    def _set_position(self, table: str, info: PageInfo) -> None:
        setattr(self, f"{table}_page", info.number)
        setattr(self, f"{table}_pages", info.total_pages)
        setattr(self, f"{table}_total", info.total_rows)
        setattr(self, f"{table}_size", info.size)

    def _href(self, **changes: int) -> str:
        position = {
            "invoices": self.invoice_page,
            "invoice_size": self.invoice_size,
            "payments": self.payment_page,
            "payment_size": self.payment_size,
        }
        position.update(changes)
        return f"{HISTORY_ROUTE}?{urlencode(position)}"

    @rx.var
    def invoice_prev_href(self) -> str:
        return self._href(invoices=max(1, self.invoice_page - 1))

    @rx.var
    def invoice_next_href(self) -> str:
        return self._href(invoices=min(self.invoice_pages, self.invoice_page + 1))

    @rx.var
    def payment_prev_href(self) -> str:
        return self._href(payments=max(1, self.payment_page - 1))

    @rx.var
    def payment_next_href(self) -> str:
        return self._href(payments=min(self.payment_pages, self.payment_page + 1))

    @rx.var
    def invoice_size_links(self) -> list[dict[str, str]]:
        return [{"size": str(s), "href": self._href(invoices=1, invoice_size=s)} for s in PAGE_SIZES]

    @rx.var
    def payment_size_links(self) -> list[dict[str, str]]:
        return [{"size": str(s), "href": self._href(payments=1, payment_size=s)} for s in PAGE_SIZES]
