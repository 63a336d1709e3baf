"""A customer's account in figures, read in one statement: what is due per currency, the latest invoice and
payment, and how many services, open tickets and active projects there are.

Overview, Billing and Services each used to ask these one query at a time (up to eight statements); here every
figure is one branch of a UNION ALL, so a page open costs the database one round trip for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, bindparam, cast, func, literal, null, union_all
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from portal_app.models import Customer, Invoice, Payment, PaymentStatus, Project, Service, Ticket
from portal_app.models.support import OPEN_STATUSES
from portal_app.services.billing.invoice_status import outstanding, visible
from portal_app.services.projects.progress import ACTIVE_PROJECT_STATUSES

DUE, LAST_INVOICE, LAST_PAYMENT, SERVICES, OPEN_TICKETS, ACTIVE_PROJECTS = (
    "due",
    "invoice",
    "payment",
    "services",
    "tickets",
    "projects",
)


@dataclass(frozen=True)
class LastInvoice:
    total_minor: int
    currency: str
    issued_on: date


@dataclass(frozen=True)
class LastPayment:
    amount_minor: int
    currency: str
    processed_at: datetime


@dataclass(frozen=True)
class AccountFigures:
    """The customer's figures; `balances` is what is due per currency in minor units (empty: nothing due)."""

    balances: dict[str, int] = field(default_factory=dict)
    open_invoices: int = 0
    last_invoice: LastInvoice | None = None
    last_payment: LastPayment | None = None
    services: int = 0
    open_tickets: int = 0
    active_projects: int = 0


def account_figures(db: Session, customer: Customer, *, activity: bool = False) -> AccountFigures:
    """The billing figures, and with `activity` also the counts of services, open tickets and active projects."""
    statement = _WITH_ACTIVITY if activity else _BILLING_ONLY
    balances: dict[str, int] = {}
    counts: dict[str, int] = {}
    last_invoice = last_payment = None
    for kind, currency, amount, number, day, moment in db.exec(statement, params={"customer_id": customer.id}).all():
        if kind == DUE:
            balances[currency] = int(amount)
            counts[DUE] = counts.get(DUE, 0) + int(number)
        elif kind == LAST_INVOICE:
            last_invoice = LastInvoice(int(amount), currency, day)
        elif kind == LAST_PAYMENT:
            last_payment = LastPayment(int(amount), currency, moment)
        else:
            counts[kind] = int(number)
    return AccountFigures(
        balances=balances,
        open_invoices=counts.get(DUE, 0),
        last_invoice=last_invoice,
        last_payment=last_payment,
        services=counts.get(SERVICES, 0),
        open_tickets=counts.get(OPEN_TICKETS, 0),
        active_projects=counts.get(ACTIVE_PROJECTS, 0),
    )


def _columns(kind: str, *, currency=None, amount=None, number=None, day=None, moment=None):
    """One branch's six columns (kind, currency, amount, count, date, timestamp), typed alike in every branch."""
    return (
        literal(kind, String).label("kind"),
        currency if currency is not None else cast(null(), String),
        amount if amount is not None else cast(null(), Integer),
        number if number is not None else cast(null(), Integer),
        day if day is not None else cast(null(), Date),
        moment if moment is not None else cast(null(), UTCDateTime()),  # the models' own type: aware, in UTC
    )


def _due():
    """What is due per currency, with how many invoices make it up."""
    return (
        select(
            *_columns(
                DUE,
                currency=col(Invoice.currency),
                amount=func.sum(col(Invoice.total_minor) - col(Invoice.paid_minor)),
                number=func.count(),
            )
        )
        .where(col(Invoice.customer_id) == CUSTOMER, outstanding())
        .group_by(col(Invoice.currency))
    )


def _last_invoice():
    newest = (
        select(col(Invoice.currency), col(Invoice.total_minor), col(Invoice.issued_on))
        .where(col(Invoice.customer_id) == CUSTOMER, visible())
        .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        .limit(1)
        .subquery()
    )
    return select(
        *_columns(LAST_INVOICE, currency=newest.c.currency, amount=newest.c.total_minor, day=newest.c.issued_on)
    )


def _last_payment():
    newest = (
        select(col(Payment.currency), col(Payment.amount_minor), col(Payment.processed_at))
        .where(col(Payment.customer_id) == CUSTOMER, col(Payment.status) == PaymentStatus.SUCCEEDED)
        .order_by(col(Payment.processed_at).desc(), col(Payment.id).desc())
        .limit(1)
        .subquery()
    )
    return select(
        *_columns(LAST_PAYMENT, currency=newest.c.currency, amount=newest.c.amount_minor, moment=newest.c.processed_at)
    )


def _count(kind: str, table, *where):
    return select(*_columns(kind, number=func.count())).select_from(table).where(*where)


# Built once: a page open only binds the customer's id (building the statement anew each time, its column proxies
# and cache key, showed in the load benchmark's profile).
CUSTOMER = bindparam("customer_id", type_=Integer)
_BILLING = [_due(), _last_invoice(), _last_payment()]
_BILLING_ONLY = union_all(*_BILLING)
_WITH_ACTIVITY = union_all(
    *_BILLING,
    _count(SERVICES, Service, col(Service.customer_id) == CUSTOMER),
    _count(OPEN_TICKETS, Ticket, col(Ticket.customer_id) == CUSTOMER, col(Ticket.status).in_(OPEN_STATUSES)),
    _count(
        ACTIVE_PROJECTS,
        Project,
        col(Project.customer_id) == CUSTOMER,
        col(Project.status).in_(ACTIVE_PROJECT_STATUSES),
    ),
)
