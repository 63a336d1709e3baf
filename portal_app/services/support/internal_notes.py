"""Internal notes: staff write them on a ticket for each other. The customer never sees them (tickets.thread_view
leaves them out of the customer's thread) and is never emailed about them; the ticket's status stays."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.models import TicketMessage
from portal_app.models.base import utcnow
from portal_app.services.access import staff_scope, staff_ticket
from portal_app.services.accounts.sessions import Principal
from portal_app.services.support.inbox import staff_author
from portal_app.services.support.tickets import REPLY_MAX, TicketThread, required_text, thread_view


def add_internal_note(db: Session, principal: Principal, ticket_id: object, body: object) -> TicketThread:
    """Add a staff-only note to the organisation's ticket, whatever its status; nobody is emailed. Returns the
    staff thread with the note."""
    staff = staff_scope(db, principal)
    ticket, customer = staff_ticket(db, staff, ticket_id)
    text = required_text(body, limit=REPLY_MAX, missing="Write the note.", field="note")
    note = TicketMessage(
        ticket_id=ticket.id,
        from_staff=True,
        internal=True,
        author_name=staff_author(staff.user, staff.organisation),
        body=text,
        created_at=utcnow(),
    )
    db.add(note)
    db.flush()
    return thread_view(db, ticket, customer, for_staff=True)
