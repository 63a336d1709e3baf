"""The Overview tab: account snapshot, services snapshot and latest activity."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import Invoice, Payment, PaymentStatus, Service, Ticket
from portal_app.models.support import OPEN_STATUSES
from portal_app.services.access import customer_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_status import outstanding, visible
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money
from portal_app.services.projects.progress import active_project_count

SNAPSHOT_SIZE = 3


@dataclass(frozen=True)
class ServiceCard:
    """A service as a card shows it."""

    id: int
    name: str
    description: str
    status: str
    active_since: str


@dataclass(frozen=True)
class Overview:
    """Everything the Overview tab shows, already formatted for the customer's locale."""

    client_name: str
    email: str
    phone: str
    address: str
    balance_due: str
    has_balance: bool
    services: list[ServiceCard] = field(default_factory=list)
    service_count: int = 0
    last_invoice_total: str = ""
    last_invoice_issued: str = ""
    last_payment_amount: str = ""
    last_payment_date: str = ""
    open_tickets: int = 0
    active_projects: int = 0


def balance_due(db: Session, customer_id: int) -> dict[str, int]:
    """Outstanding balance per currency, in minor units (empty when nothing is due)."""
    rows = db.exec(
        select(Invoice.currency, func.sum(col(Invoice.total_minor) - col(Invoice.paid_minor)))
        .where(Invoice.customer_id == customer_id, outstanding())
        .group_by(col(Invoice.currency))
    ).all()
    return {currency: int(total) for currency, total in rows if total}


def format_balances(balances: dict[str, int], default_currency: str, locale: str) -> str:
    """'$120.00', or several currencies joined, or zero in the customer's currency."""
    if not balances:
        return format_money(0, default_currency, locale)
    return " + ".join(format_money(amount, cur, locale) for cur, amount in sorted(balances.items()))


def service_cards(db: Session, customer_id: int, locale: str, limit: int | None = None) -> list[ServiceCard]:
    """The customer's services, active first, then by name."""
    stmt = (
        select(Service)
        .where(Service.customer_id == customer_id)
        .order_by(col(Service.is_active).desc(), col(Service.name), col(Service.id))
    )
    if limit:
        stmt = stmt.limit(limit)
    return [
        ServiceCard(
            id=s.id,
            name=s.name,
            description=s.description,
            status="Active" if s.is_active else "Inactive",
            active_since=show_date(s.active_since, locale),
        )
        for s in db.exec(stmt).all()
    ]


def open_ticket_count(db: Session, customer_id: int) -> int:
    """Tickets not yet resolved or closed."""
    return db.exec(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.customer_id == customer_id, col(Ticket.status).in_(OPEN_STATUSES))
    ).one()


def latest_invoice(db: Session, customer_id: int) -> Invoice | None:
    """The customer's most recently issued visible invoice."""
    return db.exec(
        select(Invoice)
        .where(Invoice.customer_id == customer_id, visible())
        .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        .limit(1)
    ).first()


def latest_payment(db: Session, customer_id: int) -> Payment | None:
    """The customer's most recent succeeded payment."""
    return db.exec(
        select(Payment)
        .where(Payment.customer_id == customer_id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(col(Payment.processed_at).desc(), col(Payment.id).desc())
        .limit(1)
    ).first()


def overview(db: Session, principal: Principal) -> Overview:
    """The Overview of the principal's current customer."""
    scope = customer_scope(db, principal)
    customer = scope.customer
    locale = customer.locale
    balances = balance_due(db, customer.id)
    last_invoice = latest_invoice(db, customer.id)
    last_payment = latest_payment(db, customer.id)
    service_count = db.exec(select(func.count()).select_from(Service).where(Service.customer_id == customer.id)).one()
    return Overview(
        client_name=customer.name,
        email=customer.email,
        phone=customer.phone,
        address=customer.address,
        balance_due=format_balances(balances, customer.currency, locale),
        has_balance=bool(balances),
        services=service_cards(db, customer.id, locale, limit=SNAPSHOT_SIZE),
        service_count=service_count,
        last_invoice_total=(
            format_money(last_invoice.total_minor, last_invoice.currency, locale) if last_invoice else ""
        ),
        last_invoice_issued=show_date(last_invoice.issued_on, locale) if last_invoice else "",
        last_payment_amount=(
            format_money(last_payment.amount_minor, last_payment.currency, locale) if last_payment else ""
        ),
        last_payment_date=show_date(last_payment.processed_at.date(), locale) if last_payment else "",
        open_tickets=open_ticket_count(db, customer.id),
        active_projects=active_project_count(db, customer.id),
    )
