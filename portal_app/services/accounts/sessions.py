"""Server-side sessions: who a browser's opaque token belongs to, and which customer they act as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, col, delete, select

from portal_app.config import settings
from portal_app.models import AuthSession, Customer, Membership, Organisation, PortalUser
from portal_app.models.base import utcnow
from portal_app.services.common.tokens import new_token, token_hash

MAX_TOKEN_LENGTH = 128
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """The signed-in person and the customer record they are acting as (None when unlinked)."""

    session_id: int
    user_id: int
    user_name: str
    user_email: str
    customer_id: int | None
    organisation_id: int | None


def open_session(db: Session, user_id: int, *, remember: bool, user_agent: str = "", client_ip: str = "") -> str:
    """Start a session for the user and return its token (shown to the browser once)."""
    cfg = settings()
    lifetime = timedelta(days=cfg.session_days_remembered) if remember else timedelta(hours=cfg.session_hours_browser)
    token = new_token()
    now = utcnow()
    db.add(
        AuthSession(
            token_hash=token_hash(token),
            portal_user_id=user_id,
            active_customer_id=_default_customer_id(db, user_id),
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            user_agent=user_agent[:255],
            client_ip=client_ip[:64],
        )
    )
    db.flush()
    return token


def _default_customer_id(db: Session, user_id: int) -> int | None:
    return db.exec(
        select(Membership.customer_id).where(Membership.portal_user_id == user_id).order_by(col(Membership.id)).limit(1)
    ).first()


def resolve(db: Session, token: str) -> Principal | None:
    """The principal behind a token, or None when it is unknown, expired or the user is inactive."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.exec(
        select(AuthSession, PortalUser)
        .join(PortalUser, col(PortalUser.id) == col(AuthSession.portal_user_id))
        .where(AuthSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    auth, user = row
    now = utcnow()
    if auth.expires_at <= now or now - auth.last_seen_at > _idle_limit(auth.remember) or not user.is_active:
        return None
    customer_id = auth.active_customer_id
    organisation_id = _organisation_as_member(db, user.id, customer_id)
    if customer_id is not None and organisation_id is None:  # no longer linked to that customer
        customer_id = _default_customer_id(db, user.id)
        auth.active_customer_id = customer_id
        organisation_id = _organisation_as_member(db, user.id, customer_id)
    if now - auth.last_seen_at > LAST_SEEN_RESOLUTION:
        auth.last_seen_at = now
    db.add(auth)
    return Principal(
        session_id=auth.id,
        user_id=user.id,
        user_name=user.name,
        user_email=user.email,
        customer_id=customer_id,
        organisation_id=organisation_id,
    )


def _organisation_as_member(db: Session, user_id: int, customer_id: int | None) -> int | None:
    """The customer's organisation when the user is linked to that customer (one query), else None."""
    if customer_id is None:
        return None
    return db.exec(
        select(Customer.organisation_id)
        .join(Membership, col(Membership.customer_id) == col(Customer.id))
        .where(Membership.portal_user_id == user_id, Customer.id == customer_id)
    ).first()


def _idle_limit(remember: bool) -> timedelta:
    """How long a session may go unused before it ends (absolute expiry applies as well)."""
    cfg = settings()
    if remember:
        return timedelta(days=cfg.session_idle_days_remembered)
    return timedelta(minutes=cfg.session_idle_minutes_browser)


def _is_member(db: Session, user_id: int, customer_id: int) -> bool:
    return (
        db.exec(
            select(Membership.id).where(Membership.portal_user_id == user_id, Membership.customer_id == customer_id)
        ).first()
        is not None
    )


def end_lapsed_sessions(db: Session, user_id: int) -> int:
    """Delete the person's sessions that can no longer be used (expired, or idle too long); returns how many."""
    now = utcnow()
    cfg = settings()
    lapsed = or_(
        col(AuthSession.expires_at) <= now,
        and_(
            col(AuthSession.remember).is_(True),
            col(AuthSession.last_seen_at) < now - timedelta(days=cfg.session_idle_days_remembered),
        ),
        and_(
            col(AuthSession.remember).is_(False),
            col(AuthSession.last_seen_at) < now - timedelta(minutes=cfg.session_idle_minutes_browser),
        ),
    )
    return db.exec(delete(AuthSession).where(col(AuthSession.portal_user_id) == user_id, lapsed)).rowcount or 0


def end_session(db: Session, token: str) -> None:
    """Sign the browser holding this token out (unknown tokens are ignored)."""
    if token and len(token) <= MAX_TOKEN_LENGTH:
        db.exec(delete(AuthSession).where(col(AuthSession.token_hash) == token_hash(token)))


def end_all_sessions(db: Session, user_id: int, *, except_session_id: int | None = None) -> int:
    """Sign the user out everywhere (but the given session); returns how many ended."""
    stmt = delete(AuthSession).where(col(AuthSession.portal_user_id) == user_id)
    if except_session_id is not None:
        stmt = stmt.where(col(AuthSession.id) != except_session_id)
    return db.exec(stmt).rowcount or 0


@dataclass(frozen=True)
class OrganisationChoice:
    """One customer record the person can act as, labelled by its organisation."""

    customer_id: int
    organisation_name: str
    customer_name: str


def organisation_choices(db: Session, principal: Principal) -> list[OrganisationChoice]:
    """Every customer record linked to the signed-in person, for the header switcher."""
    rows = db.exec(
        select(Customer.id, Organisation.name, Customer.name)
        .join(Membership, col(Membership.customer_id) == col(Customer.id))
        .join(Organisation, col(Organisation.id) == col(Customer.organisation_id))
        .where(Membership.portal_user_id == principal.user_id)
        .order_by(col(Organisation.name), col(Customer.id))
    ).all()
    return [OrganisationChoice(cid, org, name) for cid, org, name in rows]


def switch_customer(db: Session, principal: Principal, customer_id: int) -> bool:
    """Act as another linked customer; refuses ids the person is not linked to."""
    if not _is_member(db, principal.user_id, customer_id):
        return False
    auth = db.get(AuthSession, principal.session_id)
    if auth is None:
        return False
    auth.active_customer_id = customer_id
    db.add(auth)
    return True
