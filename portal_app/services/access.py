"""The one access point: a principal and an id become an owned row here, or a refusal.

Every service that reads or changes rows a customer or an organisation owns (customers, invoices,
payments, services, projects, tickets, articles) starts from a row this module returned, and follows
foreign keys from there. Four kinds of principal ask:

- a customer's session (`Principal` acting as a customer): `customer_scope`, `own_invoice`, `own_payment`,
  `own_ticket`, `own_session` and the signed links to invoice PDFs, payment receipts, statements and
  CSV exports;
- provider staff (a `Principal` whose user is staff): `staff_scope`, `staff_ticket`, `staff_article`; their
  administrators also `admin_scope`, `staff_customer`, `customer_person`, `staff_invoice`, `staff_project` and the
  signed link to an invoice PDF as its customer sees it (`staff_pdf_link`/`check_staff_pdf_link`);
- the provider at the command line, naming its organisation by slug: `provider_organisation`,
  `provider_customer`;
- Stripe, through a verified event of a connected account: `stripe_invoice`, `stripe_customer`, `stripe_payment`.

`tests/unit/test_access_boundary.py` fails when code elsewhere looks an owned row up by an id it was given.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from portal_app.errors import NotFound, PortalError
from portal_app.models import (
    Article,
    AuthSession,
    AuthToken,
    Customer,
    Invoice,
    Membership,
    Organisation,
    Payment,
    PortalUser,
    Project,
    StaffRole,
    StripeCustomer,
    Ticket,
    TicketAttachment,
)
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_status import visible
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.secret_key import secret_key

log = logging.getLogger(__name__)

MAX_ID = 2**63 - 1  # the largest id a database integer holds (SQLite raises OverflowError past it)
NOT_LINKED = "Your sign-in is not linked to a customer account yet. Please contact your provider so they can link it."
NOT_STAFF = "This area is for support staff. Sign in with a staff account."
INVOICE_NOT_FOUND = "Invoice not found."
RECEIPT_NOT_FOUND = "Receipt not found."
TICKET_NOT_FOUND = "This ticket was not found."
ARTICLE_NOT_FOUND = "This article was not found."
NOT_ADMIN = "Only your organisation's administrators can do this."
CUSTOMER_NOT_FOUND = "This customer was not found."
PERSON_NOT_FOUND = "This person is not linked to or invited to this customer."
PROJECT_NOT_FOUND = "This project was not found."
SESSION_NOT_FOUND = "That session has already ended."
PDF_LINK_LIFETIME = timedelta(minutes=10)
MAX_EXP_DIGITS = 12


class NotLinked(PortalError):
    """The person has no customer record to act as."""


class NotStaff(PortalError):
    """The signed-in person is not (or no longer) active staff of an organisation."""


class NotAdmin(PortalError):
    """The signed-in person is not an administrator of an organisation (a customer, or an agent)."""


@dataclass(frozen=True)
class CustomerScope:
    """The customer and organisation the principal acts as."""

    customer: Customer
    organisation: Organisation


@dataclass(frozen=True)
class StaffScope:
    """The staff member and the organisation they work for."""

    user: PortalUser
    organisation: Organisation


def db_id(value: object) -> int | None:
    """The value when it is an id a database integer can hold (never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


# --- customers -------------------------------------------------------------------------------------


def customer_scope(db: Session, principal: Principal) -> CustomerScope:
    """The principal's current customer and organisation, or NotLinked."""
    customer = db.get(Customer, principal.customer_id) if principal.customer_id is not None else None
    organisation = db.get(Organisation, customer.organisation_id) if customer is not None else None
    if customer is None or organisation is None:
        raise NotLinked(NOT_LINKED)
    return CustomerScope(customer=customer, organisation=organisation)


def own_invoice(db: Session, principal: Principal, invoice_id: object) -> Invoice:
    """A visible (not Draft) invoice of the principal's customer, or NotFound."""
    customer = customer_scope(db, principal).customer
    wanted = db_id(invoice_id)
    invoice = (
        db.exec(select(Invoice).where(Invoice.id == wanted, Invoice.customer_id == customer.id, visible())).first()
        if wanted is not None
        else None
    )
    if invoice is None:
        raise NotFound(INVOICE_NOT_FOUND)
    return invoice


def own_payment(db: Session, principal: Principal, payment_id: object) -> Payment:
    """A payment of the principal's customer (any status), or NotFound."""
    customer = customer_scope(db, principal).customer
    wanted = db_id(payment_id)
    payment = db.get(Payment, wanted) if wanted is not None else None
    if payment is None or payment.customer_id != customer.id:
        raise NotFound(RECEIPT_NOT_FOUND)
    return payment


def own_ticket(db: Session, principal: Principal, ticket_id: object) -> Ticket:
    """The principal's customer's ticket with this id, or NotFound."""
    customer = customer_scope(db, principal).customer
    wanted = db_id(ticket_id)
    ticket = db.get(Ticket, wanted) if wanted is not None else None
    if ticket is None or ticket.customer_id != customer.id:
        raise NotFound(TICKET_NOT_FOUND)
    return ticket


def own_session(db: Session, principal: Principal, session_id: object) -> AuthSession:
    """One of the signed-in person's own sessions (any browser of theirs), or NotFound."""
    wanted = db_id(session_id)
    row = db.get(AuthSession, wanted) if wanted is not None else None
    if row is None or row.portal_user_id != principal.user_id:
        raise NotFound(SESSION_NOT_FOUND)
    return row


def pdf_link(principal: Principal, invoice_id: int, now: datetime | None = None, *, download: bool = False) -> str:
    """A link to the invoice PDF that only this person, acting as this customer, can open for 10 minutes."""
    query = _signed_query("invoice-pdf", principal, invoice_id, now)
    return f"/api/invoices/{invoice_id}/pdf?{query}" + ("&download=1" if download else "")


def check_pdf_link(principal: Principal, invoice_id: int, exp: str, sig: str, now: datetime | None = None) -> bool:
    """Whether exp/sig were signed for this person, customer and invoice and have not expired."""
    return _check_signed("invoice-pdf", principal, invoice_id, exp, sig, now=now)


def receipt_link(principal: Principal, payment_id: int, now: datetime | None = None, *, download: bool = False) -> str:
    """A link to the payment's receipt PDF that only this person, acting as this customer, can open for 10 minutes."""
    query = _signed_query("payment-receipt", principal, payment_id, now)
    return f"/api/payments/{payment_id}/receipt?{query}" + ("&download=1" if download else "")


def check_receipt_link(principal: Principal, payment_id: int, exp: str, sig: str, now: datetime | None = None) -> bool:
    """Whether exp/sig were signed for this person, customer and payment's receipt and have not expired."""
    return _check_signed("payment-receipt", principal, payment_id, exp, sig, now=now)


def statement_link(
    principal: Principal, start: date, end: date, now: datetime | None = None, *, download: bool = False
) -> str:
    """A link to the statement of this period that only this person, acting as this customer, can open for 10
    minutes."""
    period = f"from={start.isoformat()}&to={end.isoformat()}"
    query = _signed_query(f"statement:{start.isoformat()}:{end.isoformat()}", principal, 0, now)
    return f"/api/statement.pdf?{period}&{query}" + ("&download=1" if download else "")


def check_statement_link(
    principal: Principal, start: date, end: date, exp: str, sig: str, *, now: datetime | None = None
) -> bool:
    """Whether exp/sig were signed for this person, customer and period and have not expired."""
    return _check_signed(f"statement:{start.isoformat()}:{end.isoformat()}", principal, 0, exp, sig, now=now)


def export_link(principal: Principal, table: str, now: datetime | None = None) -> str:
    """A link to the CSV export of a billing history table ("invoices", "payments") that only this person, acting
    as this customer, can open for 10 minutes."""
    return f"/api/exports/{table}.csv?{_signed_query(f'export-{table}', principal, 0, now)}"


def check_export_link(principal: Principal, table: str, exp: str, sig: str, now: datetime | None = None) -> bool:
    """Whether exp/sig were signed for this person, customer and export and have not expired."""
    return _check_signed(f"export-{table}", principal, 0, exp, sig, now=now)


def _signed_query(kind: str, principal: Principal, object_id: int, now: datetime | None) -> str:
    exp = int((now or datetime.now(UTC)).timestamp() + PDF_LINK_LIFETIME.total_seconds())
    return f"exp={exp}&sig={_signature(kind, principal.user_id, principal.customer_id, object_id, exp)}"


def _check_signed(kind: str, principal: Principal, object_id: int, exp: str, sig: str, *, now: datetime | None) -> bool:
    expires = parse_id(exp, 10**MAX_EXP_DIGITS - 1)
    if principal.customer_id is None or expires is None:
        return False
    current = (now or datetime.now(UTC)).timestamp()
    if not current <= expires <= current + PDF_LINK_LIFETIME.total_seconds():
        return False
    expected = _signature(kind, principal.user_id, principal.customer_id, object_id, expires)
    return hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace"))


def _signature(kind: str, user_id: int, customer_id: int | None, object_id: int, exp: int) -> str:
    message = f"{kind}:{user_id}:{customer_id}:{object_id}:{exp}".encode("ascii")
    return hmac.new(secret_key(), message, hashlib.sha256).hexdigest()


# --- provider staff --------------------------------------------------------------------------------


def staff_scope(db: Session, principal: Principal) -> StaffScope:
    """The principal as active staff of their organisation, or NotStaff."""
    user = db.get(PortalUser, principal.user_id)
    if user is None or not user.is_active or user.staff_organisation_id is None:
        raise NotStaff(NOT_STAFF)
    organisation = db.get(Organisation, user.staff_organisation_id)
    if organisation is None:
        raise NotStaff(NOT_STAFF)
    return StaffScope(user=user, organisation=organisation)


def staff_ticket(db: Session, staff: StaffScope, ticket_id: object) -> tuple[Ticket, Customer]:
    """The ticket and the customer who raised it, if that customer belongs to the staff's organisation."""
    wanted = db_id(ticket_id)
    found = (
        db.exec(
            select(Ticket, Customer)
            .join(Customer, col(Customer.id) == col(Ticket.customer_id))
            .where(Ticket.id == wanted, Customer.organisation_id == staff.organisation.id)
        ).first()
        if wanted is not None
        else None
    )
    if found is None:
        raise NotFound(TICKET_NOT_FOUND)
    ticket, customer = found
    return ticket, customer


def staff_ticket_with_files(
    db: Session, staff: StaffScope, ticket_id: object
) -> tuple[Ticket, Customer, list[TicketAttachment]]:
    """`staff_ticket` with the ticket's files (in upload order) read in the same statement: the staff ticket page."""
    wanted = db_id(ticket_id)
    rows = (
        db.exec(
            select(Ticket, Customer, TicketAttachment)
            .join(Customer, col(Customer.id) == col(Ticket.customer_id))
            .outerjoin(TicketAttachment, col(TicketAttachment.ticket_id) == col(Ticket.id))
            .where(Ticket.id == wanted, Customer.organisation_id == staff.organisation.id)
            .order_by(col(TicketAttachment.id))
        ).all()
        if wanted is not None
        else []
    )
    if not rows:
        raise NotFound(TICKET_NOT_FOUND)
    ticket, customer, _file = rows[0]
    return ticket, customer, [file for _ticket, _customer, file in rows if file is not None]


def staff_member(db: Session, staff: StaffScope, user_id: object) -> PortalUser:
    """An active staff member (agent or administrator) of the staff's organisation, or NotFound."""
    wanted = db_id(user_id)
    member = (
        db.exec(
            select(PortalUser).where(
                PortalUser.id == wanted,
                PortalUser.staff_organisation_id == staff.organisation.id,
                col(PortalUser.is_active).is_(True),
            )
        ).first()
        if wanted is not None
        else None
    )
    if member is None:
        raise NotFound(PERSON_NOT_FOUND)
    return member


def ticket_numbered(number: int) -> ColumnElement[bool]:
    """The condition "the ticket with this number", for a search inside a query that is already scoped to the
    staff's organisation (the inbox); on its own it scopes nothing."""
    return col(Ticket.id) == number


def staff_article(db: Session, staff: StaffScope, article_id: object) -> Article:
    """The help article if it belongs to the staff's organisation, or NotFound."""
    wanted = db_id(article_id)
    article = db.get(Article, wanted) if wanted is not None else None
    if article is None or article.organisation_id != staff.organisation.id:
        raise NotFound(ARTICLE_NOT_FOUND)
    return article


def admin_scope(db: Session, principal: Principal) -> StaffScope:
    """The principal as an active administrator of their organisation, or NotAdmin (customers and agents)."""
    try:
        staff = staff_scope(db, principal)
    except NotStaff:
        raise NotAdmin(NOT_ADMIN) from None
    if staff.user.staff_role != StaffRole.ADMIN:
        raise NotAdmin(NOT_ADMIN)
    return staff


def staff_customer(db: Session, staff: StaffScope, customer_id: object) -> Customer:
    """A customer of the staff member's organisation, or NotFound."""
    wanted = db_id(customer_id)
    customer = db.get(Customer, wanted) if wanted is not None else None
    if customer is None or customer.organisation_id != staff.organisation.id:
        raise NotFound(CUSTOMER_NOT_FOUND)
    return customer


def customer_person(db: Session, customer: Customer, user_id: object) -> PortalUser:
    """A person linked to the customer (a membership) or invited to it (an invitation link), or NotFound.
    `customer` is a row already in scope (`staff_customer`)."""
    wanted = db_id(user_id)
    user = db.get(PortalUser, wanted) if wanted is not None else None
    linked = user is not None and (
        db.exec(
            select(Membership.id).where(Membership.portal_user_id == user.id, Membership.customer_id == customer.id)
        ).first()
        or db.exec(
            select(AuthToken.id).where(AuthToken.portal_user_id == user.id, AuthToken.customer_id == customer.id)
        ).first()
    )
    if not linked:
        raise NotFound(PERSON_NOT_FOUND)
    return user


def staff_invoice(db: Session, staff: StaffScope, invoice_id: object) -> tuple[Invoice, Customer]:
    """An invoice (drafts too) and its customer, if that customer belongs to the staff's organisation."""
    wanted = db_id(invoice_id)
    invoice = db.get(Invoice, wanted) if wanted is not None else None
    customer = db.get(Customer, invoice.customer_id) if invoice is not None else None
    if invoice is None or customer is None or customer.organisation_id != staff.organisation.id:
        raise NotFound(INVOICE_NOT_FOUND)
    return invoice, customer


def staff_project(db: Session, staff: StaffScope, project_id: object) -> tuple[Project, Customer]:
    """A project and its customer, if that customer belongs to the staff's organisation."""
    wanted = db_id(project_id)
    project = db.get(Project, wanted) if wanted is not None else None
    customer = db.get(Customer, project.customer_id) if project is not None else None
    if project is None or customer is None or customer.organisation_id != staff.organisation.id:
        raise NotFound(PROJECT_NOT_FOUND)
    return project, customer


def staff_pdf_link(principal: Principal, invoice_id: int, now: datetime | None = None) -> str:
    """A link to an invoice PDF, as its customer sees it, that only this staff member can open for 10 minutes (the
    route checks on every request that they are still an administrator of the invoice's organisation)."""
    exp = int((now or datetime.now(UTC)).timestamp() + PDF_LINK_LIFETIME.total_seconds())
    sig = _signature("staff-invoice-pdf", principal.user_id, None, invoice_id, exp)
    return f"/api/staff/invoices/{invoice_id}/pdf?exp={exp}&sig={sig}"


def check_staff_pdf_link(
    principal: Principal, invoice_id: int, exp: str, sig: str, now: datetime | None = None
) -> bool:
    """Whether exp/sig were signed for this staff member and invoice and have not expired."""
    expires = parse_id(exp, 10**MAX_EXP_DIGITS - 1)
    current = (now or datetime.now(UTC)).timestamp()
    if expires is None or not current <= expires <= current + PDF_LINK_LIFETIME.total_seconds():
        return False
    expected = _signature("staff-invoice-pdf", principal.user_id, None, invoice_id, expires)
    return hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace"))


# --- the provider at the command line --------------------------------------------------------------


def provider_organisation(db: Session, slug: str) -> Organisation:
    """The organisation with this slug, or PortalError."""
    organisation = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        raise PortalError(f"There is no organisation with the slug {slug!r}.")
    return organisation


def provider_customer(db: Session, organisation: Organisation, wanted: str | int) -> Customer:
    """The organisation's customer: an int is an id; text is a reference, else an id. PortalError when none."""
    if isinstance(wanted, int):
        by_id, customer = db_id(wanted), None
    else:
        text = wanted.strip()
        customer = db.exec(
            select(Customer).where(Customer.organisation_id == organisation.id, Customer.reference == text)
        ).first()
        by_id = parse_id(text)
    if customer is None and by_id is not None:
        customer = db.exec(
            select(Customer).where(Customer.organisation_id == organisation.id, Customer.id == by_id)
        ).first()
    if customer is None:
        raise PortalError(f"{organisation.name} has no customer {str(wanted).strip()!r}.")
    return customer


# --- Stripe, for a connected account ---------------------------------------------------------------


def stripe_invoice(db: Session, metadata: dict[str, Any], account: str | None) -> Invoice | None:
    """The invoice named in a verified Stripe object's metadata, if its customer and connected account match."""
    invoice_id = parse_id(str(metadata.get("invoice_id", "")))
    customer_id = parse_id(str(metadata.get("customer_id", "")))
    invoice = db.get(Invoice, invoice_id) if invoice_id is not None and customer_id is not None else None
    if invoice is None or invoice.customer_id != customer_id:
        return None
    customer = db.get(Customer, invoice.customer_id)
    organisation = db.get(Organisation, customer.organisation_id) if customer else None
    if organisation is None or (account is not None and organisation.stripe_account_id != account):
        log.warning("Stripe event for invoice %s came from account %s; ignored", invoice.id, account)
        return None
    return invoice


def stripe_customer(db: Session, metadata: dict[str, Any], account: str | None) -> StripeCustomer | None:
    """The Stripe Customer on this connected account of the customer named in a verified Stripe object's metadata."""
    customer_id = parse_id(str(metadata.get("customer_id", "")))
    if customer_id is None or not account:
        return None
    return db.exec(
        select(StripeCustomer).where(
            StripeCustomer.customer_id == customer_id, StripeCustomer.stripe_account_id == account
        )
    ).first()


def stripe_payment(db: Session, intent_id: str, account: str | None) -> Payment | None:
    """The payment recorded for a PaymentIntent of a verified Stripe object, if its customer's organisation is on
    this connected account."""
    if not intent_id:
        return None
    payment = db.exec(select(Payment).where(Payment.stripe_payment_intent_id == intent_id)).first()
    customer = db.get(Customer, payment.customer_id) if payment is not None else None
    organisation = db.get(Organisation, customer.organisation_id) if customer is not None else None
    if organisation is None or (account is not None and organisation.stripe_account_id != account):
        return None
    return payment
