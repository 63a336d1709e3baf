"""The customer panel beside a staff ticket: the customer's active services, what they owe and their other recent
tickets, with the organisation's staff the ticket can be assigned to: one UNION ALL of what is due per currency and
the three lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, cast, func, literal, union_all
from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice, Organisation, PortalUser, Service, Ticket
from portal_app.services.billing.invoice_status import outstanding
from portal_app.services.common.money import format_money
from portal_app.services.support.tickets import STAFF_THREAD_PATH, TicketThread

DUE, SERVICES, TICKETS, STAFF = "due", "service", "ticket", "staff"
SERVICES_SHOWN = 10
TICKETS_SHOWN = 5
STAFF_SHOWN = 200
NOTHING_DUE = "Nothing due"
NO_ASSIGNEE = "none"


@dataclass(frozen=True)
class PanelTicket:
    """Another ticket of the same customer, linked to its staff thread."""

    id: int
    subject: str
    status: str
    status_label: str
    href: str


@dataclass(frozen=True)
class StaffOption:
    """A staff member a ticket can be assigned to: the select's value (the user id) and label."""

    value: str
    label: str


@dataclass(frozen=True)
class CustomerPanel:
    """What the staff ticket page shows about the customer; `balance` in words ("$75.00", "Nothing due")."""

    customer_id: int = 0
    services: list[str] = field(default_factory=list)
    balance: str = ""
    open_invoices: int = 0
    other_tickets: list[PanelTicket] = field(default_factory=list)


@dataclass(frozen=True)
class StaffTicketThread(TicketThread):
    """The staff ticket page: the thread, the customer panel and who the ticket can be assigned to."""

    panel: CustomerPanel = CustomerPanel()
    staff: list[StaffOption] = field(default_factory=list)

    def thread(self) -> TicketThread:
        """The thread alone."""
        return TicketThread(**{name: getattr(self, name) for name in TicketThread.__dataclass_fields__})


def _branch(kind: str, number, label, extra, *, where, order, limit: int):
    rows = select(number.label("number"), label.label("label"), extra.label("extra")).where(*where)
    listed = rows.order_by(*order).limit(limit).subquery()
    return select(
        literal(kind, String).label("kind"),
        cast(listed.c.number, Integer),
        cast(listed.c.label, String),
        cast(listed.c.extra, String),
    )


def _due(customer: Customer):
    """What the customer owes per currency: (DUE, amount in minor units, currency, how many invoices)."""
    return (
        select(
            literal(DUE, String).label("kind"),
            cast(func.sum(col(Invoice.total_minor) - col(Invoice.paid_minor)), Integer),
            cast(col(Invoice.currency), String),
            cast(func.count(), String),
        )
        .where(col(Invoice.customer_id) == customer.id, outstanding())
        .group_by(col(Invoice.currency))
    )


def panel_rows(db: Session, organisation: Organisation, ticket: Ticket, customer: Customer) -> list[tuple]:
    """(kind, number, label, extra) in one statement: what is due per currency (amount, currency, invoices), the
    customer's active services, their other latest tickets (extra: status) and the organisation's active staff."""
    services = _branch(
        SERVICES,
        col(Service.id),
        col(Service.name),
        literal("", String),
        where=[col(Service.customer_id) == customer.id, col(Service.is_active).is_(True)],
        order=[col(Service.name), col(Service.id)],
        limit=SERVICES_SHOWN,
    )
    tickets = _branch(
        TICKETS,
        col(Ticket.id),
        col(Ticket.subject),
        col(Ticket.status),
        where=[col(Ticket.customer_id) == customer.id, col(Ticket.id) != ticket.id],
        order=[col(Ticket.created_at).desc(), col(Ticket.id).desc()],
        limit=TICKETS_SHOWN,
    )
    staff = _branch(
        STAFF,
        col(PortalUser.id),
        col(PortalUser.name),
        col(PortalUser.email),
        where=[col(PortalUser.staff_organisation_id) == organisation.id, col(PortalUser.is_active).is_(True)],
        order=[col(PortalUser.name), col(PortalUser.id)],
        limit=STAFF_SHOWN,
    )
    return list(db.exec(union_all(_due(customer), services, tickets, staff)).all())


def staff_ticket_thread(
    db: Session,
    organisation: Organisation,
    ticket: Ticket,
    customer: Customer,
    thread: TicketThread,
    *,
    status_label: Callable[[str], str],
) -> StaffTicketThread:
    """The thread with the customer panel and the staff options (statuses worded by `status_label`)."""
    due: dict[str, int] = {}
    open_invoices = 0
    services: list[str] = []
    others: list[PanelTicket] = []
    staff: list[StaffOption] = []
    for kind, number, label, extra in panel_rows(db, organisation, ticket, customer):
        if kind == DUE:
            due[label] = int(number)
            open_invoices += int(extra)
        elif kind == SERVICES:
            services.append(label)
        elif kind == TICKETS:
            others.append(PanelTicket(number, label, extra, status_label(extra), f"{STAFF_THREAD_PATH}/{number}"))
        else:
            staff.append(StaffOption(str(number), label or extra))
    services.sort(key=str.casefold)  # a UNION ALL keeps no order: sort here
    others.sort(key=lambda other: other.id, reverse=True)
    staff.sort(key=lambda option: option.label.casefold())
    balances = [format_money(amount, currency) for currency, amount in sorted(due.items())]
    panel = CustomerPanel(
        customer_id=customer.id,
        services=services,
        balance=" + ".join(balances) or NOTHING_DUE,
        open_invoices=open_invoices,
        other_tickets=others,
    )
    fields = {name: getattr(thread, name) for name in TicketThread.__dataclass_fields__}
    return StaffTicketThread(**fields, panel=panel, staff=staff)
