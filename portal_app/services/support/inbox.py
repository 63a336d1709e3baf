"""The staff side of support: the organisation's ticket inbox, replies, statuses and CSAT.

Staff are portal users with staff_organisation_id set; they sign in like customers and see only
their own organisation's tickets (services/access.py: staff_scope, staff_ticket). staff_reply and
set_status commit, then email the customer: call them from a worker thread in the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.mail import normalise_address
from portal_app.models import (
    Customer,
    Membership,
    Organisation,
    PortalUser,
    StaffRole,
    Ticket,
    TicketKind,
    TicketMessage,
    TicketStatus,
)
from portal_app.models.base import utcnow
from portal_app.models.support import OPEN_STATUSES
from portal_app.services.access import (
    StaffScope,
    provider_organisation,
    staff_scope,
    staff_ticket,
    staff_ticket_with_files,
    ticket_numbered,
)
from portal_app.services.accounts.passwords import hash_password, password_problem
from portal_app.services.accounts.sessions import Principal, end_all_sessions
from portal_app.services.common.dates import show_datetime
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.support import ticket_mail
from portal_app.services.support.attachments import files_by_message
from portal_app.services.support.customer_panel import StaffTicketThread, staff_ticket_thread
from portal_app.services.support.ticket_mail import Notice
from portal_app.services.support.tickets import (
    REPLY_MAX,
    TicketInputError,
    TicketThread,
    clean_line,
    required_text,
    thread_view,
)

STAFF_ROUTE = "/staff"
STATUSES = tuple(s.value for s in TicketStatus)
SOURCES = ("Portal", "Email", "Phone")
KINDS = tuple(k.value for k in TicketKind)
STAFF_STATUSES = (TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED)
# Statuses are worded for the customer; staff read "Awaiting your reply" as waiting on the customer.
STAFF_LABELS = {TicketStatus.AWAITING_CUSTOMER.value: "Awaiting customer"}
NAME_MAX = 120
AUTHOR_MAX = 120
NO_RATING = "\u2014"
QUERY_MAX = 100
MINE, UNASSIGNED = "mine", "unassigned"
ASSIGNEE_FILTERS = (MINE, UNASSIGNED)
R = TypeVar("R")


@dataclass(frozen=True)
class StaffTicketRow:
    """A ticket as the staff inbox lists it, with the link to its thread."""

    id: int
    subject: str
    customer: str
    status: str
    status_label: str
    priority: str
    source: str
    updated: str
    rating: int | None
    href: str
    kind: str = TicketKind.SUPPORT.value
    assignee: str = ""
    # How long an Open ticket has waited on the provider ("3 h", "2 d"); empty for other statuses.
    waiting: str = ""


@dataclass(frozen=True)
class Csat:
    """Customer satisfaction from rated tickets: average ("4.3", or a dash when none), count, stars -> count."""

    average: str
    count: int
    distribution: dict[int, int]


@dataclass(frozen=True)
class CsatBar:
    """One bar of the ratings chart: how many tickets got this many stars, and its width against the longest."""

    stars: int
    count: int
    width: str


@dataclass(frozen=True)
class InboxPage:
    """The inbox page: one page of tickets and the organisation's CSAT."""

    rows: list[StaffTicketRow]
    info: PageInfo
    csat: Csat
    bars: list[CsatBar]


def staff_label(status: str) -> str:
    """A ticket status as the staff pages word it."""
    return STAFF_LABELS.get(status, status)


def clean_search(raw: object) -> str:
    """The inbox search as the page keeps it (box and URL): one line of text, at most QUERY_MAX characters."""
    return clean_line(raw)[:QUERY_MAX] if isinstance(raw, str) else ""


def waiting_words(since: datetime, now: datetime) -> str:
    """How long since `since`, in the inbox's short words: "12 min", "3 h", "2 d"."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def waiting_since():
    """The SQL moment an Open ticket started waiting on the provider: the customer's last message, else its
    creation (staff replies and internal notes do not count)."""
    last = (
        select(func.max(col(TicketMessage.created_at)))
        .where(
            col(TicketMessage.ticket_id) == col(Ticket.id),
            col(TicketMessage.from_staff).is_(False),
            col(TicketMessage.internal).is_(False),
        )
        .correlate(Ticket)
        .scalar_subquery()
    )
    return func.coalesce(last, col(Ticket.created_at))


def _search(query: str):
    """Tickets whose number, subject, customer name or customer email contains the words (any case)."""
    number = query.removeprefix("#")
    wanted = query.casefold()
    matches = [
        func.lower(col(Ticket.subject)).contains(wanted, autoescape=True),
        func.lower(col(Customer.name)).contains(wanted, autoescape=True),
        func.lower(col(Customer.email)).contains(wanted, autoescape=True),
    ]
    if number.isdigit() and len(number) <= 12:
        matches.append(ticket_numbered(int(number)))
    return or_(*matches)


def inbox(
    db: Session,
    principal: Principal,
    *,
    status: str = "",
    source: str = "",
    kind: str = "",
    query: str = "",
    assignee: str = "",
    request: PageRequest,
) -> tuple[list[StaffTicketRow], PageInfo]:
    """One page of the organisation's tickets, most recently updated first (Open ones: the longest waiting first),
    optionally of one status, source and kind (Support, Service request), matching a search, and assigned to the
    caller ("mine") or to nobody ("unassigned")."""
    staff = staff_scope(db, principal)
    where = [col(Customer.organisation_id) == staff.organisation.id]
    if status:
        where.append(col(Ticket.status) == status)
    if source:
        where.append(col(Ticket.source) == source)
    if kind:
        where.append(col(Ticket.kind) == kind)
    if query:
        where.append(_search(query))
    if assignee == MINE:
        where.append(col(Ticket.assignee_id) == staff.user.id)
    elif assignee == UNASSIGNED:
        where.append(col(Ticket.assignee_id).is_(None))
    joined = select(func.count()).select_from(Ticket).join(Customer, col(Customer.id) == col(Ticket.customer_id))
    total = db.exec(joined.where(*where)).one()
    info = clamp(request, total)
    since = waiting_since()
    order = [since, col(Ticket.id)] if status == TicketStatus.OPEN else [col(Ticket.updated_at).desc()]
    person = aliased(PortalUser)
    rows = db.exec(
        select(Ticket, Customer.name, person.name, since.label("since"))
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .outerjoin(person, person.id == col(Ticket.assignee_id))
        .where(*where)
        .order_by(*order, col(Ticket.id).desc())
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    now = utcnow()
    return [
        StaffTicketRow(
            id=ticket.id,
            subject=ticket.subject,
            customer=customer_name,
            status=str(ticket.status),
            status_label=staff_label(str(ticket.status)),
            priority=str(ticket.priority),
            source=ticket.source,
            updated=show_datetime(ticket.updated_at),
            rating=ticket.rating,
            href=f"{STAFF_ROUTE}/tickets/{ticket.id}",
            kind=str(ticket.kind),
            assignee=assignee_name or "",
            waiting=waiting_words(waited, now) if ticket.status == TicketStatus.OPEN else "",
        )
        for ticket, customer_name, assignee_name, waited in rows
    ], info


def inbox_page(
    db: Session,
    principal: Principal,
    status: str,
    source: str,
    request: PageRequest,
    *,
    kind: str = "",
    query: str = "",
    assignee: str = "",
) -> InboxPage:
    """The inbox page: one page of the tickets (of one status, source and kind when given, matching the search,
    by assignee) and the CSAT chart."""
    rows, info = inbox(
        db, principal, status=status, source=source, kind=kind, query=query, assignee=assignee, request=request
    )
    ratings = csat(db, principal)
    most = max(ratings.distribution.values(), default=0) or 1
    bars = [
        CsatBar(stars=stars, count=count, width=f"{round(100 * count / most)}%")
        for stars, count in sorted(ratings.distribution.items(), reverse=True)
    ]
    return InboxPage(rows=rows, info=info, csat=ratings, bars=bars)


def staff_thread(db: Session, principal: Principal, ticket_id: object) -> StaffTicketThread:
    """The ticket's thread with the customer's name and email, inside the staff member's organisation, and the
    customer panel beside it with the staff the ticket can be assigned to."""
    staff = staff_scope(db, principal)
    ticket, customer, files = staff_ticket_with_files(db, staff, ticket_id)
    thread = thread_view(db, ticket, customer, for_staff=True, files=files_by_message(files))
    return staff_ticket_thread(db, staff.organisation, ticket, customer, thread, status_label=staff_label)


def staff_author(user: PortalUser, organisation: Organisation) -> str:
    """How a staff member signs replies: 'Jamie Park (Northwind Fiber)'."""
    return f"{user.name or 'Support'} ({organisation.name})"[:AUTHOR_MAX]


def answer(
    db: Session, staff: StaffScope, ticket: Ticket, body: object, *, resolve: bool = False
) -> tuple[TicketMessage, Notice]:
    """Add the staff reply (not committed): the ticket becomes "Awaiting your reply", or Resolved with `resolve`.
    Refused once resolved/closed. Returns the reply and the one email to send the customer once committed."""
    text = required_text(body, limit=REPLY_MAX, missing="Write your reply.", field="reply")
    if ticket.status not in OPEN_STATUSES:
        raise TicketInputError(f"This ticket is {ticket.status.lower()}: set it to Open before replying.")
    author = staff_author(staff.user, staff.organisation)
    now = utcnow()
    ticket.status = TicketStatus.RESOLVED if resolve else TicketStatus.AWAITING_CUSTOMER
    ticket.updated_at = now
    if resolve:
        ticket.resolved_at = now
    db.add(ticket)
    db.flush()  # locks the ticket first: the message's time then follows every reply saved before it
    message = TicketMessage(ticket_id=ticket.id, from_staff=True, author_name=author, body=text, created_at=utcnow())
    db.add(message)
    db.flush()
    return message, ticket_mail.reply_notice(db, ticket, author, text)


def staff_reply(
    db: Session, principal: Principal, ticket_id: object, body: object, *, resolve: bool = False
) -> TicketThread:
    """Answer the ticket: it becomes "Awaiting your reply" (Resolved with `resolve`: "Reply and resolve") and the
    customer is emailed the reply, once. Refused once resolved/closed. Returns the thread with the reply."""
    staff = staff_scope(db, principal)
    ticket, customer = staff_ticket(db, staff, ticket_id)
    _message, notice = answer(db, staff, ticket, body, resolve=resolve)
    db.commit()
    ticket_mail.send_notice(notice)
    return thread_view(db, ticket, customer, for_staff=True)


def set_status(db: Session, principal: Principal, ticket_id: object, status: object) -> TicketThread:
    """Mark the ticket Open, Resolved or Closed and email the customer (setting the current status does nothing).
    Returns the thread."""
    ticket, customer = staff_ticket(db, staff_scope(db, principal), ticket_id)
    if status not in STAFF_STATUSES:
        raise TicketInputError("Choose a status: Open, Resolved or Closed.")
    new = TicketStatus(status)
    if ticket.status != new:
        now = utcnow()
        ticket.status = new
        ticket.updated_at = now
        if new == TicketStatus.RESOLVED:
            ticket.resolved_at = now
        elif new == TicketStatus.OPEN:
            ticket.resolved_at = None
        db.add(ticket)
        db.flush()
        notice = ticket_mail.status_notice(db, ticket)
        db.commit()
        ticket_mail.send_notice(notice)
    return thread_view(db, ticket, customer, for_staff=True)


def csat(db: Session, principal: Principal) -> Csat:
    """Average rating and how many tickets got each number of stars, over the organisation's rated tickets."""
    organisation = staff_scope(db, principal).organisation
    counts = db.exec(
        select(Ticket.rating, func.count())
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(Customer.organisation_id == organisation.id, col(Ticket.rating).is_not(None))
        .group_by(col(Ticket.rating))
    ).all()
    distribution = dict.fromkeys(range(1, 6), 0)
    for stars, n in counts:
        if stars in distribution:
            distribution[stars] = n
    count = sum(distribution.values())
    total = sum(stars * n for stars, n in distribution.items())
    average = f"{total / count:.1f}" if count else NO_RATING
    return Csat(average=average, count=count, distribution=distribution)


def create_staff_user(
    db: Session, *, organisation_slug: str, email: str, name: str, password: str, role: StaffRole | None = None
) -> int:
    """Create or update the staff user with this email (organisation, name, password, role); returns the user id.

    `role` None keeps the role of someone already staff of the organisation; new staff become agents.

    Refuses the email of a customer's portal user. Signs the person out everywhere, since the
    password is replaced. Hashes with bcrypt: blocking.
    """
    address = normalise_address(email)
    if address is None:
        raise PortalError(f"{email.strip()!r} is not a valid email address.")
    organisation = provider_organisation(db, organisation_slug)
    clean_name = clean_line(name)
    if not clean_name:
        raise PortalError("Give the staff member's name: customers see it on replies.")
    if len(clean_name) > NAME_MAX:
        raise PortalError(f"Use at most {NAME_MAX} characters for the name.")
    problem = password_problem(password)
    if problem:
        raise PortalError(f"Password refused: {problem}")
    user = db.exec(select(PortalUser).where(PortalUser.email == address)).first()
    if user is not None and user.staff_organisation_id is None and _is_customer(db, user):
        raise PortalError(
            f"{address} signs in as a customer; staff need an email address of their own (for example a work one)."
        )
    user = user or PortalUser(email=address)
    if role is None:
        role = user.staff_role if user.staff_organisation_id == organisation.id and user.staff_role else StaffRole.AGENT
    user.name = clean_name
    user.staff_organisation_id = organisation.id
    user.staff_role = StaffRole(role)
    user.password_hash = hash_password(password)
    user.is_active = True
    db.add(user)
    db.flush()
    end_all_sessions(db, user.id)
    return user.id


def _is_customer(db: Session, user: PortalUser) -> bool:
    return db.exec(select(Membership.id).where(Membership.portal_user_id == user.id)).first() is not None
