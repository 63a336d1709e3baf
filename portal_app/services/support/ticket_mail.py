"""Emails telling the customer that staff replied to their ticket or changed its status.

Build the notice inside the transaction, commit, then send: sending blocks on SMTP (call it
from a worker thread in the app), and a mail failure is logged without undoing the staff action;
when the mail server is down the notice is held for `mail retry`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.mail import Resend, send_mail
from portal_app.models import Customer, Membership, Organisation, PortalUser, Ticket, TicketStatus

log = logging.getLogger("portal.ticket_mail")

THREAD_PATH = "/portal/support"


@dataclass(frozen=True)
class Notice:
    """One email to the customer's people: the same subject and text for each recipient."""

    recipients: list[str]
    subject: str
    text: str


def thread_link(ticket_id: int) -> str:
    """The address of the ticket's thread in the portal."""
    return f"{settings().public_url}{THREAD_PATH}/{ticket_id}"


def recipients(db: Session, customer: Customer) -> list[str]:
    """The customer's active portal users, or the customer record's email when it has none."""
    emails = db.exec(
        select(PortalUser.email)
        .join(Membership, col(Membership.portal_user_id) == col(PortalUser.id))
        .where(Membership.customer_id == customer.id, col(PortalUser.is_active).is_(True))
        .order_by(col(PortalUser.id))
    ).all()
    if emails:
        return list(emails)
    return [customer.email] if customer.email else []


def reply_notice(db: Session, ticket: Ticket, author: str, body: str) -> Notice:
    """The email announcing a staff reply, with the reply itself."""
    customer, organisation = _customer_and_organisation(db, ticket)
    text = _text(
        organisation,
        [f"{author} replied to your ticket \u201c{ticket.subject}\u201d:", _quoted(body)],
        ticket.id,
        "Read the conversation and reply in the portal:",
    )
    return Notice(recipients(db, customer), _subject(ticket), text)


def status_notice(db: Session, ticket: Ticket) -> Notice:
    """The email announcing the ticket's new status."""
    customer, organisation = _customer_and_organisation(db, ticket)
    paragraphs = [f"Your ticket \u201c{ticket.subject}\u201d is now {ticket.status}."]
    action = "See the ticket in the portal:"
    if ticket.status == TicketStatus.RESOLVED:
        paragraphs.append(f"If the problem is back, open a new ticket and mention this one (#{ticket.id}).")
        if ticket.rating is None:
            action = "How did we do? Rate the help you got, 1 to 5 stars:"
    text = _text(organisation, paragraphs, ticket.id, action)
    return Notice(recipients(db, customer), _subject(ticket), text)


def send_notice(notice: Notice) -> int:
    """Send the notice to each recipient; failures are logged, never raised. Returns how many were sent."""
    sent = 0
    for address in notice.recipients:
        try:
            send_mail(address, notice.subject, notice.text, resend=Resend())
        except Exception:
            log.exception("Could not send the ticket notification %r to %s", notice.subject, address)
        else:
            sent += 1
    if not notice.recipients:
        log.warning("No address to send the ticket notification %r to", notice.subject)
    return sent


def _subject(ticket: Ticket) -> str:
    return f"Re: {ticket.subject} [#{ticket.id}]"


def _quoted(body: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in body.splitlines())


def _customer_and_organisation(db: Session, ticket: Ticket) -> tuple[Customer, Organisation]:
    customer = db.get(Customer, ticket.customer_id)
    return customer, db.get(Organisation, customer.organisation_id)


def _text(organisation: Organisation, paragraphs: list[str], ticket_id: int, action: str) -> str:
    parts = ["Hello,", *paragraphs, action, thread_link(ticket_id), f"{organisation.name} Support"]
    return "\n\n".join(parts) + "\n"
