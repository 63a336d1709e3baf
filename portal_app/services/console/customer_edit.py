"""Administrators editing a customer's CRM record: name, reference (unique within the organisation), email, phone,
address, locale and currency. A refusal names the field it is about; a change writes one audit entry saying what
changed."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.mail import normalise_address
from portal_app.models import Customer, Invoice, Payment
from portal_app.services.access import admin_scope, staff_customer
from portal_app.services.accounts.sessions import Principal
from portal_app.services.console.audit import AuditAction, record
from portal_app.services.imports import values
from portal_app.services.support.tickets import clean_line

# The record's fields in the order the form shows them: (field, label, longest value).
FIELDS = (
    ("name", "Name", 120),
    ("reference", "Reference", 64),
    ("email", "Email", 254),
    ("phone", "Phone", 40),
    ("address", "Address", 400),
    ("locale", "Locale", 16),
    ("currency", "Currency", 3),
)
LIMITS = {name: limit for name, _label, limit in FIELDS}
LABELS = {name: label for name, label, _limit in FIELDS}
NOT_A_FORM = "Fill in the customer record form."
SHOWN_MAX = 60  # characters of a value quoted in the audit entry


def edit_customer(
    db: Session, principal: Principal, customer_id: object, fields: object, *, client_ip: str = ""
) -> str:
    """Save the record's fields (a form: field -> text) on the customer; returns what the page says.

    PortalError(field=...) for the first field that cannot be saved; nothing changes then."""
    staff = admin_scope(db, principal)
    customer = staff_customer(db, staff, customer_id)
    if not isinstance(fields, dict):
        raise PortalError(NOT_A_FORM)
    wanted = {name: _clean(name, fields.get(name, "")) for name in LIMITS}
    for name, check in CHECKS.items():
        wanted[name] = check(db, customer, wanted[name])
    changed = {name: value for name, value in wanted.items() if getattr(customer, name) != value}
    if not changed:
        return "Nothing changed."
    detail = "; ".join(f"{LABELS[k]}: {_shown(getattr(customer, k))} → {_shown(v)}" for k, v in changed.items())
    for name, value in changed.items():
        setattr(customer, name, value)
    db.add(customer)
    record(db, staff, AuditAction.EDITED_CUSTOMER, client_ip=client_ip, customer=customer, detail=detail)
    return f"The record of {customer.name} is saved."


def _clean(name: str, raw: object) -> str:
    """The field's text (one line, the address keeps its lines), refused when longer than the record holds."""
    if not isinstance(raw, str):
        raw = ""
    text = "\n".join(clean_line(line) for line in raw.splitlines()).strip() if name == "address" else clean_line(raw)
    if len(text) > LIMITS[name]:
        raise PortalError(f"{LABELS[name]} is longer than {LIMITS[name]} characters.", field=name)
    return text


def _name(_db: Session, _customer: Customer, text: str) -> str:
    if not text:
        raise PortalError("Enter the customer's name.", field="name")
    return text


def _reference(db: Session, customer: Customer, text: str) -> str | None:
    """None for no reference; refused when another customer of the organisation has it."""
    if not text:
        return None
    taken = db.exec(
        select(Customer.name).where(
            Customer.organisation_id == customer.organisation_id,
            Customer.reference == text,
            col(Customer.id) != customer.id,
        )
    ).first()
    if taken is not None:
        raise PortalError(f"{taken} already has the reference {text}; each customer needs its own.", field="reference")
    return text


def _email(_db: Session, _customer: Customer, text: str) -> str:
    if not text:
        return ""
    address = normalise_address(text)
    if address is None:
        raise PortalError(f"{text} is not a valid email address.", field="email")
    return address


def _locale(_db: Session, customer: Customer, text: str) -> str:
    return _parsed(values.locale, text or customer.locale, "locale")


def _currency(db: Session, customer: Customer, text: str) -> str:
    """The ISO code; it cannot change once the customer has invoices or payments (they keep their own)."""
    code = _parsed(values.currency, text or customer.currency, "currency")
    if code != customer.currency and _has_money(db, customer):
        raise PortalError(
            f"The currency stays {customer.currency}: this customer already has invoices or payments.", field="currency"
        )
    return code


def _parsed(parser: Callable[[str], str], text: str, field: str) -> str:
    try:
        return parser(text)
    except values.BadValue as exc:
        message = str(exc)
        raise PortalError(message[:1].upper() + message[1:] + ".", field=field) from None


def _has_money(db: Session, customer: Customer) -> bool:
    invoice = db.exec(select(Invoice.id).where(Invoice.customer_id == customer.id)).first()
    payment = db.exec(select(Payment.id).where(Payment.customer_id == customer.id)).first()
    return invoice is not None or payment is not None


def _shown(value: object) -> str:
    text = "" if value is None else str(value).replace("\n", ", ")
    return repr(text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…")


CHECKS: dict[str, Callable[[Session, Customer, str], object]] = {
    "name": _name,
    "reference": _reference,
    "email": _email,
    "locale": _locale,
    "currency": _currency,
}
