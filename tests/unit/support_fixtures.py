"""What the support, staff and help tests share: a signed-in principal, and tickets opened and moved on.

The people themselves are fixtures in conftest.py: `acme` (a provider), `bakery` (its customer Riverside
Bakery), `bea` (Bea Baker, signed in for the bakery) and `jamie` (Jamie Park, Acme's support staff).
"""

from __future__ import annotations

from sqlmodel import Session

from portal_app.models import Ticket, TicketStatus
from portal_app.services.accounts.sessions import Principal
from portal_app.services.support import tickets


def open_ticket(
    db: Session,
    principal: Principal,
    subject: str = "Internet is slow",
    description: str = "Since Monday.",
    priority: str = "Medium",
    key: str = "",
) -> int:
    """A portal ticket the principal opened (committed); its id."""
    ticket_id = tickets.open_ticket(
        db, principal, subject=subject, description=description, priority=priority, submission_key=key
    )
    db.commit()
    return ticket_id


def ticket_row(db: Session, ticket_id: int) -> Ticket:
    """The ticket as the database has it now."""
    row = db.get(Ticket, ticket_id)
    db.refresh(row)
    return row


def set_status(db: Session, ticket_id: int, status: TicketStatus) -> None:
    """Move the ticket to a status directly, as staff or the provider's tools would."""
    row = ticket_row(db, ticket_id)
    row.status = status
    db.add(row)
    db.commit()
