"""Emails telling the customer that staff replied to their ticket or changed its status.

Build the notice inside the transaction, commit, then send: sending blocks on SMTP (call it
from a worker thread in the app), and a mail failure is logged without undoing the staff action;
when the mail server is down the notice is held for `mail retry`. People who turned ticket updates off
(Profile → Notifications, or the email's one-click unsubscribe) are not mailed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from portal_app.config import settings
from portal_app.mail import Resend, send_mail
from portal_app.models import Customer, NotificationKind, Organisation, Ticket, TicketStatus
from portal_app.services.accounts import notification_preferences as preferences
from portal_app.services.accounts.notification_preferences import Recipient

log = logging.getLogger("portal.ticket_mail")

THREAD_PATH = "/portal/support"


@dataclass(frozen=True)
class Notice:
    """One email to the customer's people: the same subject and text for each recipient."""

    recipients: list[Recipient]
    subject: str
    text: str


def thread_link(ticket_id: int) -> str:
    """The address of the ticket's thread in the portal."""
    return f"{settings().public_url}{THREAD_PATH}/{ticket_id}"


def recipients(db: Session, customer: Customer) -> list[str]:
    """The customer's contact addresses: its active portal users, or the customer record's email when it has none
    (who of them gets ticket updates is `notification_preferences.recipients`)."""
    people = preferences.people_of(db, customer)
    if people:
        return [email for _user_id, email in people]
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
    return Notice(preferences.recipients(db, customer, NotificationKind.TICKETS), _subject(ticket), text)


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
    return Notice(preferences.recipients(db, customer, NotificationKind.TICKETS), _subject(ticket), text)


def send_notice(notice: Notice) -> int:
    """Send the notice to each recipient; failures are logged, never raised. Returns how many were sent."""
    sent = 0
    for recipient in notice.recipients:
        footer = preferences.unsubscribe_footer(recipient, NotificationKind.TICKETS)
        try:
            send_mail(
                recipient.address,
                notice.subject,
                f"{notice.text}\n--\n{footer}\n",
                resend=Resend(),
                headers=preferences.unsubscribe_headers(recipient),
            )
        except Exception:
            log.exception("Could not send the ticket notification %r to %s", notice.subject, recipient.address)
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
