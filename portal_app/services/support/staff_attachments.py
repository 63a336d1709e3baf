"""A staff reply with the files the agent staged for it (services/support/attachments.py)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal_app.models import TicketMessage
from portal_app.services.access import staff_scope, staff_ticket
from portal_app.services.accounts.sessions import Principal
from portal_app.services.support.attachments import attach_staged
from portal_app.services.support.inbox import staff_author, staff_reply
from portal_app.services.support.tickets import TicketThread, thread_view


def staff_reply_with_files(
    db: Session, principal: Principal, ticket_id: object, body: object, staging_key: object = ""
) -> TicketThread:
    """Answer the ticket like `staff_reply` (the customer is emailed), then attach the files staged under
    `staging_key` to that reply. Returns the thread with the reply and its files."""
    staff = staff_scope(db, principal)
    ticket, customer = staff_ticket(db, staff, ticket_id)
    staff_reply(db, principal, ticket.id, body)
    sent = db.exec(
        select(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket.id,
            col(TicketMessage.from_staff).is_(True),
            TicketMessage.author_name == staff_author(staff.user, staff.organisation),
        )
        .order_by(col(TicketMessage.id).desc())
    ).first()
    attach_staged(db, principal, staging_key, ticket, sent)
    return thread_view(db, ticket, customer, for_staff=True)
