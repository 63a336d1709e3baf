"""Forgotten passwords: email a single-use link, then let its holder choose a new password.

complete_reset hashes with bcrypt and request_reset may talk to SMTP: call both from a worker thread.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.errors import PortalError
from portal_app.mail import MailError, Resend, normalise_address, send_mail
from portal_app.models import AuthToken, PortalUser, TokenPurpose
from portal_app.services.accounts import single_use_links
from portal_app.services.accounts.passwords import hash_password, password_problem
from portal_app.services.accounts.sessions import end_all_sessions

RESET_LIFETIME = timedelta(hours=1)
RESET_PATH = "/portal/reset-password"
SUBJECT = "Reset your portal password"

log = logging.getLogger(__name__)


def request_reset(db: Session, email: str) -> None:
    """Email a reset link when the address belongs to an active account; says nothing either way.

    Commits the new link before sending it; a mail failure is logged, never raised. When the mail server
    is down the message is held for `mail retry` until the link expires (a newer request replaces it).
    """
    address = normalise_address(email)
    if address is None:
        return
    user = db.exec(select(PortalUser).where(PortalUser.email == address)).first()
    if user is None or not user.is_active or not (user.password_hash or _was_invited(db, user.id)):
        return
    token = single_use_links.issue(db, user_id=user.id, purpose=TokenPurpose.RESET, lifetime=RESET_LIFETIME)
    link = f"{settings().public_url}{RESET_PATH}?token={token}"
    expires = datetime.now(UTC) + RESET_LIFETIME
    db.commit()  # the link must work once it is in the inbox, and SMTP must not hold the write lock
    try:
        send_mail(address, SUBJECT, _reset_text(user.name, link), resend=Resend(f"reset-{user.id}", expires))
    except MailError:
        # Failing loudly here would tell the visitor that the account exists.
        log.exception("Password reset email for user %s could not be sent", user.id)


def check_reset_token(db: Session, token: str) -> str | None:
    """None when the link can be used, else the reason to show ("This link has expired. ...")."""
    try:
        single_use_links.usable(db, token, TokenPurpose.RESET)
    except PortalError as exc:
        return exc.message
    return None


def complete_reset(db: Session, token: str, new_password: object) -> int:
    """Set the new password, use up the link and sign the person out everywhere; returns the user id."""
    row = single_use_links.usable(db, token, TokenPurpose.RESET)
    problem = password_problem(new_password)
    if problem:
        raise PortalError(problem, field="new_password")
    password_hash = hash_password(new_password)
    single_use_links.consume(db, row)
    user = db.get(PortalUser, row.portal_user_id)
    user.password_hash = password_hash
    db.add(user)
    single_use_links.expire_outstanding(db, user.id)
    end_all_sessions(db, user.id)
    db.flush()
    return user.id


def _was_invited(db: Session, user_id: int) -> bool:
    return (
        db.exec(
            select(AuthToken.id).where(
                col(AuthToken.portal_user_id) == user_id, AuthToken.purpose == TokenPurpose.INVITE
            )
        ).first()
        is not None
    )


def _reset_text(name: str, link: str) -> str:
    greeting = f"Hello {name}," if name else "Hello,"
    paragraphs = [
        greeting,
        "Someone asked to reset the password of your customer portal account. "
        "Open this link within 1 hour to choose a new password:",
        link,
        "The link works once. If you did not ask for a new password, ignore this email: your password stays as it is.",
    ]
    return "\n\n".join(paragraphs) + "\n"
