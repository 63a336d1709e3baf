"""Single-use emailed links (password reset, invitation): issue, check and consume their tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select, update

from portal_app.errors import PortalError
from portal_app.models import AuthToken, PortalUser, TokenPurpose
from portal_app.models.base import utcnow
from portal_app.services.common.tokens import new_token, token_hash

EXPIRED = "This link has expired. Ask for a new one."
USED = "This link has already been used. Ask for a new one."
INVALID = "This link is not valid. Ask for a new one."
MAX_TOKEN_LENGTH = 128


def issue(
    db: Session,
    *,
    user_id: int,
    purpose: TokenPurpose,
    lifetime: timedelta,
    customer_id: int | None = None,
    new_email: str | None = None,
) -> str:
    """A new token for the user; older unused tokens of the same purpose (and customer) stop working."""
    now = utcnow()
    older = (
        update(AuthToken)
        .where(
            col(AuthToken.portal_user_id) == user_id,
            col(AuthToken.purpose) == purpose,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.expires_at) > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    if customer_id is not None:
        older = older.where(col(AuthToken.customer_id) == customer_id)
    db.exec(older)
    token = new_token()
    db.add(
        AuthToken(
            token_hash=token_hash(token),
            purpose=purpose,
            portal_user_id=user_id,
            customer_id=customer_id,
            new_email=new_email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.flush()
    return token


def usable(db: Session, token: str, purpose: TokenPurpose) -> AuthToken:
    """The stored token behind a link; PortalError with a user-facing reason when it cannot be used."""
    row = _find(db, token, purpose)
    if row is None:
        raise PortalError(INVALID)
    if row.used_at is not None:
        raise PortalError(USED)
    if row.expires_at <= utcnow():
        raise PortalError(EXPIRED)
    user = db.get(PortalUser, row.portal_user_id)
    if user is None or not user.is_active:
        raise PortalError(INVALID)
    return row


def consume(db: Session, row: AuthToken) -> None:
    """Mark the token used, atomically: of two concurrent calls only one succeeds, the other gets USED."""
    now = utcnow()
    result = db.exec(
        update(AuthToken)
        .where(
            col(AuthToken.id) == row.id,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.expires_at) > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.expire(row)
    if result.rowcount != 1:
        raise PortalError(EXPIRED if row.used_at is None else USED)


def expire_outstanding(db: Session, user_id: int) -> None:
    """Stop every unused link of the user (after their password changed)."""
    now = utcnow()
    db.exec(
        update(AuthToken)
        .where(
            col(AuthToken.portal_user_id) == user_id,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.expires_at) > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def _find(db: Session, token: str, purpose: TokenPurpose) -> AuthToken | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.exec(
        select(AuthToken)
        .where(AuthToken.token_hash == token_hash(token), AuthToken.purpose == purpose)
        .execution_options(populate_existing=True)
    ).first()
