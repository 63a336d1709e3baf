"""Assigning a ticket to a staff member of its organisation, or to nobody."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.errors import NotFound
from portal_app.models.base import utcnow
from portal_app.services.access import staff_member, staff_scope, staff_ticket
from portal_app.services.accounts.sessions import Principal
from portal_app.services.support.customer_panel import NO_ASSIGNEE
from portal_app.services.support.tickets import TicketInputError, TicketThread, thread_view

NOT_COLLEAGUE = "Choose a staff member of your organisation, or Unassigned."


def assign_ticket(db: Session, principal: Principal, ticket_id: object, assignee: object) -> TicketThread:
    """Assign the organisation's ticket to one of its active staff (agents and administrators; the id as text or a
    number) or to nobody (NO_ASSIGNEE or empty). Anyone else is refused at the field. Returns the thread."""
    staff = staff_scope(db, principal)
    ticket, customer = staff_ticket(db, staff, ticket_id)
    if assignee in (NO_ASSIGNEE, "", None, 0):
        wanted = None
    else:
        raw = int(assignee) if isinstance(assignee, str) and assignee.isdigit() and len(assignee) <= 12 else assignee
        try:
            wanted = staff_member(db, staff, raw).id
        except NotFound:
            raise TicketInputError(NOT_COLLEAGUE, field="assignee") from None
    if ticket.assignee_id != wanted:
        ticket.assignee_id = wanted
        ticket.updated_at = utcnow()
        db.add(ticket)
        db.flush()
    return thread_view(db, ticket, customer, for_staff=True)
