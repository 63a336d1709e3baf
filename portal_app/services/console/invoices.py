"""The organisation's invoices in the console (administrators): the list with filters by status, customer and issue
date, one invoice with its payments and what may be done to it, and its PDF exactly as the customer sees it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from portal_app.errors import NotFound, PortalError
from portal_app.models import Customer, Invoice, InvoiceState, Payment, PaymentAttempt, PaymentStatus
from portal_app.services.access import INVOICE_NOT_FOUND, NotAdmin, admin_scope, staff_invoice, staff_pdf_link
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_documents import InvoiceDocument, invoice_document
from portal_app.services.billing.invoice_status import InvoiceStatus, invoice_status
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.payment_words import described
from portal_app.services.common.dates import show_date, show_datetime
from portal_app.services.common.money import format_money, to_major
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.console.customers import customer_href, search_text

INVOICES_ROUTE = "/staff/invoices"
DRAFT = "Draft"
STATUSES = (
    DRAFT,
    *(
        status.value
        for status in (
            InvoiceStatus.ISSUED,
            InvoiceStatus.PARTIALLY_PAID,
            InvoiceStatus.PAID,
            InvoiceStatus.OVERDUE,
            InvoiceStatus.VOID,
        )
    ),
)
BAD_DATE = "Enter a date like 2026-11-30."
RANGE_BACKWARDS = "The end of the range is before its start."
PAYMENTS_LIMIT = 50
STARTED = ("open", "succeeded")  # payment attempts that may still bring (or brought) money


@dataclass(frozen=True)
class InvoiceFilters:
    """What the list is narrowed to: a status ("" for all), words of the customer's name, issued between two dates."""

    status: str = ""
    customer: str = ""
    issued_from: date | None = None
    issued_to: date | None = None


@dataclass(frozen=True)
class ConsoleInvoiceRow:
    """An invoice as the console's list shows it."""

    id: int
    number: str
    customer: str
    customer_href: str
    issued: str
    due: str
    total: str
    balance: str
    status: str
    href: str
    pdf_href: str  # "" for drafts: the customer has no PDF of them


@dataclass(frozen=True)
class InvoiceListPage:
    """One page of the organisation's invoices matching the filters."""

    rows: list[ConsoleInvoiceRow]
    info: PageInfo


@dataclass(frozen=True)
class InvoicePaymentRow:
    """A payment recorded against the invoice."""

    date: str
    amount: str
    status: str
    details: str


@dataclass(frozen=True)
class InvoiceDetail:
    """One invoice as its console page shows it, and which actions it allows (or why not)."""

    id: int
    number: str
    customer: str
    customer_href: str
    currency: str
    issued: str
    due: str
    total: str
    paid: str
    balance: str
    balance_plain: str  # the balance as a plain decimal, to prefill the payment's amount ("120.50")
    status: str
    pdf_href: str
    payments: list[InvoicePaymentRow]
    can_record: bool
    record_blocked: str
    can_void: bool
    void_blocked: str
    can_move: bool
    move_blocked: str


def invoice_href(invoice_id: int) -> str:
    """The invoice's page in the console."""
    return f"{INVOICES_ROUTE}/{invoice_id}"


def status_label(invoice: Invoice, today: date) -> str:
    """Draft, or the status the customer sees (Issued, Partially paid, Paid, Overdue, Void)."""
    return DRAFT if invoice.state == InvoiceState.DRAFT else invoice_status(invoice, today).value


def parse_day(raw: object, field: str) -> date | None:
    """An ISO date typed or sent in the address ("" for none); PortalError at the field otherwise."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise PortalError(BAD_DATE, field=field)
    return day


def read_filters(status: object, customer: object, issued_from: object, issued_to: object) -> InvoiceFilters:
    """The filters as typed or sent (an unknown status is none); PortalError at the field for a bad date."""
    start, end = parse_day(issued_from, "issued_from"), parse_day(issued_to, "issued_to")
    if start is not None and end is not None and end < start:
        raise PortalError(RANGE_BACKWARDS, field="issued_to")
    return InvoiceFilters(
        status=status if status in STATUSES else "",
        customer=search_text(customer),
        issued_from=start,
        issued_to=end,
    )


def invoice_list(
    db: Session, principal: Principal, filters: InvoiceFilters, request: PageRequest, today: date | None = None
) -> InvoiceListPage:
    """One page of the administrator's organisation's invoices (drafts included) matching the filters, newest
    issued first."""
    organisation = admin_scope(db, principal).organisation
    day = today or date.today()
    where = [col(Customer.organisation_id) == organisation.id, *_matching(filters, day)]
    joined = select(Invoice, Customer).join(Customer, col(Customer.id) == col(Invoice.customer_id)).where(*where)
    counted = select(func.count()).select_from(Invoice).join(Customer, col(Customer.id) == col(Invoice.customer_id))
    info = clamp(request, db.exec(counted.where(*where)).one())
    found = db.exec(
        joined.order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    rows = [
        ConsoleInvoiceRow(
            id=invoice.id,
            number=invoice_number(invoice),
            customer=customer.name,
            customer_href=customer_href(customer.id),
            issued=show_date(invoice.issued_on, customer.locale),
            due=show_date(invoice.due_on, customer.locale),
            total=format_money(invoice.total_minor, invoice.currency, customer.locale),
            balance=format_money(max(0, invoice.total_minor - invoice.paid_minor), invoice.currency, customer.locale),
            status=status_label(invoice, day),
            href=invoice_href(invoice.id),
            pdf_href="" if invoice.state == InvoiceState.DRAFT else staff_pdf_link(principal, invoice.id),
        )
        for invoice, customer in found
    ]
    return InvoiceListPage(rows=rows, info=info)


def _matching(filters: InvoiceFilters, today: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.status:
        where.append(status_condition(filters.status, today))
    if filters.customer:
        text = filters.customer.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(col(Customer.name)).like(f"%{text}%", escape="\\"))
    if filters.issued_from is not None:
        where.append(col(Invoice.issued_on) >= filters.issued_from)
    if filters.issued_to is not None:
        where.append(col(Invoice.issued_on) <= filters.issued_to)
    return where


def status_condition(status: str, today: date) -> ColumnElement[bool]:
    """The SQL twin of `status_label`: the invoices that show this status today."""
    state = col(Invoice.state)
    if status == DRAFT:
        return state == InvoiceState.DRAFT
    if status == InvoiceStatus.VOID:
        return state == InvoiceState.VOID
    issued = state == InvoiceState.ISSUED
    if status == InvoiceStatus.PAID:
        return and_(issued, col(Invoice.total_minor) <= col(Invoice.paid_minor))
    owing = and_(issued, col(Invoice.total_minor) > col(Invoice.paid_minor))
    if status == InvoiceStatus.OVERDUE:
        return and_(owing, col(Invoice.due_on) < today)
    not_due = and_(owing, col(Invoice.due_on) >= today)
    if status == InvoiceStatus.PARTIALLY_PAID:
        return and_(not_due, col(Invoice.paid_minor) > 0)
    return and_(not_due, col(Invoice.paid_minor) <= 0)


def invoice_detail(db: Session, principal: Principal, invoice_id: object, today: date | None = None) -> InvoiceDetail:
    """One of the administrator's organisation's invoices, or NotFound."""
    invoice, customer = staff_invoice(db, admin_scope(db, principal), invoice_id)
    day, locale = today or date.today(), customer.locale
    payments = db.exec(
        select(Payment)
        .where(Payment.invoice_id == invoice.id)
        .order_by(col(Payment.processed_at).desc(), col(Payment.id).desc())
        .limit(PAYMENTS_LIMIT)
    ).all()
    balance = max(0, invoice.total_minor - invoice.paid_minor)
    record_blocked, void_blocked, move_blocked = (
        payment_refusal(invoice),
        void_refusal(db, invoice),
        move_refusal(db, invoice, customer),
    )
    return InvoiceDetail(
        id=invoice.id,
        number=invoice_number(invoice),
        customer=customer.name,
        customer_href=customer_href(customer.id),
        currency=invoice.currency,
        issued=show_date(invoice.issued_on, locale),
        due=show_date(invoice.due_on, locale),
        total=format_money(invoice.total_minor, invoice.currency, locale),
        paid=format_money(invoice.paid_minor, invoice.currency, locale),
        balance=format_money(balance, invoice.currency, locale),
        balance_plain=str(to_major(balance, invoice.currency)),
        status=status_label(invoice, day),
        pdf_href="" if invoice.state == InvoiceState.DRAFT else staff_pdf_link(principal, invoice.id),
        payments=[
            InvoicePaymentRow(
                date=show_datetime(p.processed_at, locale),
                amount=format_money(p.amount_minor, p.currency, locale),
                status=str(p.status),
                details=described(p),
            )
            for p in payments
        ],
        can_record=record_blocked == "",
        record_blocked=record_blocked,
        can_void=void_blocked == "",
        void_blocked=void_blocked,
        can_move=move_blocked == "",
        move_blocked=move_blocked,
    )


def payment_refusal(invoice: Invoice) -> str:
    """Why no payment can be recorded against the invoice ("" when one can)."""
    number = invoice_number(invoice)
    if invoice.state == InvoiceState.DRAFT:
        return f"{number} is a draft: issue it before recording a payment against it."
    if invoice.state == InvoiceState.VOID:
        return f"{number} is void: nothing is owed on it."
    if invoice.total_minor - invoice.paid_minor <= 0:
        return f"{number} is paid in full."
    return ""


def void_refusal(db: Session, invoice: Invoice) -> str:
    """Why the invoice cannot be voided ("" when it can): already void, or money was received against it."""
    number = invoice_number(invoice)
    if invoice.state == InvoiceState.VOID:
        return f"{number} is already void."
    received = db.exec(
        select(func.count())
        .select_from(Payment)
        .where(
            Payment.invoice_id == invoice.id,
            col(Payment.status).in_((PaymentStatus.SUCCEEDED, PaymentStatus.DISPUTED)),
        )
    ).one()
    if received or invoice.paid_minor > 0:
        return (
            f"{number} has payments received against it: voiding it would leave that money paying nothing. "
            "Refund the payments first, or leave the invoice as it is."
        )
    return ""


def move_refusal(db: Session, invoice: Invoice, customer: Customer) -> str:
    """Why the invoice cannot move to another customer ("" when it can): any payment or payment attempt belongs
    to the customer who made it, and would no longer match the invoice it paid."""
    number = invoice_number(invoice)
    paid = db.exec(select(func.count()).select_from(Payment).where(Payment.invoice_id == invoice.id)).one()
    if paid or invoice.paid_minor > 0:
        return (
            f"{number} has payments from {customer.name} recorded against it: they stay with {customer.name}, "
            "so the invoice cannot move to another customer."
        )
    started = db.exec(
        select(func.count())
        .select_from(PaymentAttempt)
        .where(PaymentAttempt.invoice_id == invoice.id, col(PaymentAttempt.status).in_(STARTED))
    ).one()
    if started:
        return (
            f"{customer.name} has started paying {number} online: the payment would be theirs, so the invoice "
            "cannot move to another customer."
        )
    return ""


def staff_invoice_document(db: Session, principal: Principal, invoice_id: int) -> InvoiceDocument:
    """The PDF's content exactly as the invoice's customer sees it, for an administrator of its organisation
    (NotFound otherwise, and for drafts, which the customer never sees)."""
    try:
        invoice, customer = staff_invoice(db, admin_scope(db, principal), invoice_id)
    except NotAdmin:
        raise NotFound(INVOICE_NOT_FOUND) from None
    as_customer = replace(principal, customer_id=customer.id, organisation_id=customer.organisation_id)
    return invoice_document(db, as_customer, invoice.id)
