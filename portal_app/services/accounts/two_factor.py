"""Two-factor sign-in with an authenticator app (TOTP) and one-time recovery codes.

A secret being set up waits in `pending_secret` until a code from the app confirms it; only then is
two-factor sign-in on. Secrets are sealed at rest and never leave the server after the setup step.
disable() and renew_recovery_codes() may check a password with bcrypt: call them from a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.mail import MailError, send_mail
from portal_app.models import Organisation, PortalUser, TwoFactor
from portal_app.models.base import utcnow
from portal_app.services.accounts import proofs, recovery_codes, totp
from portal_app.services.accounts.branding import DEFAULT_NAME
from portal_app.services.accounts.passwords import verify_password
from portal_app.services.accounts.sessions import Principal, end_all_sessions
from portal_app.services.common.sealed import seal, unseal

PURPOSE = "totp"
MAX_CODE_LENGTH = 64
WRONG_CODE = "That code is not correct. Enter the 6-digit code your authenticator app shows now."
WRONG_PROOF = "That is neither your current password nor a current code from your authenticator app."


class TwoFactorError(PortalError):
    """A two-factor change was refused; the message says why."""


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setup:
    """What the person needs to add the portal to their authenticator app."""

    secret: str  # in groups of four, for typing it in by hand
    qr_code: str  # an SVG data URI


@dataclass(frozen=True)
class Status:
    """Whether two-factor sign-in is on, and how many recovery codes are unused."""

    enabled: bool
    recovery_codes_left: int


def _context(user_id: int) -> str:
    return f"portaluser:{user_id}"


def _user(db: Session, principal: Principal) -> PortalUser:
    user = db.get(PortalUser, principal.user_id)
    if user is None or not user.is_active:
        raise TwoFactorError("Your account is not active.")
    return user


def _app_code(code: object) -> str:
    """The code without the space some apps show in the middle; empty when a client sent no text."""
    return "".join(code[:MAX_CODE_LENGTH].split()) if isinstance(code, str) else ""


def is_enabled(db: Session, user_id: int) -> bool:
    """Whether signing in as this person needs a second step."""
    row = db.get(TwoFactor, user_id)
    return row is not None and row.secret is not None


def status(db: Session, principal: Principal) -> Status:
    """The signed-in person's two-factor status."""
    enabled = is_enabled(db, principal.user_id)
    return Status(enabled, recovery_codes.remaining(db, principal.user_id) if enabled else 0)


def start_setup(db: Session, principal: Principal) -> Setup:
    """Make a new secret, kept server-side as pending until confirm_setup() sees a code made from it."""
    user = _user(db, principal)
    row = db.get(TwoFactor, user.id) or TwoFactor(portal_user_id=user.id)
    if row.secret is not None:
        raise TwoFactorError("Two-factor authentication is already on.")
    secret = totp.new_secret()
    row.pending_secret = seal(secret, purpose=PURPOSE, context=_context(user.id))
    db.add(row)
    organisation = db.get(Organisation, principal.organisation_id) if principal.organisation_id else None
    uri = totp.setup_uri(secret, user.email, organisation.name if organisation else DEFAULT_NAME)
    return Setup(secret=totp.grouped(secret), qr_code=totp.qr_code(uri))


def cancel_setup(db: Session, principal: Principal) -> None:
    """Forget a setup that was not confirmed (two-factor sign-in stays as it was)."""
    row = db.get(TwoFactor, principal.user_id)
    if row is None:
        return
    if row.secret is None:
        db.delete(row)
    else:
        row.pending_secret = None
        db.add(row)


def confirm_setup(db: Session, principal: Principal, code: object) -> list[str]:
    """Turn two-factor sign-in on once the code matches the pending secret; returns new recovery codes."""
    user = _user(db, principal)
    row = db.get(TwoFactor, user.id)
    pending = row.pending_secret if row is not None and row.secret is None else None
    secret = unseal(pending, purpose=PURPOSE, context=_context(user.id)) if pending else None
    if row is None or secret is None:
        raise TwoFactorError("The setup has ended. Choose “Turn on” to start again.")
    step = totp.matching_step(secret, _app_code(code))
    if step is None:
        raise TwoFactorError(WRONG_CODE, field="code")
    row.secret, row.pending_secret = pending, None
    row.last_used_step = step  # the confirming code cannot also sign someone in
    row.enabled_at = utcnow()
    db.add(row)
    codes = recovery_codes.replace_all(db, user.id)
    db.commit()
    _tell(user, "Two-factor sign-in is on", "Two-factor sign-in was turned on for your customer portal account.")
    return codes


def disable(db: Session, principal: Principal, proof: object) -> None:
    """Turn two-factor sign-in off; needs the current password or a current code from the app."""
    user = _user(db, principal)
    if not is_enabled(db, user.id):
        raise TwoFactorError("Two-factor authentication is already off.")
    _check_proof(db, user, proof)
    db.delete(db.get(TwoFactor, user.id))
    recovery_codes.delete_all(db, user.id)
    db.commit()
    _tell(user, "Two-factor sign-in is off", "Two-factor sign-in was turned off for your customer portal account.")


def reset_for_lost_device(db: Session, email: str) -> bool:
    """The provider turns two-factor sign-in off for someone who lost both the app and the recovery codes; every
    session of theirs ends and they are told. False when it was not on. (The command logs who did it.)"""
    user = db.exec(select(PortalUser).where(PortalUser.email == email.strip().lower())).first()
    if user is None or db.get(TwoFactor, user.id) is None:
        return False
    db.delete(db.get(TwoFactor, user.id))
    recovery_codes.delete_all(db, user.id)
    end_all_sessions(db, user.id)
    db.commit()
    _tell(
        user,
        "Two-factor sign-in was reset",
        "Your provider turned two-factor sign-in off for your customer portal account at your request, and every "
        "session was signed out. Sign in with your password and turn it on again in Profile settings.",
    )
    return True


def _tell(user: PortalUser, subject: str, first: str) -> None:
    """Tell the person about a change to their sign-in (a failed email is logged, the change stays)."""
    text = (
        f"Hello {user.name or ''},\n\n{first}\n\nIf this was not you, change your password and contact your provider.\n"
    )
    try:
        send_mail(user.email, subject, text)
    except MailError:
        log.exception("could not tell %s: %s", user.email, subject)


def renew_recovery_codes(db: Session, principal: Principal, proof: object) -> list[str]:
    """Replace every recovery code (old ones stop working); needs the password or a current app code."""
    user = _user(db, principal)
    if not is_enabled(db, user.id):
        raise TwoFactorError("Turn on two-factor authentication first.")
    _check_proof(db, user, proof)
    return recovery_codes.replace_all(db, user.id)


def _check_proof(db: Session, user: PortalUser, proof: object) -> None:
    """TwoFactorError unless the proof is a current app code or the password (anything else is simply wrong)."""
    code = _app_code(proof)
    if len(code) == totp.DIGITS and code.isascii() and code.isdigit():
        ok = _use_app_code(db, user.id, code)
    else:
        ok = verify_password(proof, user.password_hash)
    if not ok:
        proofs.wrong_proof(db, user)
        raise TwoFactorError(WRONG_PROOF, field="proof")
    proofs.right_proof(db, user)


def check_second_step(db: Session, user_id: int, code: str) -> bool:
    """Whether this is a current app code not used before, or an unused recovery code; spends it."""
    code = code.strip()[:MAX_CODE_LENGTH]
    if recovery_codes.looks_like_one(code):
        return recovery_codes.use(db, user_id, code)
    return _use_app_code(db, user_id, _app_code(code))


def _use_app_code(db: Session, user_id: int, code: str) -> bool:
    """Accept an app code once: its time step must be newer than the last accepted one."""
    row = db.get(TwoFactor, user_id)
    secret = unseal(row.secret, purpose=PURPOSE, context=_context(user_id)) if row and row.secret else None
    step = totp.matching_step(secret, code) if secret else None
    if step is None:
        return False
    claimed = db.exec(
        update(TwoFactor)
        .where(col(TwoFactor.portal_user_id) == user_id, col(TwoFactor.last_used_step) < step)
        .values(last_used_step=step)
    )
    return claimed.rowcount == 1
