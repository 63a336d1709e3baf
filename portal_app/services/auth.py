"""Signing in with email and password."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlmodel import Session, select

from portal_app.db import session_scope
from portal_app.models import PortalUser
from portal_app.services import sessions, throttle
from portal_app.services.errors import PortalError
from portal_app.services.passwords import verify_password

WRONG_CREDENTIALS = "Email or password is incorrect."
MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 1024


class SignInRefused(PortalError):
    """Wrong credentials, or too many recent failures."""


@dataclass(frozen=True)
class SignInAttempt:
    """What the sign-in form sends, plus where it came from."""

    email: str
    password: str
    remember: bool
    client_ip: str = ""
    user_agent: str = ""


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def sign_in(attempt: SignInAttempt) -> str:
    """Check the credentials and open a session; returns the new session token.

    Blocking (bcrypt and a deliberate delay after repeated failures): call it from a
    worker thread. Unknown emails cost the same time as wrong passwords.
    """
    email = normalise_email(attempt.email)
    if not email or not attempt.password:
        raise SignInRefused("Enter your email and password.")
    if len(email) > MAX_EMAIL_LENGTH or len(attempt.password) > MAX_PASSWORD_LENGTH:
        raise SignInRefused(WRONG_CREDENTIALS)
    keys = throttle.throttle_keys(email, attempt.client_ip)
    with session_scope() as db:
        until = throttle.locked_until(db, keys)
        delay = throttle.delay_seconds(db, keys)
        user = _user_by_email(db, email)
        password_hash = user.password_hash if user is not None and user.is_active else None
        user_id = user.id if user is not None else None
    if until is not None:
        minutes = max(1, round((until - throttle.utcnow()).total_seconds() / 60))
        raise SignInRefused(
            f"Too many failed sign-in attempts. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or reset your password."
        )
    if delay:
        time.sleep(delay)
    ok = verify_password(attempt.password, password_hash)
    if not ok or user_id is None:
        with session_scope() as db:
            throttle.record_failure(db, keys)
        raise SignInRefused(WRONG_CREDENTIALS)
    with session_scope() as db:
        throttle.clear(db, email)
        return sessions.open_session(
            db,
            user_id,
            remember=attempt.remember,
            user_agent=attempt.user_agent,
            client_ip=attempt.client_ip,
        )


def _user_by_email(db: Session, email: str) -> PortalUser | None:
    return db.exec(select(PortalUser).where(PortalUser.email == email)).first()
