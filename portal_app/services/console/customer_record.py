"""A customer's page in the console: the CRM record, the people who use its portal, and everything linked to it
(services, invoices with drafts, payments, projects, tickets), so the provider can confirm what the customer sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from portal_app.models import (
    AuthToken,
    Customer,
    Invoice,
    InvoiceState,
    Membership,
    Payment,
    PortalUser,
    Project,
    Service,
    Ticket,
    TokenPurpose,
)
from portal_app.services.access import admin_scope, staff_customer
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_status import invoice_status
from portal_app.services.common.dates import show_date, show_datetime
from portal_app.services.common.money import format_money
from portal_app.services.console.customers import PortalAccess
from portal_app.services.support.inbox import STAFF_ROUTE, staff_label

LIST_LIMIT = 50  # of each kind of linked row, newest first
DRAFT = "Draft"


@dataclass(frozen=True)
class PersonRow:
    """Someone linked to (or invited to) the customer, and what may be done about them."""

    id: int
    email: str
    name: str
    status: str
    can_resend: bool
    can_deactivate: bool


@dataclass(frozen=True)
class ServiceLine:
    """A service of the customer."""

    name: str
    status: str
    since: str


@dataclass(frozen=True)
class InvoiceLineRow:
    """An invoice of the customer, drafts included (the customer never sees those)."""

    number: str
    issued: str
    due: str
    total: str
    balance: str
    status: str
    draft: bool


@dataclass(frozen=True)
class PaymentRow:
    """A payment of the customer."""

    date: str
    amount: str
    status: str
    method: str
    reference: str


@dataclass(frozen=True)
class ProjectRow:
    """A project of the customer."""

    name: str
    status: str
    progress: str


@dataclass(frozen=True)
class TicketRow:
    """A ticket of the customer, linking to its thread in the staff inbox."""

    id: int
    subject: str
    status: str
    updated: str
    href: str


@dataclass(frozen=True)
class CustomerRecord:
    """The customer's page: the record, its people, and the rows linked to it."""

    id: int
    name: str
    reference: str
    email: str
    phone: str
    address: str
    locale: str
    currency: str
    online_payments_allowed: bool
    people: list[PersonRow]
    services: list[ServiceLine]
    invoices: list[InvoiceLineRow]
    payments: list[PaymentRow]
    projects: list[ProjectRow]
    tickets: list[TicketRow]


def customer_record(db: Session, principal: Principal, customer_id: object) -> CustomerRecord:
    """The administrator's organisation's customer with this id and all that is linked to it, or NotFound."""
    customer = staff_customer(db, admin_scope(db, principal), customer_id)
    return CustomerRecord(
        id=customer.id,
        name=customer.name,
        reference=customer.reference or "",
        email=customer.email,
        phone=customer.phone,
        address=customer.address,
        locale=customer.locale,
        currency=customer.currency,
        online_payments_allowed=customer.online_payments_allowed,
        people=people(db, customer),
        services=_services(db, customer),
        invoices=_invoices(db, customer),
        payments=_payments(db, customer),
        projects=_projects(db, customer),
        tickets=_tickets(db, customer),
    )


def people(db: Session, customer: Customer) -> list[PersonRow]:
    """Everyone linked to the customer, and those invited with an account of their own who have not accepted."""
    members = db.exec(
        select(PortalUser)
        .join(Membership, col(Membership.portal_user_id) == col(PortalUser.id))
        .where(Membership.customer_id == customer.id)
        .order_by(col(PortalUser.email))
    ).all()
    rows = [_person(user, _member_status(user)) for user in members]
    linked = {user.id for user in members}
    invited = db.exec(
        select(PortalUser)
        .join(AuthToken, col(AuthToken.portal_user_id) == col(PortalUser.id))
        .where(
            AuthToken.customer_id == customer.id,
            AuthToken.purpose == TokenPurpose.INVITE,
            col(AuthToken.used_at).is_(None),
            col(PortalUser.is_active).is_(True),
        )
        .order_by(col(PortalUser.email))
    ).all()
    for user in invited:
        if user.id not in linked:
            linked.add(user.id)
            rows.append(_person(user, PortalAccess.INVITE_PENDING))
    return rows


def _member_status(user: PortalUser) -> PortalAccess:
    if not user.is_active:
        return PortalAccess.DEACTIVATED
    return PortalAccess.ACTIVE if user.password_hash is not None else PortalAccess.INVITE_PENDING


def _person(user: PortalUser, status: PortalAccess) -> PersonRow:
    return PersonRow(
        id=user.id,
        email=user.email,
        name=user.name,
        status=status.value,
        can_resend=status == PortalAccess.INVITE_PENDING,
        can_deactivate=status != PortalAccess.DEACTIVATED,
    )


def _services(db: Session, customer: Customer) -> list[ServiceLine]:
    services = db.exec(
        select(Service)
        .where(Service.customer_id == customer.id)
        .order_by(col(Service.is_active).desc(), col(Service.name))
        .limit(LIST_LIMIT)
    ).all()
    return [
        ServiceLine(s.name, "Active" if s.is_active else "Inactive", show_date(s.active_since, customer.locale))
        for s in services
    ]


def _invoices(db: Session, customer: Customer) -> list[InvoiceLineRow]:
    invoices = db.exec(
        select(Invoice)
        .where(Invoice.customer_id == customer.id)
        .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    today = date.today()
    return [
        InvoiceLineRow(
            number=invoice.number or f"#{invoice.id}",
            issued=show_date(invoice.issued_on, customer.locale),
            due=show_date(invoice.due_on, customer.locale),
            total=format_money(invoice.total_minor, invoice.currency, customer.locale),
            balance=format_money(invoice.total_minor - invoice.paid_minor, invoice.currency, customer.locale),
            status=DRAFT if invoice.state == InvoiceState.DRAFT else invoice_status(invoice, today).value,
            draft=invoice.state == InvoiceState.DRAFT,
        )
        for invoice in invoices
    ]


def _payments(db: Session, customer: Customer) -> list[PaymentRow]:
    payments = db.exec(
        select(Payment)
        .where(Payment.customer_id == customer.id)
        .order_by(col(Payment.processed_at).desc(), col(Payment.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [
        PaymentRow(
            date=show_datetime(p.processed_at, customer.locale),
            amount=format_money(p.amount_minor, p.currency, customer.locale),
            status=str(p.status),
            method=p.method,
            reference=p.reference,
        )
        for p in payments
    ]


def _projects(db: Session, customer: Customer) -> list[ProjectRow]:
    projects = db.exec(
        select(Project)
        .where(Project.customer_id == customer.id)
        .order_by(col(Project.created_at).desc(), col(Project.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [ProjectRow(p.name, str(p.status), f"{p.progress_percent}%") for p in projects]


def _tickets(db: Session, customer: Customer) -> list[TicketRow]:
    tickets = db.exec(
        select(Ticket)
        .where(Ticket.customer_id == customer.id)
        .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [
        TicketRow(
            t.id, t.subject, staff_label(str(t.status)), show_datetime(t.updated_at), f"{STAFF_ROUTE}/tickets/{t.id}"
        )
        for t in tickets
    ]
