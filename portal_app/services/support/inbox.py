"""The staff side of support: the organisation's ticket inbox, replies, statuses and CSAT.

Staff are portal users with staff_organisation_id set; they sign in like customers and see only
their own organisation's tickets. staff_reply and set_status commit, then email the customer:
call them from a worker thread in the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.mail import normalise_address
from portal_app.models import Customer, Membership, Organisation, PortalUser, Ticket, TicketMessage, TicketStatus
from portal_app.models.base import utcnow
from portal_app.models.support import OPEN_STATUSES
from portal_app.services.accounts.passwords import hash_password, password_problem
from portal_app.services.accounts.sessions import Principal, end_all_sessions
from portal_app.services.common.dates import show_datetime
from portal_app.services.common.errors import NotFound, PortalError
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.support import ticket_mail
from portal_app.services.support.tickets import (
    REPLY_MAX,
    TICKET_NOT_FOUND,
    TicketInputError,
    TicketThread,
    clean_line,
    required_text,
    thread_messages,
)

NOT_STAFF = "This area is for support staff. Sign in with a staff account."
STAFF_STATUSES = (TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED)
NAME_MAX = 120
AUTHOR_MAX = 120
NO_RATING = "\u2014"


class NotStaff(PortalError):
    """The signed-in person is not (or no longer) active staff of an organisation."""


@dataclass(frozen=True)
class StaffTicketRow:
    """A ticket as the staff inbox lists it."""

    id: int
    subject: str
    customer: str
    status: str
    priority: str
    source: str
    updated: str
    rating: int | None


@dataclass(frozen=True)
class StaffThread(TicketThread):
    """The thread as staff see it: can_reply/can_close while open, never can_rate; plus who asked."""

    customer: str
    customer_email: str


@dataclass(frozen=True)
class Csat:
    """Customer satisfaction from rated tickets: average ("4.3", or a dash when none), count, stars -> count."""

    average: str
    count: int
    distribution: dict[int, int]


def staff_organisation_id(db: Session, principal: Principal) -> int:
    """The organisation the principal answers tickets for, or NotStaff."""
    return _staff(db, principal)[0].staff_organisation_id


def _staff(db: Session, principal: Principal) -> tuple[PortalUser, Organisation]:
    user = db.get(PortalUser, principal.user_id)
    if user is None or not user.is_active or user.staff_organisation_id is None:
        raise NotStaff(NOT_STAFF)
    organisation = db.get(Organisation, user.staff_organisation_id)
    if organisation is None:
        raise NotStaff(NOT_STAFF)
    return user, organisation


def inbox(
    db: Session, principal: Principal, *, status: str = "", source: str = "", request: PageRequest
) -> tuple[list[StaffTicketRow], PageInfo]:
    """One page of the organisation's tickets, most recently updated first, optionally of one status and source."""
    organisation_id = staff_organisation_id(db, principal)
    where = [col(Customer.organisation_id) == organisation_id]
    if status:
        where.append(col(Ticket.status) == status)
    if source:
        where.append(col(Ticket.source) == source)
    joined = select(func.count()).select_from(Ticket).join(Customer, col(Customer.id) == col(Ticket.customer_id))
    total = db.exec(joined.where(*where)).one()
    info = clamp(request, total)
    rows = db.exec(
        select(Ticket, Customer.name)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(*where)
        .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    return [
        StaffTicketRow(
            id=ticket.id,
            subject=ticket.subject,
            customer=customer_name,
            status=str(ticket.status),
            priority=str(ticket.priority),
            source=ticket.source,
            updated=show_datetime(ticket.updated_at),
            rating=ticket.rating,
        )
        for ticket, customer_name in rows
    ], info


def _organisation_ticket(db: Session, organisation_id: int, ticket_id: int) -> tuple[Ticket, Customer]:
    """The ticket if one of the organisation's customers raised it, or NotFound."""
    ticket = db.get(Ticket, ticket_id) if isinstance(ticket_id, int) and not isinstance(ticket_id, bool) else None
    customer = db.get(Customer, ticket.customer_id) if ticket is not None else None
    if customer is None or customer.organisation_id != organisation_id:
        raise NotFound(TICKET_NOT_FOUND)
    return ticket, customer


def staff_thread(db: Session, principal: Principal, ticket_id: int) -> StaffThread:
    """The ticket's thread with the customer's name and email, inside the staff member's organisation."""
    ticket, customer = _organisation_ticket(db, staff_organisation_id(db, principal), ticket_id)
    is_open = ticket.status in OPEN_STATUSES
    return StaffThread(
        id=ticket.id,
        subject=ticket.subject,
        description=ticket.description,
        priority=str(ticket.priority),
        status=str(ticket.status),
        source=ticket.source,
        created=show_datetime(ticket.created_at),
        messages=thread_messages(db, ticket, None, customer.name),
        can_reply=is_open,
        can_close=is_open,
        can_rate=False,
        rating=ticket.rating,
        rating_comment=ticket.rating_comment,
        customer=customer.name,
        customer_email=customer.email or next(iter(ticket_mail.recipients(db, customer)), ""),
    )


def staff_author(user: PortalUser, organisation: Organisation) -> str:
    """How a staff member signs replies: 'Jamie Park (Northwind Fiber)'."""
    return f"{user.name or 'Support'} ({organisation.name})"[:AUTHOR_MAX]


def staff_reply(db: Session, principal: Principal, ticket_id: int, body: object) -> None:
    """Answer the ticket: it becomes "Awaiting your reply" and the customer is emailed. Refused once resolved/closed."""
    user, organisation = _staff(db, principal)
    ticket, _customer = _organisation_ticket(db, organisation.id, ticket_id)
    text = required_text(body, limit=REPLY_MAX, missing="Write your reply.", field="reply")
    if ticket.status not in OPEN_STATUSES:
        raise TicketInputError(f"This ticket is {ticket.status.lower()}: set it to Open before replying.")
    author = staff_author(user, organisation)
    ticket.status = TicketStatus.AWAITING_CUSTOMER
    ticket.updated_at = utcnow()
    db.add(ticket)
    db.flush()  # locks the ticket first: the message's time then follows every reply saved before it
    db.add(TicketMessage(ticket_id=ticket.id, from_staff=True, author_name=author, body=text, created_at=utcnow()))
    db.flush()
    notice = ticket_mail.reply_notice(db, ticket, author, text)
    db.commit()
    ticket_mail.send_notice(notice)


def set_status(db: Session, principal: Principal, ticket_id: int, status: str) -> None:
    """Mark the ticket Open, Resolved or Closed and email the customer (setting the current status does nothing)."""
    organisation_id = staff_organisation_id(db, principal)
    ticket, _customer = _organisation_ticket(db, organisation_id, ticket_id)
    if status not in STAFF_STATUSES:
        raise TicketInputError("Choose a status: Open, Resolved or Closed.")
    new = TicketStatus(status)
    if ticket.status == new:
        return
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


def csat(db: Session, principal: Principal) -> Csat:
    """Average rating and how many tickets got each number of stars, over the organisation's rated tickets."""
    organisation_id = staff_organisation_id(db, principal)
    counts = db.exec(
        select(Ticket.rating, func.count())
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(Customer.organisation_id == organisation_id, col(Ticket.rating).is_not(None))
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


def create_staff_user(db: Session, *, organisation_slug: str, email: str, name: str, password: str) -> int:
    """Create or update the staff user with this email (organisation, name, password); returns the user id.

    Refuses the email of a customer's portal user. Signs the person out everywhere, since the
    password is replaced. Hashes with bcrypt: blocking.
    """
    address = normalise_address(email)
    if address is None:
        raise PortalError(f"{email.strip()!r} is not a valid email address.")
    organisation = db.exec(select(Organisation).where(Organisation.slug == organisation_slug)).first()
    if organisation is None:
        raise PortalError(f"There is no organisation with the slug {organisation_slug!r}.")
    clean_name = clean_line(name)
    if not clean_name:
        raise PortalError("Give the staff member's name: customers see it on replies.")
    if len(clean_name) > NAME_MAX:
        raise PortalError(f"Use at most {NAME_MAX} characters for the name.")
    problem = password_problem(password)
    if problem:
        raise PortalError(f"Password refused: {problem}")
    user = db.exec(select(PortalUser).where(PortalUser.email == address)).first()
    if user is not None and user.staff_organisation_id is None and _is_customer(db, user.id):
        raise PortalError(
            f"{address} signs in as a customer; staff need an email address of their own (for example a work one)."
        )
    user = user or PortalUser(email=address)
    user.name = clean_name
    user.staff_organisation_id = organisation.id
    user.password_hash = hash_password(password)
    user.is_active = True
    db.add(user)
    db.flush()
    end_all_sessions(db, user.id)
    return user.id


def _is_customer(db: Session, user_id: int) -> bool:
    return db.exec(select(Membership.id).where(Membership.portal_user_id == user_id)).first() is not None
