"""Demo support data: Northwind's staff accounts (an agent and an admin) and the rated and rateable tickets of
Alex Morgan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.models import (
    Customer,
    Organisation,
    PortalUser,
    Priority,
    StaffRole,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from portal_app.services.accounts.demo_accounts import PUBLISHED_PASSWORD
from portal_app.services.support.inbox import create_staff_user, staff_author

STAFF_EMAIL = "staff@example.com"
STAFF_NAME = "Jamie Park"
ADMIN_EMAIL = "admin@example.com"
ADMIN_NAME = "Robin Hale"

ALEX_NAME = "Alex Morgan"


def seed_support(db: Session, *, northwind_id: int, alex_customer_id: int, today: date | None = None) -> None:
    """Add the staff users (Jamie an agent, Robin an admin) and whatever Alex's tickets lack (one resolved and rated,
    one resolved to rate); no commit."""
    northwind = db.get(Organisation, northwind_id)
    alex = db.get(Customer, alex_customer_id)
    staff_id = create_staff_user(
        db,
        organisation_slug=northwind.slug,
        email=STAFF_EMAIL,
        name=STAFF_NAME,
        password=PUBLISHED_PASSWORD,
        role=StaffRole.AGENT,
    )
    create_staff_user(
        db,
        organisation_slug=northwind.slug,
        email=ADMIN_EMAIL,
        name=ADMIN_NAME,
        password=PUBLISHED_PASSWORD,
        role=StaffRole.ADMIN,
    )
    author = staff_author(db.get(PortalUser, staff_id), northwind)
    now = datetime.combine(today or date.today(), time(9, 30), tzinfo=UTC)
    _fill_resolved_at(db, northwind_id)
    if not _has_resolved(db, alex.id, rated=True):
        _rated_ticket(db, alex, author, now)
    if not _has_resolved(db, alex.id, rated=False):
        _rateable_ticket(db, alex, author, now)
    db.flush()


def _fill_resolved_at(db: Session, organisation_id: int) -> None:
    """Resolved tickets written without a resolution time were resolved when last updated."""
    db.exec(
        update(Ticket)
        .where(
            col(Ticket.status) == TicketStatus.RESOLVED,
            col(Ticket.resolved_at).is_(None),
            col(Ticket.customer_id).in_(select(Customer.id).where(Customer.organisation_id == organisation_id)),
        )
        .values(resolved_at=Ticket.updated_at)
    )


def _has_resolved(db: Session, customer_id: int, *, rated: bool) -> bool:
    rating = col(Ticket.rating).is_not(None) if rated else col(Ticket.rating).is_(None)
    found = db.exec(
        select(Ticket.id).where(Ticket.customer_id == customer_id, Ticket.status == TicketStatus.RESOLVED, rating)
    ).first()
    return found is not None


def _rated_ticket(db: Session, alex: Customer, author: str, now: datetime) -> None:
    opened = now - timedelta(days=7, hours=2)
    resolved = opened + timedelta(hours=27)
    ticket = _ticket(
        db,
        alex,
        "Wi-Fi extender in the garage keeps disconnecting",
        "One of the two new mesh extenders (the one in the garage) drops off the network every few hours. "
        "Its light turns red and my laptop out there loses Wi-Fi until I unplug it and plug it back in.",
        opened=opened,
        resolved=resolved,
    )
    ticket.rating = 5
    ticket.rating_comment = "Quick fix, thanks!"
    ticket.rated_at = resolved + timedelta(hours=3)
    _messages(
        db,
        ticket,
        author,
        [
            (
                3,
                True,
                "Thanks Alex. The garage extender was on a crowded channel and running old firmware. We've moved "
                "it to channel 36 and updated it remotely. Could you let us know if it drops again?",
            ),
            (25, False, "No drops since yesterday afternoon. Works perfectly now."),
            (27, True, "Glad to hear it! We'll mark this as resolved."),
        ],
    )


def _rateable_ticket(db: Session, alex: Customer, author: str, now: datetime) -> None:
    opened = now - timedelta(days=12, hours=4)
    resolved = opened + timedelta(hours=6)
    ticket = _ticket(
        db,
        alex,
        "Change the email address for invoices",
        "Please send my invoices to alex.morgan@example.com instead of my old work address.",
        opened=opened,
        resolved=resolved,
    )
    _messages(db, ticket, author, [(6, True, "Done: from the next invoice on, we'll email alex.morgan@example.com.")])


def _ticket(
    db: Session, customer: Customer, subject: str, description: str, *, opened: datetime, resolved: datetime
) -> Ticket:
    ticket = Ticket(
        customer_id=customer.id,
        subject=subject,
        description=description,
        priority=Priority.MEDIUM,
        status=TicketStatus.RESOLVED,
        source="Portal",
        created_at=opened,
        updated_at=resolved,
        resolved_at=resolved,
    )
    db.add(ticket)
    db.flush()
    return ticket


def _messages(db: Session, ticket: Ticket, staff: str, messages: list[tuple[int, bool, str]]) -> None:
    """(hours after opening, from staff, body) for each message; the customer writes as Alex Morgan."""
    for hours_after, from_staff, body in messages:
        db.add(
            TicketMessage(
                ticket_id=ticket.id,
                from_staff=from_staff,
                author_name=staff if from_staff else ALEX_NAME,
                body=body,
                created_at=ticket.created_at + timedelta(hours=hours_after),
            )
        )
