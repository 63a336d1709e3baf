"""A customer's statement of account for a period: opening balance, invoices and payments with a running balance,
closing balance and the ageing of what is still owed at the end.

The statement agrees with billing history to the cent: for a period ending today its closing balance is
`balance_due` of each currency. So it counts what billing history counts:

- every issued invoice on its issue date; a Void invoice is listed for the record and moves nothing (billing
  history never counts it as owed, whatever was paid on it); Drafts are never shown;
- a payment moves the balance by what of it counts on its invoice: the invoice's paid amount (capped at its total),
  shared over its payments that brought money in (Succeeded first, then Disputed and Refunded, each in date order).
  A refund or a dispute that gave money back so lowers the payment's credit. A paid amount with no payment on
  record (an imported invoice) is listed as a credit on the invoice's issue date. A succeeded payment of no invoice
  (or of a Void one) is listed and moves nothing; refunded or disputed payments that count for nothing are left
  out (billing history lists them).

Each currency has its own statement (its own opening, lines, closing and ageing): the customer's currency first,
then any other currency with invoices or payments before the end of the period.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.models import Customer, Invoice, InvoiceState, Payment, PaymentStatus
from portal_app.services.access import customer_scope, statement_link
from portal_app.services.accounts.branding import Branding, branding_of
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_documents import BillTo, raster_logo
from portal_app.services.billing.invoice_status import visible
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.payment_words import paid_with

MAX_YEARS = 10
AGEING = ("Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days")
AGEING_LIMITS = (0, 30, 60, 90)  # days past due: up to 0 is current, up to 30 the first bucket, ...
BAD_DATE = "Enter the statement's dates as YYYY-MM-DD, for example 2026-01-31."
START_AFTER_END = "The statement's start date is after its end date."
TOO_LONG = f"A statement covers at most {MAX_YEARS} years: choose a shorter period."
IN_THE_FUTURE = "A statement cannot end after today."
# Payments that brought money in, in the order their credit is shared out: Succeeded first.
COUNTED = (PaymentStatus.SUCCEEDED, PaymentStatus.DISPUTED, PaymentStatus.REFUNDED)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Period:
    """The days a statement covers, both included."""

    start: date
    end: date


@dataclass(frozen=True)
class StatementEntry:
    """One line of a statement: an invoice (charge), a payment or credit (credit), with the balance after it."""

    on: date
    description: str
    charge_minor: int
    credit_minor: int
    balance_minor: int


@dataclass(frozen=True)
class CurrencyStatement:
    """The statement in one currency; `ageing` splits the closing balance by days past due (see AGEING)."""

    currency: str
    opening_minor: int
    entries: tuple[StatementEntry, ...]
    closing_minor: int
    ageing: tuple[int, ...]  # one amount per AGEING bucket


@dataclass(frozen=True)
class StatementDocument:
    """Everything the statement PDF shows, as plain values (money in minor units of each section's currency)."""

    period: Period
    locale: str
    provider: Branding
    logo_file: Path | None
    customer: BillTo
    filename: str
    sections: tuple[CurrencyStatement, ...]


@dataclass(frozen=True)
class Download:
    """A signed link to a document and the name to save it under."""

    href: str
    filename: str


@dataclass
class _Ledger:
    """One currency's dated movements before sorting: (date, order, sequence, description, charge, credit)."""

    movements: list[tuple[date, int, int, str, int, int]] = field(default_factory=list)
    open_items: list[tuple[date, int]] = field(default_factory=list)  # (due date, owed at the end) per invoice


def default_period(today: date) -> Period:
    """This year so far: 1 January to today."""
    return Period(start=today.replace(month=1, day=1), end=today)


def parse_period(start: object, end: object, today: date) -> Period:
    """The period from two ISO dates (empty: this year so far), or PortalError saying what is wrong with it."""
    default = default_period(today)
    period = Period(start=_parse_date(start, default.start), end=_parse_date(end, default.end))
    if period.start > period.end:
        raise PortalError(START_AFTER_END)
    if period.end > today:
        raise PortalError(IN_THE_FUTURE)
    if _years_later(period.start, MAX_YEARS) <= period.end:
        raise PortalError(TOO_LONG)
    return period


def statement_download(
    db: Session, principal: Principal, start: object, end: object, today: date | None = None
) -> Download:
    """A fresh signed link to the principal's statement for the period (PortalError: what is wrong with it)."""
    period = parse_period(start, end, today or date.today())
    customer = customer_scope(db, principal).customer
    href = statement_link(principal, period.start, period.end, download=True)
    return Download(href=href, filename=statement_filename(customer, period))


def statement_filename(customer: Customer, period: Period) -> str:
    """A safe download name like 'statement-Alex-Morgan-2026-01-01-2026-11-29.pdf'."""
    return f"statement-{customer_slug(customer)}-{period.start.isoformat()}-{period.end.isoformat()}.pdf"


def customer_slug(customer: Customer) -> str:
    """The customer in a file name: their reference, else their name, in safe characters ('customer-7' if none)."""
    slug = _UNSAFE_FILENAME.sub("-", customer.reference or customer.name).strip("-.")
    return slug[:60] or f"customer-{customer.id}"


def statement_document(db: Session, principal: Principal, period: Period) -> StatementDocument:
    """The principal's current customer's statement for the period, one section per currency."""
    scope = customer_scope(db, principal)
    customer = scope.customer
    provider = branding_of(scope.organisation)
    return StatementDocument(
        period=period,
        locale=customer.locale,
        provider=provider,
        logo_file=raster_logo(provider.logo_url),
        customer=BillTo(name=customer.name, address=customer.address, email=customer.email, phone=customer.phone),
        filename=statement_filename(customer, period),
        sections=statement_sections(db, customer, period),
    )


def statement_sections(db: Session, customer: Customer, period: Period) -> tuple[CurrencyStatement, ...]:
    """The customer's statement in each currency it has, its own currency first (a row of the access scope)."""
    own = customer.currency.upper()
    ledgers: dict[str, _Ledger] = defaultdict(_Ledger, {own: _Ledger()})  # always a section in their own currency
    invoices = db.exec(
        select(Invoice)
        .where(Invoice.customer_id == customer.id, visible(), col(Invoice.issued_on) <= period.end)
        .order_by(col(Invoice.issued_on), col(Invoice.id))
    ).all()
    payments = db.exec(
        select(Payment)
        .where(Payment.customer_id == customer.id, col(Payment.status).in_(COUNTED))
        .order_by(col(Payment.processed_at), col(Payment.id))
    ).all()
    by_invoice: dict[int, list[Payment]] = defaultdict(list)
    for payment in payments:
        if payment.invoice_id is not None:
            by_invoice[payment.invoice_id].append(payment)
    applied: set[int] = set()
    for invoice in invoices:
        ledger = ledgers[invoice.currency.upper()]
        applied.update(_add_invoice(ledger, invoice, by_invoice.get(invoice.id, []), period.end))
    for payment in payments:
        if payment.id not in applied and payment.status == PaymentStatus.SUCCEEDED:
            paid_on = payment.processed_at.date()
            if paid_on <= period.end:
                description = f"Payment, {paid_with(payment)} (not applied to an invoice)"
                ledgers[payment.currency.upper()].movements.append((paid_on, 2, payment.id, description, 0, 0))
    currencies = [own, *sorted(c for c in ledgers if c != own)]
    return tuple(_section(currency, ledgers[currency], period) for currency in currencies)


def ageing_bucket(days_past_due: int) -> int:
    """The index in AGEING of an amount so many days past its due date (0 or less: current)."""
    return sum(days_past_due > limit for limit in AGEING_LIMITS)


def _add_invoice(ledger: _Ledger, invoice: Invoice, payments: list[Payment], end: date) -> set[int]:
    """Add the invoice and the credits of its payments to the ledger; the ids of the payments that count on it."""
    number = invoice_number(invoice)
    if invoice.state == InvoiceState.VOID:
        ledger.movements.append((invoice.issued_on, 0, invoice.id, f"Invoice {number} (void: not owed)", 0, 0))
        return set()
    ledger.movements.append((invoice.issued_on, 0, invoice.id, f"Invoice {number}", invoice.total_minor, 0))
    left = max(0, min(invoice.total_minor, invoice.paid_minor))
    owed_at_end = invoice.total_minor
    counted: set[int] = set()
    same_currency = [p for p in payments if p.currency.upper() == invoice.currency.upper()]
    for payment in sorted(same_currency, key=lambda p: COUNTED.index(p.status)):
        credit = min(payment.amount_minor, left)
        if credit <= 0:
            continue
        left -= credit
        counted.add(payment.id)
        paid_on = payment.processed_at.date()
        if paid_on <= end:
            owed_at_end -= credit
            description = f"Payment for {number}, {paid_with(payment)}" + _note(payment, credit)
            ledger.movements.append((paid_on, 2, payment.id, description, 0, credit))
    if left > 0:
        owed_at_end -= left
        ledger.movements.append((invoice.issued_on, 1, invoice.id, f"Paid on {number} (no payment on record)", 0, left))
    ledger.open_items.append((invoice.due_on, owed_at_end))
    return counted


def _note(payment: Payment, credit: int) -> str:
    """What the line says of a payment that counts for less than it brought in, or was taken back in part."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return f" ({payment.status.lower()} in part)"
    return " (part of it refunded)" if credit < payment.amount_minor else ""


def _section(currency: str, ledger: _Ledger, period: Period) -> CurrencyStatement:
    """The currency's opening balance, the period's lines with their running balance, closing balance, ageing."""
    opening = 0
    entries = []
    for on, _order, _sequence, description, charge, credit in sorted(ledger.movements):
        if on < period.start:
            opening += charge - credit
            continue
        balance = (entries[-1].balance_minor if entries else opening) + charge - credit
        entries.append(StatementEntry(on, description, charge, credit, balance))
    ageing = [0] * len(AGEING)
    for due_on, owed in ledger.open_items:
        if owed > 0:
            ageing[ageing_bucket((period.end - due_on).days)] += owed
    closing = entries[-1].balance_minor if entries else opening
    return CurrencyStatement(currency, opening, tuple(entries), closing, tuple(ageing))


def _parse_date(value: object, default: date) -> date:
    """An ISO date (YYYY-MM-DD), `default` when empty, else PortalError."""
    text = value.strip() if isinstance(value, str) else value
    if text in (None, ""):
        return default
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise PortalError(BAD_DATE)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PortalError(BAD_DATE) from None


def _years_later(day: date, years: int) -> date:
    """The same day some years later (28 February for 29 February): the first day past a period of that many years
    starting on `day`."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
