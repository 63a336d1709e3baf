"""A staff reply with the files the agent staged for it (services/support/attachments.py)."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.services.access import staff_scope, staff_ticket
from portal_app.services.accounts.sessions import Principal
from portal_app.services.support import ticket_mail
from portal_app.services.support.attachments import attach_staged
from portal_app.services.support.inbox import answer
from portal_app.services.support.tickets import TicketThread, thread_view


def staff_reply_with_files(
    db: Session,
    principal: Principal,
    ticket_id: object,
    body: object,
    staging_key: object = "",
    *,
    resolve: bool = False,
) -> TicketThread:
    """Answer the ticket like `staff_reply` (Resolved too with `resolve`: "Reply and resolve") with the files staged
    under `staging_key`, in one unit of work; then the customer is emailed the reply, once. Returns the thread."""
    staff = staff_scope(db, principal)
    ticket, customer = staff_ticket(db, staff, ticket_id)
    message, notice = answer(db, staff, ticket, body, resolve=resolve)
    attach_staged(db, principal, staging_key, ticket, message)
    db.commit()
    ticket_mail.send_notice(notice)
    return thread_view(db, ticket, customer, for_staff=True)
