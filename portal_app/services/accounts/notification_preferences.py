"""Which emails each person gets (Profile → Notifications), who a customer's emails go to, and one-click unsubscribe.

Every kind is on until turned off: a NotificationOptOut row turns one kind off for one person. A customer without
active portal people is mailed at the customer record's own address; that address has its own opt-outs (it has no
profile: only its unsubscribe links change them).

Each email carries an unsubscribe link (RFC 8058 one-click) whose token is an HMAC of (recipient, kind) under the
installation's key: it never expires, names one kind of one recipient, and a changed token opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.errors import PortalError
from portal_app.models import Customer, Membership, NotificationKind, NotificationOptOut, PortalUser
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.secret_key import secret_key

UNSUBSCRIBE_PATH = "/api/unsubscribe"
PROFILE_PATH = "/portal/profile"
TOKEN_PATTERN = re.compile(r"([uc])([1-9][0-9]{0,17})\.([a-z]{1,16})\.([A-Za-z0-9_-]{43})")
BAD_LINK = "This unsubscribe link is not valid (it may have been changed or cut short). Nothing was changed."

# What each kind is called on the profile page and the unsubscribe page, and what it covers.
LABELS = {
    NotificationKind.INVOICES: "New invoices",
    NotificationKind.REMINDERS: "Payment reminders",
    NotificationKind.RECEIPTS: "Payment receipts",
    NotificationKind.TICKETS: "Ticket updates",
}
HINTS = {
    NotificationKind.INVOICES: "An email with the invoice PDF when your provider issues an invoice.",
    NotificationKind.REMINDERS: "Before an invoice is due and when it becomes overdue, if your provider sends them.",
    NotificationKind.RECEIPTS: "A receipt with a PDF for each payment.",
    NotificationKind.TICKETS: "When support replies to your ticket or changes its status.",
}


@dataclass(frozen=True)
class Recipient:
    """One address a customer's email goes to, with the link that stops this kind of email for it."""

    address: str
    unsubscribe_url: str


@dataclass(frozen=True)
class Preference:
    """One kind of email as Profile → Notifications shows it."""

    kind: str
    label: str
    hint: str
    enabled: bool


@dataclass(frozen=True)
class Unsubscribed:
    """What a valid unsubscribe link stands for (or turned off)."""

    kind: str
    label: str
    address: str


def recipients(db: Session, customer: Customer, kind: NotificationKind) -> list[Recipient]:
    """Who gets this kind of email about the customer: its active portal people who have not turned it off; when it
    has no active people, the customer record's email unless that was unsubscribed."""
    people = people_of(db, customer)
    if people:
        off = set(
            db.exec(
                select(NotificationOptOut.portal_user_id).where(
                    col(NotificationOptOut.portal_user_id).in_([user_id for user_id, _ in people]),
                    NotificationOptOut.kind == kind,
                )
            ).all()
        )
        wanted = [(user_id, email) for user_id, email in people if user_id not in off]
        return [Recipient(email, unsubscribe_url(f"u{user_id}", kind)) for user_id, email in wanted]
    if not customer.email or _opted_out(db, NotificationOptOut.customer_id == customer.id, kind):
        return []
    return [Recipient(customer.email, unsubscribe_url(f"c{customer.id}", kind))]


def people_of(db: Session, customer: Customer) -> list[tuple[int, str]]:
    """The customer's active portal people (id and email), first linked first."""
    rows = db.exec(
        select(PortalUser.id, PortalUser.email)
        .join(Membership, col(Membership.portal_user_id) == col(PortalUser.id))
        .where(Membership.customer_id == customer.id, col(PortalUser.is_active).is_(True))
        .order_by(col(PortalUser.id))
    ).all()
    return [(user_id, email) for user_id, email in rows]


def unsubscribe_headers(recipient: Recipient) -> dict[str, str]:
    """The RFC 8058 one-click unsubscribe headers for an email to this recipient."""
    return {
        "List-Unsubscribe": f"<{recipient.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_footer(recipient: Recipient, kind: NotificationKind) -> str:
    """The last paragraph of each such email: how to stop this kind, and where to choose."""
    return (
        f"To stop emails about {LABELS[kind].lower()}, open {recipient.unsubscribe_url}\n"
        f"Choose which emails you get in the portal under Profile, Notifications: {settings().public_url}{PROFILE_PATH}"
    )


def unsubscribe_url(subject: str, kind: NotificationKind) -> str:
    """The public one-click unsubscribe link for a person ('u<id>') or a customer record ('c<id>') and a kind."""
    return f"{settings().public_url}{UNSUBSCRIBE_PATH}?token={subject}.{kind.value}.{_signature(subject, kind.value)}"


def read_unsubscribe(db: Session, token: str) -> Unsubscribed:
    """What the token stands for, changing nothing (the page a GET shows); PortalError when it is not genuine."""
    _subject, kind, address = _open(db, token)
    return Unsubscribed(kind=kind.value, label=LABELS[kind], address=address)


def unsubscribe(db: Session, token: str) -> Unsubscribed:
    """Turn the token's kind of email off for its person or customer record (idempotent; commits). PortalError
    when the token is not genuine: nothing changes."""
    subject, kind, address = _open(db, token)
    column = "portal_user_id" if subject[0] == "u" else "customer_id"
    where = getattr(NotificationOptOut, column) == int(subject[1:])
    if not _opted_out(db, where, kind):
        try:
            db.add(NotificationOptOut(kind=kind, **{column: int(subject[1:])}))
            db.commit()
        except IntegrityError:  # a second click (or a mail scanner) got there at the same moment: it is off
            db.rollback()
    return Unsubscribed(kind=kind.value, label=LABELS[kind], address=address)


def preferences(db: Session, principal: Principal) -> list[Preference]:
    """The signed-in person's choice for each kind of email."""
    off = set(
        db.exec(select(NotificationOptOut.kind).where(NotificationOptOut.portal_user_id == principal.user_id)).all()
    )
    return [Preference(kind.value, LABELS[kind], HINTS[kind], kind not in off) for kind in NotificationKind]


def set_preference(db: Session, principal: Principal, kind: object, enabled: object) -> list[Preference]:
    """Turn one kind of email on or off for the signed-in person; their choices as they are now."""
    if not isinstance(kind, str) or kind not in NotificationKind.__members__.values():
        raise PortalError("Choose one of the kinds of email listed.")
    if not isinstance(enabled, bool):
        raise PortalError("Choose whether you want these emails.")
    chosen = NotificationKind(kind)
    mine = col(NotificationOptOut.portal_user_id) == principal.user_id
    if enabled:
        db.exec(delete(NotificationOptOut).where(mine, col(NotificationOptOut.kind) == chosen))
    elif not _opted_out(db, mine, chosen):
        db.add(NotificationOptOut(portal_user_id=principal.user_id, kind=chosen))
    db.flush()
    return preferences(db, principal)


def _opted_out(db: Session, whose: object, kind: NotificationKind) -> bool:
    return db.exec(select(NotificationOptOut.id).where(whose, NotificationOptOut.kind == kind)).first() is not None


def _open(db: Session, token: str) -> tuple[str, NotificationKind, str]:
    """The token's subject ('u12', 'c7'), kind and address, or PortalError (BAD_LINK)."""
    match = TOKEN_PATTERN.fullmatch(token.strip()) if isinstance(token, str) else None
    if match is None or match[3] not in NotificationKind.__members__.values():
        raise PortalError(BAD_LINK)
    subject = f"{match[1]}{match[2]}"
    expected = _signature(subject, match[3])
    if not hmac.compare_digest(expected.encode("ascii"), match[4].encode("ascii")):
        raise PortalError(BAD_LINK)
    owner = db.get(PortalUser if match[1] == "u" else Customer, int(match[2]))
    if owner is None or not owner.email:
        raise PortalError("This unsubscribe link belongs to an account that no longer exists. Nothing was changed.")
    return subject, NotificationKind(match[3]), owner.email


def _signature(subject: str, kind: str) -> str:
    digest = hmac.new(secret_key(), f"unsubscribe:{subject}:{kind}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
