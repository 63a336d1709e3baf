"""Server-side sessions: who a browser's opaque token belongs to, and which customer they act as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, and_, bindparam, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, delete, select

from portal_app.config import settings
from portal_app.models import AuthSession, Customer, Membership, Organisation, PortalUser
from portal_app.models.base import utcnow
from portal_app.services.common.tokens import new_token, token_hash

MAX_TOKEN_LENGTH = 128
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
LINKED_ROWS = "portal.principal_rows"


@dataclass(frozen=True)
class OrganisationChoice:
    """One customer record the person can act as, labelled by its organisation."""

    customer_id: int
    organisation_name: str
    customer_name: str


@dataclass(frozen=True)
class Principal:
    """The signed-in person and the customer record they are acting as (None when unlinked)."""

    session_id: int
    user_id: int
    user_name: str
    user_email: str
    customer_id: int | None
    organisation_id: int | None
    # Every customer record the person is linked to, as read with the session (None: not read with it).
    choices: tuple[OrganisationChoice, ...] | None = None


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
    """The principal behind a token, or None when it is unknown, expired or the user is inactive.

    One statement reads the session, the person (with the organisation they are staff of, if any) and every
    customer record they are linked to with its organisation: the header's switcher comes from it, and the rows
    stay in the session's identity map, so `customer_scope` and `staff_scope` later cost no query."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    rows = db.exec(_PRINCIPAL_ROWS, params={"token_hash": token_hash(token)}).all()
    if not rows:
        return None
    db.info[LINKED_ROWS] = rows  # the identity map holds rows weakly: keep them for the unit of work
    auth, user = rows[0][0], rows[0][1]
    now = utcnow()
    if auth.expires_at <= now or now - auth.last_seen_at > _idle_limit(auth.remember) or not user.is_active:
        return None
    linked = [(membership_id, customer, org) for _a, _u, membership_id, customer, org, _s in rows if customer and org]
    organisation_of = {customer.id: org.id for _m, customer, org in linked}
    customer_id = auth.active_customer_id
    if customer_id not in organisation_of:  # never chosen, or no longer linked to that customer
        customer_id = min(linked, key=lambda row: row[0])[1].id if linked else None
        if auth.active_customer_id != customer_id:
            auth.active_customer_id = customer_id
    if now - auth.last_seen_at > LAST_SEEN_RESOLUTION:
        auth.last_seen_at = now
    db.add(auth)
    return Principal(
        session_id=auth.id,
        user_id=user.id,
        user_name=user.name,
        user_email=user.email,
        customer_id=customer_id,
        organisation_id=organisation_of.get(customer_id) if customer_id is not None else None,
        choices=tuple(OrganisationChoice(customer.id, org.name, customer.name) for _m, customer, org in linked),
    )


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


def organisation_choices(db: Session, principal: Principal) -> list[OrganisationChoice]:
    """Every customer record linked to the signed-in person, for the header switcher."""
    if principal.choices is not None:
        return list(principal.choices)
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


def _principal_rows() -> Select:
    """The session with its person, the organisation they are staff of, and each customer record they are linked to
    with its organisation (one row a record; one row with none when there is none), for a bound token hash."""
    staff_organisation = aliased(Organisation)
    return (
        select(AuthSession, PortalUser, Membership.id, Customer, Organisation, staff_organisation)
        .join(PortalUser, col(PortalUser.id) == col(AuthSession.portal_user_id))
        .outerjoin(staff_organisation, staff_organisation.id == col(PortalUser.staff_organisation_id))
        .outerjoin(Membership, col(Membership.portal_user_id) == col(PortalUser.id))
        .outerjoin(Customer, col(Customer.id) == col(Membership.customer_id))
        .outerjoin(Organisation, col(Organisation.id) == col(Customer.organisation_id))
        .where(col(AuthSession.token_hash) == bindparam("token_hash"))
        .order_by(col(Organisation.name), col(Customer.id))
    )


_PRINCIPAL_ROWS = _principal_rows()  # built once; every event binds its token's hash
