"""Profile settings: the person's name, sign-in email (confirmed by link), password and sessions.

The provider's CRM record is read-only here. change_password hashes with bcrypt and the email
functions send mail: call them from a worker thread.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.errors import PortalError
from portal_app.mail import MailError, normalise_address, send_mail
from portal_app.models import AuthSession, PortalUser, TokenPurpose
from portal_app.services.access import NotLinked, customer_scope, own_session
from portal_app.services.accounts import proofs, single_use_links, two_factor
from portal_app.services.accounts.passwords import hash_password, password_problem, verify_password
from portal_app.services.accounts.sessions import Principal, end_all_sessions, end_lapsed_sessions
from portal_app.services.common.dates import show_datetime
from portal_app.services.common.reads import database_only
from portal_app.services.support.tickets import RAW_FACTOR, clean_line

NAME_MAX = 120
EMAIL_CHANGE_LIFETIME = timedelta(hours=24)
EMAIL_UNDO_LIFETIME = timedelta(days=7)
CONFIRM_PATH = "/portal/confirm-email"
UNDO_PATH = "/portal/undo-email-change"
NEEDS_CODE = "Enter the current code from your authenticator app (or a recovery code)."

log = logging.getLogger(__name__)


class ProfileError(PortalError):
    """A profile change was refused; the message says why."""


@dataclass(frozen=True)
class SessionRow:
    """One signed-in browser of the person."""

    id: int
    device: str
    address: str
    last_seen: str
    current: bool


@dataclass(frozen=True)
class ProfilePage:
    """The person's own details and sessions, and the provider's record of the customer they act as
    (empty when unlinked)."""

    name: str
    email: str
    record_name: str = ""
    record_email: str = ""
    record_phone: str = ""
    record_address: str = ""
    provider_email: str = ""
    sessions: list[SessionRow] = field(default_factory=list)


@database_only
def profile_page(db: Session, principal: Principal) -> ProfilePage:
    """What the profile page shows the signed-in person, linked or not."""
    page = ProfilePage(name=principal.user_name, email=principal.user_email, sessions=active_sessions(db, principal))
    try:
        scope = customer_scope(db, principal)
    except NotLinked:
        return page
    return replace(
        page,
        record_name=scope.customer.name,
        record_email=scope.customer.email,
        record_phone=scope.customer.phone,
        record_address=scope.customer.address,
        provider_email=scope.organisation.email,
    )


def _user(db: Session, principal: Principal) -> PortalUser:
    user = db.get(PortalUser, principal.user_id)
    if user is None or not user.is_active:
        raise ProfileError("Your account is not active.")
    return user


def clean_name(raw: object) -> str:
    """A display name on one line without control or invisible format characters; refused when empty,
    too long or not text."""
    if not isinstance(raw, str):
        raise ProfileError("Enter your name as plain text.", field="name")
    if len(raw) > RAW_FACTOR * NAME_MAX:
        raise ProfileError(f"Use at most {NAME_MAX} characters for your name.", field="name")
    visible = "".join(ch for ch in clean_line(raw) if unicodedata.category(ch)[0] != "C")
    name = " ".join(unicodedata.normalize("NFC", visible).split())
    if not name:
        raise ProfileError("Enter your name.", field="name")
    if len(name) > NAME_MAX:
        raise ProfileError(f"Use at most {NAME_MAX} characters for your name.", field="name")
    return name


def change_name(db: Session, principal: Principal, name: object) -> str:
    """Store the person's display name (not the provider's CRM record)."""
    user = _user(db, principal)
    user.name = clean_name(name)
    db.add(user)
    return user.name


def change_password(db: Session, principal: Principal, current: object, new: object) -> int:
    """Set a new password after checking the current one; every other session ends. Returns how many."""
    user = _user(db, principal)
    if not verify_password(current, user.password_hash):
        proofs.wrong_proof(db, user)
        raise ProfileError("Your current password is not correct.", field="current")
    proofs.right_proof(db, user)
    problem = password_problem(new)
    if problem:
        raise ProfileError(problem, field="new")
    user.password_hash = hash_password(new)
    db.add(user)
    single_use_links.expire_outstanding(db, user.id)
    return end_all_sessions(db, user.id, except_session_id=principal.session_id)


def request_email_change(
    db: Session, principal: Principal, new_email: object, password: object, code: object = ""
) -> str:
    """Email a confirmation link to the new address and tell the old one; returns the new address.

    Needs the current password, and a code from the app (or a recovery code) when two-factor sign-in is on:
    a stolen session alone cannot move the account. The answer is the same whether or not the new address
    already has an account (that address is told instead, and nothing changes)."""
    user = _user(db, principal)
    address = normalise_address(new_email) if isinstance(new_email, str) else None
    if address is None:
        raise ProfileError("Enter a valid email address.", field="new_email")
    if address == user.email:
        raise ProfileError("That is already your sign-in email.", field="new_email")
    _prove(db, user, password, code)
    if db.exec(select(PortalUser.id).where(PortalUser.email == address)).first() is not None:
        _tell(
            address,
            "Your address was entered for another portal sign-in",
            "Someone asked to use this address to sign in to a customer portal account, but it already belongs "
            "to an account. Nothing was changed, and you need not do anything.",
        )
    else:
        _send_confirmation(db, user, address)
    _tell(
        user.email,
        "Your portal sign-in email is about to change",
        f"Someone signed in as you asked to change your sign-in email to {address}. It changes only once "
        "the new address confirms. If this was not you, change your password and contact your provider.",
    )
    return address


def _prove(db: Session, user: PortalUser, password: object, code: object) -> None:
    """ProfileError (and a counted wrong proof) unless the password, and the second step when it is on, are right."""
    if not verify_password(password, user.password_hash):
        proofs.wrong_proof(db, user)
        raise ProfileError("Your current password is not correct.", field="password")
    if two_factor.is_enabled(db, user.id) and not (
        isinstance(code, str) and code.strip() and two_factor.check_second_step(db, user.id, code)
    ):
        proofs.wrong_proof(db, user)
        raise ProfileError(NEEDS_CODE, field="code")
    proofs.right_proof(db, user)


def _send_confirmation(db: Session, user: PortalUser, address: str) -> None:
    token = single_use_links.issue(
        db, user_id=user.id, purpose=TokenPurpose.EMAIL_CHANGE, lifetime=EMAIL_CHANGE_LIFETIME, new_email=address
    )
    db.commit()
    link = f"{settings().public_url}{CONFIRM_PATH}?token={token}"
    try:
        send_mail(
            address,
            "Confirm your new portal sign-in email",
            f"Hello {user.name or ''},\n\nTo use {address} to sign in to your customer portal, open this link "
            f"within 24 hours:\n\n{link}\n\nIf you did not ask for this, ignore this message.\n",
        )
    except MailError as failure:
        raise ProfileError("We could not send the confirmation email. Please try again later.") from failure


def confirm_email_change(db: Session, token: object) -> str:
    """Apply a confirmed email change; returns the new address. Every session of the person ends (they sign
    in again with the new address), and the old address gets a link that puts it back for 7 days."""
    row = single_use_links.usable(db, _link_token(token), TokenPurpose.EMAIL_CHANGE)
    user = db.get(PortalUser, row.portal_user_id)
    address = row.new_email or ""
    if db.exec(select(PortalUser.id).where(PortalUser.email == address, PortalUser.id != user.id)).first():
        raise ProfileError("That email address is already used by another portal account.")
    single_use_links.consume(db, row)
    old = user.email
    user.email = address
    db.add(user)
    end_all_sessions(db, user.id)
    undo = single_use_links.issue(
        db, user_id=user.id, purpose=TokenPurpose.EMAIL_UNDO, lifetime=EMAIL_UNDO_LIFETIME, new_email=old
    )
    db.commit()
    _tell(
        old,
        "Your portal sign-in email was changed",
        f"You now sign in to your customer portal with {address}.\n\nIf this was not you, open this link within "
        f"7 days to put your sign-in email back to {old} and sign everybody out:\n\n"
        f"{settings().public_url}{UNDO_PATH}?token={undo}",
    )
    return address


def undo_email_change(db: Session, token: object) -> str:
    """Put the sign-in email back from the old address's link; returns it. Every session and outstanding link
    of the person ends, so whoever changed it is out; the person then sets a new password by email."""
    row = single_use_links.usable(db, _link_token(token), TokenPurpose.EMAIL_UNDO)
    user = db.get(PortalUser, row.portal_user_id)
    address = row.new_email or ""
    if db.exec(select(PortalUser.id).where(PortalUser.email == address, PortalUser.id != user.id)).first():
        raise ProfileError("That email address is now used by another portal account. Please contact your provider.")
    single_use_links.consume(db, row)
    user.email = address
    db.add(user)
    single_use_links.expire_outstanding(db, user.id)
    end_all_sessions(db, user.id)
    db.commit()
    return address


def _link_token(token: object) -> str:
    """The token of an emailed link as the page read it; links carry URL-safe ASCII tokens only."""
    if not isinstance(token, str) or not token.isascii():
        raise ProfileError(single_use_links.INVALID)
    return token


def _tell(address: str, subject: str, text: str) -> None:
    """A notice that must not undo the change when mail fails: failures are logged."""
    try:
        send_mail(address, subject, text + "\n")
    except MailError:
        log.exception("could not send %r to the account's address", subject)


def active_sessions(db: Session, principal: Principal) -> list[SessionRow]:
    """The person's signed-in browsers: this one first, then the others most recently seen first. Sessions that
    can no longer be used are deleted on the way."""
    end_lapsed_sessions(db, principal.user_id)
    rows = db.exec(
        select(AuthSession)
        .where(AuthSession.portal_user_id == principal.user_id)
        .order_by(col(AuthSession.last_seen_at).desc(), col(AuthSession.id).desc())
    ).all()
    listed = [
        SessionRow(
            id=row.id,
            device=describe_device(row.user_agent),
            address=row.client_ip or "",
            last_seen=show_datetime(row.last_seen_at),
            current=row.id == principal.session_id,
        )
        for row in rows
    ]
    return sorted(listed, key=lambda row: not row.current)


def end_other_sessions(db: Session, principal: Principal) -> int:
    """Sign out every other browser of the person; returns how many."""
    return end_all_sessions(db, principal.user_id, except_session_id=principal.session_id)


def end_one_session(db: Session, principal: Principal, session_id: object) -> str:
    """Sign out one other browser of the person; returns how it is described ("Firefox on Windows")."""
    row = own_session(db, principal, session_id)
    if row.id == principal.session_id:
        raise ProfileError("This is the browser you are using: use Log out to end it.")
    db.delete(row)
    return describe_device(row.user_agent)


BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """'Chrome on Windows' from a user-agent string; 'Unknown browser' when it says nothing useful."""
    browser = next((name for marker, name in BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in SYSTEMS if marker in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
