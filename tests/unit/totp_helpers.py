"""Two-factor test helpers: a frozen authenticator clock and a person with two-factor sign-in on."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from portal_app.models import PortalUser, TwoFactor
from portal_app.services.accounts import sessions, totp, two_factor
from portal_app.services.common.sealed import unseal

STEP = 60_000_000  # the 30-second time step the frozen clock is in


def freeze_clock(monkeypatch: pytest.MonkeyPatch, step: int = STEP) -> None:
    """Make the portal's current TOTP time step a fixed number (tests move it with this again)."""
    monkeypatch.setattr(totp, "current_step", lambda now=None: step)


def principal_of(db: Session, user: PortalUser) -> sessions.Principal:
    """A signed-in principal of the user."""
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return sessions.resolve(db, token)


def stored_secret(db: Session, user_id: int, *, pending: bool = False) -> str:
    """The user's TOTP secret as the server stores it, unsealed (what the authenticator app holds)."""
    db.expire_all()
    row = db.get(TwoFactor, user_id)
    value = row.pending_secret if pending else row.secret
    return unseal(value, purpose=two_factor.PURPOSE, context=f"portaluser:{user_id}")


def turn_on(db: Session, user: PortalUser, step: int = STEP) -> tuple[str, list[str]]:
    """Set up two-factor sign-in as a person would (confirming with the code of `step`, which the
    frozen clock must be in); returns the secret and the recovery codes."""
    principal = principal_of(db, user)
    two_factor.start_setup(db, principal)
    db.commit()
    secret = stored_secret(db, user.id, pending=True)
    codes = two_factor.confirm_setup(db, principal, totp.code_at(secret, step))
    db.commit()
    return secret, codes
