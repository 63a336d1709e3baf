"""What the Billing tab and the billing history page show, each read in one unit of work."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session

from portal_app.errors import NotFound
from portal_app.services.access import own_invoice, pdf_link, receipt_link
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.cards import AutopayStatus, autopay_status
from portal_app.services.billing.checkout import PAID, checkout_return
from portal_app.services.billing.eligibility import PaymentOptions, payment_options
from portal_app.services.billing.invoices import (
    BillingSummary,
    InvoiceRow,
    PaymentRow,
    billing_summary,
    history_totals,
    invoice_number,
    invoice_page,
    payment_page,
    recent_invoices,
)
from portal_app.services.common.pagination import PageInfo, PageRequest
from portal_app.services.common.reads import database_only


@dataclass(frozen=True)
class BillingPage:
    """The Billing tab: figures, recent invoices, how to pay, automatic payments."""

    summary: BillingSummary
    invoices: list[InvoiceRow]
    options: PaymentOptions
    autopay: AutopayStatus
    returned_invoice: str  # the number of the invoice a return from Stripe names; "" when it is none of theirs


@dataclass(frozen=True)
class HistoryPage:
    """One page of all invoices and one page of all payments, where each stands, and whether Pay is offered."""

    invoices: list[InvoiceRow]
    invoice_position: PageInfo
    payments: list[PaymentRow]
    payment_position: PageInfo
    online: bool


def billing_page(db: Session, principal: Principal, pdf_base: str, returned: int | None = None) -> BillingPage:
    """The Billing tab; `returned` is the invoice a return from Stripe names, `pdf_base` where the PDF route is."""
    return BillingPage(
        summary=billing_summary(db, principal),
        invoices=with_pdf_links(principal, recent_invoices(db, principal), pdf_base),
        options=payment_options(db, principal),
        autopay=autopay_status(db, principal),
        returned_invoice=_number_of(db, principal, returned) if returned is not None else "",
    )


@database_only
def history_page(
    db: Session, principal: Principal, invoices: PageRequest, payments: PageRequest, pdf_base: str
) -> HistoryPage:
    """The requested page of each table (past the end: the last page)."""
    invoice_total, payment_total = history_totals(db, principal)
    invoice_rows, invoice_position = invoice_page(db, principal, invoices, total=invoice_total)
    payment_rows, payment_position = payment_page(db, principal, payments, total=payment_total)
    return HistoryPage(
        invoices=with_pdf_links(principal, invoice_rows, pdf_base),
        invoice_position=invoice_position,
        payments=with_receipt_links(principal, payment_rows, pdf_base),
        payment_position=payment_position,
        online=payment_options(db, principal).online,
    )


def payment_return(
    db: Session, principal: Principal, invoice_id: int, session_id: str, pdf_base: str
) -> tuple[str, BillingPage | None]:
    """After Stripe's success redirect: "paid" and the tab as it now stands once the payment is recorded,
    else "processing" (and no page)."""
    outcome = checkout_return(db, principal, invoice_id, session_id)
    return outcome, billing_page(db, principal, pdf_base) if outcome == PAID else None


def with_pdf_links(principal: Principal, rows: list[InvoiceRow], pdf_base: str) -> list[InvoiceRow]:
    """The rows with their PDF links, which only this person, acting as this customer, can open for a while."""
    linked = []
    for row in rows:
        href = pdf_base + pdf_link(principal, row.id)
        linked.append(replace(row, pdf_href=href, pdf_download_href=f"{href}&download=1"))
    return linked


def with_receipt_links(principal: Principal, rows: list[PaymentRow], pdf_base: str) -> list[PaymentRow]:
    """The rows of payments that have a receipt with their receipt links, which only this person, acting as this
    customer, can open for a while."""
    linked = []
    for row in rows:
        href = pdf_base + receipt_link(principal, row.id) if row.has_receipt else ""
        linked.append(replace(row, receipt_href=href, receipt_download_href=f"{href}&download=1" if href else ""))
    return linked


def _number_of(db: Session, principal: Principal, invoice_id: int) -> str:
    try:
        return invoice_number(own_invoice(db, principal, invoice_id))
    except NotFound:
        return ""
