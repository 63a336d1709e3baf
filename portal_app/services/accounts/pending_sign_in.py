"""A correct password waiting for its second step: lives five minutes, allows five codes, is used once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, delete, select

from portal_app.models import PendingSignIn
from portal_app.models.base import utcnow
from portal_app.services.accounts.sessions import MAX_TOKEN_LENGTH
from portal_app.services.common.tokens import new_token, token_hash

LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5


def start(db: Session, user_id: int, *, remember: bool, user_agent: str = "", client_ip: str = "") -> str:
    """Record the half-finished sign-in and return its token (kept in the server-side state only)."""
    now = utcnow()
    db.exec(delete(PendingSignIn).where(col(PendingSignIn.expires_at) <= now))  # housekeeping
    token = new_token()
    db.add(
        PendingSignIn(
            token_hash=token_hash(token),
            portal_user_id=user_id,
            remember=remember,
            created_at=now,
            expires_at=now + LIFETIME,
            user_agent=user_agent[:255],
            client_ip=client_ip[:64],
        )
    )
    db.flush()
    return token


def find(db: Session, token: str) -> PendingSignIn | None:
    """The pending sign-in behind the token, or None when unknown, expired or out of attempts."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.exec(select(PendingSignIn).where(PendingSignIn.token_hash == token_hash(token))).first()
    if row is None or row.expires_at <= utcnow() or row.attempts >= MAX_ATTEMPTS:
        return None
    return row


def count_failure(db: Session, pending_id: int) -> int:
    """Count a wrong code; returns how many tries are left (the sign-in is dropped at none)."""
    row = db.get(PendingSignIn, pending_id)
    if row is None:
        return 0
    row.attempts += 1
    left = max(0, MAX_ATTEMPTS - row.attempts)
    if left:
        db.add(row)
    else:
        db.delete(row)
    db.flush()
    return left


def consume(db: Session, pending_id: int) -> bool:
    """Use the pending sign-in up; False when another request already did."""
    return db.exec(delete(PendingSignIn).where(col(PendingSignIn.id) == pending_id)).rowcount == 1
