"""Billing figures, recent invoices, and the paginated billing history of one customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, Select, and_, bindparam, func
from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice, Payment, PaymentAttempt, PaymentStatus
from portal_app.services.access import customer_scope
from portal_app.services.accounts.figures import account_figures
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.balances import format_balances
from portal_app.services.billing.invoice_status import InvoiceStatus, invoice_status, visible
from portal_app.services.billing.minimums import below_minimum
from portal_app.services.billing.payment_words import described, has_receipt
from portal_app.services.billing.recording import REFUND
from portal_app.services.common.dates import show_date, show_datetime
from portal_app.services.common.money import format_money
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp

RECENT_INVOICES = 6


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice as the tables show it."""

    id: int
    number: str
    issued: str
    due: str
    total: str
    balance: str
    status: str
    has_balance: bool
    too_small: bool  # a balance under Stripe's minimum charge: no Pay with Stripe, pay another way
    pdf_href: str = ""  # the signed PDF links, added for the person the table is shown to
    pdf_download_href: str = ""


@dataclass(frozen=True)
class PaymentRow:
    """A payment as the history table shows it: `details` says how it was paid ("Visa •••• 4242", "Bank transfer,
    ref X"), or why it failed; Stripe's ids are on the receipt, not here."""

    id: int
    date: str
    amount: str
    status: str
    details: str
    invoice_number: str
    has_receipt: bool
    receipt_href: str = ""  # the signed receipt links, added for the person the table is shown to
    receipt_download_href: str = ""


@dataclass(frozen=True)
class BillingSummary:
    """The Billing tab's cards."""

    outstanding_balance: str
    open_invoices: int
    last_invoice_total: str
    last_payment: str
    last_payment_date: str


def invoice_number(invoice: Invoice) -> str:
    """The invoice's number, or '#<id>' when it has none."""
    return invoice.number or f"#{invoice.id}"


def invoice_row(invoice: Invoice, locale: str, today: date) -> InvoiceRow:
    """Format one invoice for a table."""
    balance = max(0, invoice.total_minor - invoice.paid_minor)
    status = invoice_status(invoice, today)
    has_balance = balance > 0 and status != InvoiceStatus.VOID
    return InvoiceRow(
        id=invoice.id,
        number=invoice_number(invoice),
        issued=show_date(invoice.issued_on, locale),
        due=show_date(invoice.due_on, locale),
        total=format_money(invoice.total_minor, invoice.currency, locale),
        balance=format_money(balance, invoice.currency, locale),
        status=status.value,
        has_balance=has_balance,
        too_small=has_balance and below_minimum(balance, invoice.currency),
    )


def billing_summary(db: Session, principal: Principal) -> BillingSummary:
    """Outstanding balance, open invoices, last invoice total and last payment."""
    customer = customer_scope(db, principal).customer
    figures = account_figures(db, customer)
    locale = customer.locale
    last_invoice, last_payment = figures.last_invoice, figures.last_payment
    return BillingSummary(
        outstanding_balance=format_balances(figures.balances, customer.currency, locale),
        open_invoices=figures.open_invoices,
        last_invoice_total=format_money(last_invoice.total_minor, last_invoice.currency, locale)
        if last_invoice
        else "",
        last_payment=format_money(last_payment.amount_minor, last_payment.currency, locale) if last_payment else "",
        last_payment_date=show_date(last_payment.processed_at.date(), locale) if last_payment else "",
    )


def recent_invoices(db: Session, principal: Principal, today: date | None = None) -> list[InvoiceRow]:
    """The latest visible invoices, newest first."""
    customer = customer_scope(db, principal).customer
    rows = db.exec(
        select(Invoice)
        .where(Invoice.customer_id == customer.id, visible())
        .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        .limit(RECENT_INVOICES)
    ).all()
    return [invoice_row(i, customer.locale, today or date.today()) for i in rows]


def history_totals(db: Session, principal: Principal) -> tuple[int, int]:
    """How many visible invoices and how many payments the customer has, in one statement."""
    customer = customer_scope(db, principal).customer
    invoice_total, payment_total = db.exec(_HISTORY_TOTALS, params={"customer_id": customer.id}).one()
    return invoice_total, payment_total


def invoice_page(
    db: Session, principal: Principal, request: PageRequest, today: date | None = None, *, total: int | None = None
) -> tuple[list[InvoiceRow], PageInfo]:
    """One page of all visible invoices, newest first; cost independent of which page. `total`, when the caller
    already counted them (`history_totals`), saves the count."""
    customer = customer_scope(db, principal).customer
    if total is None:
        total = db.exec(_INVOICE_COUNT, params={"customer_id": customer.id}).one()
    info = clamp(request, total)
    rows = _page_rows(db, _INVOICE_PAGES, customer, info)
    return [invoice_row(i, customer.locale, today or date.today()) for i in rows], info


def payment_page(
    db: Session, principal: Principal, request: PageRequest, *, total: int | None = None
) -> tuple[list[PaymentRow], PageInfo]:
    """One page of all payments, newest first, with the linked invoice number (`total` as for `invoice_page`)."""
    customer = customer_scope(db, principal).customer
    if total is None:
        total = db.exec(_PAYMENT_COUNT, params={"customer_id": customer.id}).one()
    info = clamp(request, total)
    rows = _page_rows(db, _PAYMENT_PAGES, customer, info)
    return [
        PaymentRow(
            id=p.id,
            date=show_datetime(p.processed_at, customer.locale),
            amount=format_money(p.amount_minor, p.currency, customer.locale),
            status=str(p.status),
            details=described(p) + _refund_note(p, refund, customer.locale),
            invoice_number=invoice_number(invoice) if invoice is not None else "",
            has_receipt=has_receipt(p),
        )
        for p, invoice, refund in rows
    ], info


def _refund_note(payment: Payment, refund: PaymentAttempt | None, locale: str) -> str:
    """What of a payment went back to the customer, after its details: " (€5.00 refunded)"."""
    if refund is None or refund.amount_minor <= 0 or payment.status != PaymentStatus.SUCCEEDED:
        return ""
    money = format_money(refund.amount_minor, refund.currency, locale)
    if refund.status == "failed":
        return f" (refund of {money} failed)"
    return f" ({money} refunded)"


def _page_rows(db: Session, pages: tuple[Select, Select], customer: Customer, info: PageInfo) -> list:
    """Rows of the page from (newest first, oldest first); pages in the older half are read from the other end of
    the index."""
    offset = (info.number - 1) * info.size
    limit = info.last_row - offset
    if limit <= 0:
        return []
    newest_first, oldest_first = pages
    if offset <= info.total_rows - info.last_row:
        params = {"customer_id": customer.id, "offset": offset, "limit": limit}
        return list(db.exec(newest_first, params=params).all())
    params = {"customer_id": customer.id, "offset": info.total_rows - info.last_row, "limit": limit}
    rows = list(db.exec(oldest_first, params=params).all())
    rows.reverse()
    return rows


def _both_ways(stmt: Select, newest_first: tuple, oldest_first: tuple) -> tuple[Select, Select]:
    offset, limit = bindparam("offset", type_=Integer), bindparam("limit", type_=Integer)
    return (
        stmt.order_by(*newest_first).offset(offset).limit(limit),
        stmt.order_by(*oldest_first).offset(offset).limit(limit),
    )


def _payments_with_invoice_and_refund() -> Select:
    customer_id = bindparam("customer_id", type_=Integer)
    return (
        select(Payment, Invoice, PaymentAttempt)
        .outerjoin(Invoice, and_(col(Invoice.id) == col(Payment.invoice_id), col(Invoice.customer_id) == customer_id))
        .outerjoin(
            PaymentAttempt,
            and_(
                col(PaymentAttempt.kind) == REFUND,
                col(PaymentAttempt.stripe_payment_intent_id) == col(Payment.stripe_payment_intent_id),
                col(PaymentAttempt.customer_id) == customer_id,
            ),
        )
        .where(col(Payment.customer_id) == customer_id)
    )


# Built once: a history page binds the customer's id, the offset and the limit (building
# these joins and orderings anew for every page showed in the load benchmark's profile).
_CUSTOMER = bindparam("customer_id", type_=Integer)
_INVOICE_COUNT = select(func.count()).select_from(Invoice).where(col(Invoice.customer_id) == _CUSTOMER, visible())
_PAYMENT_COUNT = select(func.count()).select_from(Payment).where(col(Payment.customer_id) == _CUSTOMER)
_HISTORY_TOTALS = select(_INVOICE_COUNT.scalar_subquery(), _PAYMENT_COUNT.scalar_subquery())
_INVOICE_PAGES = _both_ways(
    select(Invoice).where(col(Invoice.customer_id) == _CUSTOMER, visible()),
    (col(Invoice.issued_on).desc(), col(Invoice.id).desc()),
    (col(Invoice.issued_on).asc(), col(Invoice.id).asc()),
)
_PAYMENT_PAGES = _both_ways(
    _payments_with_invoice_and_refund(),
    (col(Payment.processed_at).desc(), col(Payment.id).desc()),
    (col(Payment.processed_at).asc(), col(Payment.id).asc()),
)
