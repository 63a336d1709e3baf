"""Signing in: email and password, then a code from the authenticator app when two-factor sign-in is on.

Failures are counted per trusted device or, for browsers the account does not know, per account (devices.py),
and per client address; a successful sign-in hands the browser a fresh device cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.models import PortalUser
from portal_app.services.accounts import devices, pending_sign_in, sessions, throttle, two_factor
from portal_app.services.accounts.passwords import verify_password
from portal_app.services.common.inputs import is_utf8

WRONG_CREDENTIALS = "Email or password is incorrect."
ENTER_EMAIL = "Enter your email address."
ENTER_PASSWORD = "Enter your password."  # noqa: S105 (a message, not a secret)
WRONG_CODE = "That code is not correct. Check your authenticator app and try again."
SECOND_STEP_ENDED = "Your sign-in has timed out or had too many wrong codes. Sign in again."
MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 1024


class SignInRefused(PortalError):
    """Wrong credentials, or too many recent failures."""


class SecondStepEnded(SignInRefused):
    """The pending sign-in is gone (expired, used, or out of tries): start again with the password."""


@dataclass(frozen=True)
class SignInAttempt:
    """What the sign-in form sends (email and password as sent: sign_in checks their types), plus where it came from
    and the browser's device cookie as sent."""

    email: object
    password: object
    remember: bool
    client_ip: str = ""
    user_agent: str = ""
    device_cookie: object = ""


@dataclass(frozen=True)
class SignInOutcome:
    """Either a session token and the browser's new device cookie, or (two-factor sign-in on) the token of the
    pending second step."""

    session_token: str = ""
    second_step_token: str = ""
    remember: bool = False
    device_cookie: str = ""


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def sign_in_delay(db: Session, attempt: SignInAttempt) -> float:
    """How long to make this attempt wait before `sign_in` checks it (grows with recent failures).

    The caller waits without holding a thread (the app awaits it on the event loop), so failing tabs
    cannot hold up other people's sign-ins."""
    email = normalise_email(attempt.email) if isinstance(attempt.email, str) else ""
    if not email or len(email) > MAX_EMAIL_LENGTH or not is_utf8(email):
        return 0.0  # refused at once by sign_in
    return throttle.delay_seconds(db, _attempt_keys(db, email, attempt.device_cookie, attempt.client_ip)[1])


def sign_in(attempt: SignInAttempt) -> SignInOutcome:
    """Check the credentials; open a session, or a pending second step when two-factor sign-in is on.

    Blocking (bcrypt): call it from a worker thread, after waiting `sign_in_delay`. Unknown emails cost the
    same time as wrong passwords. An email or password that is not text, or not text UTF-8 can carry, is
    refused like a wrong one.
    """
    email = normalise_email(attempt.email) if isinstance(attempt.email, str) else attempt.email
    if not email:
        raise SignInRefused(ENTER_EMAIL, field="email")
    if not attempt.password:
        raise SignInRefused(ENTER_PASSWORD, field="password")
    if not isinstance(email, str) or len(email) > MAX_EMAIL_LENGTH or not is_utf8(email):
        raise SignInRefused(WRONG_CREDENTIALS)
    if not isinstance(attempt.password, str) or len(attempt.password) > MAX_PASSWORD_LENGTH:
        raise SignInRefused(WRONG_CREDENTIALS)
    with session_scope() as db:
        user, keys = _attempt_keys(db, email, attempt.device_cookie, attempt.client_ip)
        until = throttle.locked_until(db, keys)
        password_hash = user.password_hash if user is not None and user.is_active else None
        user_id = user.id if user is not None else None
    _refuse_while_locked(until)
    ok = verify_password(attempt.password, password_hash)
    if not ok or user_id is None:
        with session_scope() as db:
            throttle.record_failure(db, keys)
        raise SignInRefused(WRONG_CREDENTIALS)
    with session_scope() as db:
        if two_factor.is_enabled(db, user_id):
            # The failure counters stay until the code is right, so guesses add up across sign-ins.
            pending = pending_sign_in.start(
                db, user_id, remember=attempt.remember, user_agent=attempt.user_agent, client_ip=attempt.client_ip
            )
            return SignInOutcome(second_step_token=pending, remember=attempt.remember)
        throttle.forget_failures(db, keys)
        token = sessions.open_session(
            db, user_id, remember=attempt.remember, user_agent=attempt.user_agent, client_ip=attempt.client_ip
        )
        return SignInOutcome(session_token=token, remember=attempt.remember, device_cookie=devices.issue(user_id))


def second_step_delay(db: Session, second_step_token: str, client_ip: str = "", device_cookie: object = "") -> float:
    """How long to make a code wait before `finish_sign_in` checks it (grows with the failures it answers to)."""
    pending = pending_sign_in.find(db, second_step_token)
    user = db.get(PortalUser, pending.portal_user_id) if pending is not None else None
    if user is None:
        return 0.0
    return throttle.delay_seconds(db, devices.attempt_keys(db, user.email, user.id, device_cookie, client_ip))


def finish_sign_in(
    second_step_token: str, code: object, client_ip: str = "", device_cookie: object = ""
) -> SignInOutcome:
    """Check the second step (an app code or a recovery code) and open the session.

    Wrong codes count like wrong passwords: for the same device or unknown-browser counter as the password
    step, and the client address; each pending sign-in allows a few tries only. Call it from a worker
    thread, after waiting `second_step_delay`.
    """
    with session_scope() as db:
        pending = pending_sign_in.find(db, second_step_token)
        user = db.get(PortalUser, pending.portal_user_id) if pending is not None else None
        if pending is None or user is None or not user.is_active:
            raise SecondStepEnded(SECOND_STEP_ENDED)
        keys = devices.attempt_keys(db, user.email, user.id, device_cookie, client_ip)
        until = throttle.locked_until(db, keys)
    _refuse_while_locked(until)
    if not isinstance(code, str) or not code.strip():
        raise SignInRefused("Enter the code from your authenticator app.", field="code")
    with session_scope() as db:
        if not two_factor.check_second_step(db, user.id, code):
            throttle.record_failure(db, keys)
            tries_left = pending_sign_in.count_failure(db, pending.id)
        elif not pending_sign_in.consume(db, pending.id):
            raise SecondStepEnded(SECOND_STEP_ENDED)  # a concurrent request used it first (rolls back)
        else:
            throttle.forget_failures(db, keys)
            token = sessions.open_session(
                db, user.id, remember=pending.remember, user_agent=pending.user_agent, client_ip=client_ip
            )
            return SignInOutcome(session_token=token, remember=pending.remember, device_cookie=devices.issue(user.id))
    if not tries_left:
        raise SecondStepEnded(SECOND_STEP_ENDED)
    raise SignInRefused(WRONG_CODE, field="code")


def _refuse_while_locked(until: datetime | None) -> None:
    if until is not None:
        minutes = max(1, round((until - throttle.utcnow()).total_seconds() / 60))
        raise SignInRefused(
            f"Too many failed sign-in attempts. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or reset your password."
        )


def _attempt_keys(
    db: Session, email: str, device_cookie: object, client_ip: str
) -> tuple[PortalUser | None, list[str]]:
    """The person the email names (if any) and the counters an attempt for it answers to."""
    user = _user_by_email(db, email)
    return user, devices.attempt_keys(db, email, user.id if user is not None else None, device_cookie, client_ip)


def _user_by_email(db: Session, email: str) -> PortalUser | None:
    return db.exec(select(PortalUser).where(PortalUser.email == email)).first()
