"""What administrators do to an invoice from the console: record a payment received outside the portal, void the
invoice, move it to the right customer. Each refuses with the reason, changes nothing when it refuses, and writes one
audit entry in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from sqlmodel import Session

from portal_app.errors import NotFound, PortalError
from portal_app.models import Customer, Invoice, InvoiceState
from portal_app.models.base import utcnow
from portal_app.services.access import StaffScope, admin_scope, staff_customer, staff_invoice
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.payment_words import METHODS
from portal_app.services.billing.recording import record_manual
from portal_app.services.common.money import format_money, to_major
from portal_app.services.console.audit import AuditAction, record
from portal_app.services.console.invoices import move_refusal, parse_day, payment_refusal, void_refusal
from portal_app.services.support.tickets import clean_line

MANUAL_METHODS = ("bank_transfer", "cash", "cheque", "other")  # as billing history words them: payment_words.METHODS
REFERENCE_MAX = 120
REASON_MAX = 300
AMOUNT_MAX_DIGITS = 15
NO_AMOUNT = "Enter the amount received, like 120.50."
NOT_AN_AMOUNT = "Enter the amount as a number, like 120.50."
NOT_POSITIVE = "The amount must be more than zero."
NO_DATE = "Enter the date the payment was received."
FUTURE_DATE = "The payment date cannot be in the future."
NO_METHOD = "Choose how the payment was made."
NO_REASON = "Say why the invoice is void (the audit log keeps it)."
CHOOSE_CUSTOMER = "Search for and select the customer the invoice belongs to."
NOT_OURS = "Choose one of your organisation's customers."


def method_choices() -> list[tuple[str, str]]:
    """The ways a manual payment can be made: (value, words)."""
    return [(method, METHODS[method]) for method in MANUAL_METHODS]


def parse_amount(raw: object, currency: str) -> int:
    """A decimal amount in major units ("120.50", "1,200") as minor units; PortalError at "amount" otherwise."""
    text = raw.strip().replace(",", "") if isinstance(raw, str) else ""
    if not text:
        raise PortalError(NO_AMOUNT, field="amount")
    try:
        amount = Decimal(text) if len(text) <= AMOUNT_MAX_DIGITS + 1 else Decimal("NaN")
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise PortalError(NOT_AN_AMOUNT, field="amount")
    if amount <= 0:
        raise PortalError(NOT_POSITIVE, field="amount")
    precision = get_currency_precision(currency)
    minor = amount.scaleb(precision)
    if minor != minor.to_integral_value():
        places = f"{precision} decimal places" if precision else "no decimals"
        raise PortalError(f"{currency} amounts have {places}.", field="amount")
    return int(minor)


def record_payment(
    db: Session,
    principal: Principal,
    invoice_id: object,
    *,
    amount: object,
    paid_on: object,
    method: object,
    reference: object,
    client_ip: str = "",
) -> str:
    """Record a payment received outside the portal against the invoice: at most its balance, dated today or
    earlier. Billing history shows it, and the invoice's balance and status follow. Returns what the page says."""
    staff = admin_scope(db, principal)
    invoice, customer = staff_invoice(db, staff, invoice_id)
    refused = payment_refusal(invoice)
    if refused:
        raise PortalError(refused)
    minor = parse_amount(amount, invoice.currency)
    day = parse_day(paid_on, "paid_on")
    if day is None:
        raise PortalError(NO_DATE, field="paid_on")
    if day > date.today():
        raise PortalError(FUTURE_DATE, field="paid_on")
    if method not in MANUAL_METHODS:
        raise PortalError(NO_METHOD, field="method")
    text = clean_line(reference)[:REFERENCE_MAX] if isinstance(reference, str) else ""
    balance = invoice.total_minor - invoice.paid_minor
    money = format_money(minor, invoice.currency, customer.locale)
    if minor > balance:
        left = format_money(balance, invoice.currency, customer.locale)
        raise PortalError(
            f"{money} is more than the balance of {left}: record at most the balance "
            f"({to_major(balance, invoice.currency)}).",
            field="amount",
        )
    at = utcnow() if day == date.today() else datetime.combine(day, time(12), tzinfo=UTC)
    if record_manual(db, invoice, minor, processed_at=at, method=str(method), reference=text) is None:
        raise PortalError(payment_refusal(invoice) or "Nothing was recorded: look at the invoice again.")
    number = invoice_number(invoice)
    detail = f"{number}: {money} by {METHODS[str(method)]} on {day.isoformat()}" + (f", ref {text}" if text else "")
    record(db, staff, AuditAction.RECORDED_PAYMENT, client_ip=client_ip, customer=customer, detail=detail)
    left = format_money(invoice.total_minor - invoice.paid_minor, invoice.currency, customer.locale)
    return f"{money} was recorded against {number}. Balance now {left}."


def void_invoice(db: Session, principal: Principal, invoice_id: object, reason: object, *, client_ip: str = "") -> str:
    """Void the invoice (nothing is owed on it; the customer sees it as Void), with the reason in the audit log.
    Refused when it is already void or money was received against it."""
    staff = admin_scope(db, principal)
    invoice, customer = staff_invoice(db, staff, invoice_id)
    refused = void_refusal(db, invoice)
    if refused:
        raise PortalError(refused)
    why = clean_line(reason)[:REASON_MAX] if isinstance(reason, str) else ""
    if not why:
        raise PortalError(NO_REASON, field="reason")
    invoice.state = InvoiceState.VOID
    db.add(invoice)
    number = invoice_number(invoice)
    record(db, staff, AuditAction.VOIDED_INVOICE, client_ip=client_ip, customer=customer, detail=f"{number}: {why}")
    return f"{number} is void: nothing is owed on it."


def move_question(db: Session, principal: Principal, invoice_id: object, customer_id: object) -> str:
    """The confirmation to ask before moving the invoice to that customer ("Move INV-0042 from Riverside Bakery
    to Harbour Cafe?"), or the refusal."""
    invoice, current, target = _move(db, admin_scope(db, principal), invoice_id, customer_id)
    return f"Move {invoice_number(invoice)} from {current.name} to {target.name}?"


def move_invoice(
    db: Session, principal: Principal, invoice_id: object, customer_id: object, *, client_ip: str = ""
) -> str:
    """Move an invoice that sits on the wrong customer to another customer of the same organisation. Refused
    for another organisation's customer and when payments (or a started online payment) are attached."""
    staff = admin_scope(db, principal)
    invoice, current, target = _move(db, staff, invoice_id, customer_id)
    invoice.customer_id = target.id
    db.add(invoice)
    moved = f"{invoice_number(invoice)} from {current.name} to {target.name}"
    record(db, staff, AuditAction.MOVED_INVOICE, client_ip=client_ip, customer=target, detail=moved)
    return f"Moved {moved}."


def _move(
    db: Session, staff: StaffScope, invoice_id: object, customer_id: object
) -> tuple[Invoice, Customer, Customer]:
    """The invoice, its customer and the customer to move it to (one of the organisation's others), or the
    refusal (at "customer" when it is about the chosen customer)."""
    invoice, current = staff_invoice(db, staff, invoice_id)
    if customer_id in (None, "", 0):
        raise PortalError(CHOOSE_CUSTOMER, field="customer")
    try:
        target = staff_customer(db, staff, customer_id)
    except NotFound:
        raise PortalError(NOT_OURS, field="customer") from None
    if target.id == current.id:
        raise PortalError(f"{invoice_number(invoice)} is already {current.name}'s.", field="customer")
    refused = move_refusal(db, invoice, current)
    if refused:
        raise PortalError(refused)
    return invoice, current, target
