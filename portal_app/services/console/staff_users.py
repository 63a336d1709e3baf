"""Settings → Users & roles for administrators: the organisation's staff, inviting someone by email with a role,
resending a pending invitation, changing a role, deactivating and reactivating. Each change writes an audit entry
in the same transaction. An organisation always keeps one active administrator, and nobody deactivates themself.

invite_staff and resend_staff_invite commit, then email: call them from a worker thread in the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from portal_app.errors import NotFound, PortalError
from portal_app.mail import normalise_address
from portal_app.models import AuthSession, PortalUser, StaffRole
from portal_app.services.access import StaffScope, admin_scope, db_id
from portal_app.services.accounts import invites, single_use_links
from portal_app.services.accounts.sessions import Principal, end_all_sessions
from portal_app.services.common.dates import show_datetime
from portal_app.services.console.audit import AuditAction, record
from portal_app.services.support.tickets import clean_line

STAFF_USERS_ROUTE = "/staff/settings/users"
NAME_MAX = 120
ROLE_LABELS = {StaffRole.AGENT.value: "Agent", StaffRole.ADMIN.value: "Admin"}
ACTIVE, PENDING, DEACTIVATED = "Active", "Invite pending", "Deactivated"
NEVER = "\u2014"
NO_EMAIL = "Enter the email address of the person to invite."
NOT_AN_EMAIL = "{email} is not a valid email address."
CHOOSE_A_ROLE = "Choose a role: Agent or Admin."
CUSTOMER_EMAIL = "{email} signs in to the customer portal; staff need an email address of their own (a work one)."
OTHER_ORGANISATION = "{email} is staff of another organisation, so they cannot join yours with that address."
ALREADY_STAFF = "{email} is already on your team."
ACCEPTED = "{email} has already accepted their invitation and signs in with their own password."
PERSON_NOT_FOUND = "This staff member was not found."
LAST_ADMIN = (
    "{email} is your organisation's only active administrator: make someone else an admin first, "
    "so that someone can still run customers and settings."
)
NOT_YOURSELF = "You cannot deactivate yourself. Ask another administrator to do it."


@dataclass(frozen=True)
class StaffUserRow:
    """One staff member as Settings → Users & roles lists them, with what an administrator may do to them."""

    id: int
    name: str
    email: str
    role: str
    role_label: str
    status: str
    last_sign_in: str
    is_you: bool
    can_resend: bool
    can_deactivate: bool
    can_reactivate: bool


def staff_users(db: Session, principal: Principal) -> list[StaffUserRow]:
    """The administrator's organisation's staff, active first, then by name and email."""
    staff = admin_scope(db, principal)
    people = _team(db, staff)
    signed_in = dict(
        db.exec(
            select(AuthSession.portal_user_id, func.max(AuthSession.created_at))
            .where(col(AuthSession.portal_user_id).in_(select(PortalUser.id).where(_of(staff))))
            .group_by(col(AuthSession.portal_user_id))
        ).all()
    )
    rows = [_row(person, staff, show_datetime(signed_in.get(person.id)) or NEVER) for person in people]
    order = {ACTIVE: 0, PENDING: 1, DEACTIVATED: 2}
    return sorted(rows, key=lambda r: (order[r.status], (r.name or r.email).casefold(), r.email))


def invite_staff(
    db: Session, principal: Principal, email: object, name: object, role: object, *, client_ip: str = ""
) -> str:
    """Add the person to the team with the role and email them a link to choose a password; returns what the page
    says. Refuses customers' sign-ins, other organisations' staff and people already on the team."""
    staff = admin_scope(db, principal)
    address = _address(email)
    chosen = _role(role)
    existing = db.exec(select(PortalUser).where(PortalUser.email == address)).first()
    if existing is not None:
        if existing.staff_organisation_id is None:
            raise PortalError(CUSTOMER_EMAIL.format(email=address), field="email")
        if existing.staff_organisation_id != staff.organisation.id:
            raise PortalError(OTHER_ORGANISATION.format(email=address), field="email")
        raise PortalError(ALREADY_STAFF.format(email=address), field="email")
    person_name = clean_line(name)[:NAME_MAX] if isinstance(name, str) else ""
    db.add(PortalUser(email=address, name=person_name, staff_organisation_id=staff.organisation.id, staff_role=chosen))
    db.flush()
    label = ROLE_LABELS[chosen.value]
    record(db, staff, AuditAction.INVITED, client_ip=client_ip, person_email=address, detail=f"Staff: {label}")
    invites.send_staff_invite(db, organisation_slug=staff.organisation.slug, email=address)
    return f"Invitation sent to {address} as {label}."


def resend_staff_invite(db: Session, principal: Principal, user_id: object, *, client_ip: str = "") -> str:
    """Email a fresh link to a staff member who has not chosen a password yet; returns what the page says."""
    staff = admin_scope(db, principal)
    person = _member(db, staff, user_id)
    if person.password_hash is not None:
        raise PortalError(ACCEPTED.format(email=person.email))
    record(db, staff, AuditAction.RESENT_INVITE, client_ip=client_ip, person_email=person.email, detail="Staff")
    invites.send_staff_invite(db, organisation_slug=staff.organisation.slug, email=person.email)
    return f"A new invitation link was sent to {person.email}."


def change_role(db: Session, principal: Principal, user_id: object, role: object, *, client_ip: str = "") -> str:
    """Make the staff member an agent or an admin; the last active admin keeps their role."""
    staff = admin_scope(db, principal)
    person = _member(db, staff, user_id)
    chosen = _role(role)
    if person.staff_role == chosen:
        return "Nothing changed."
    if chosen == StaffRole.AGENT:
        _keep_an_admin(db, staff, person)
    before = ROLE_LABELS.get(str(person.staff_role), "")
    person.staff_role = chosen
    db.add(person)
    after = ROLE_LABELS[chosen.value]
    record(
        db,
        staff,
        AuditAction.STAFF_ROLE_CHANGED,
        client_ip=client_ip,
        person_email=person.email,
        detail=f"{before} \u2192 {after}",
    )
    return f"{person.email} is now an {after}."


def deactivate_staff(db: Session, principal: Principal, user_id: object, *, client_ip: str = "") -> str:
    """Stop the staff member signing in: their sessions and unused links end. Refused for yourself and for the last
    active admin."""
    staff = admin_scope(db, principal)
    person = _member(db, staff, user_id)
    if person.id == staff.user.id:
        raise PortalError(NOT_YOURSELF)
    if not person.is_active:
        return f"{person.email} is already deactivated."
    _keep_an_admin(db, staff, person)
    person.is_active = False
    db.add(person)
    ended = end_all_sessions(db, person.id)
    single_use_links.expire_outstanding(db, person.id)
    record(
        db,
        staff,
        AuditAction.DEACTIVATED,
        client_ip=client_ip,
        person_email=person.email,
        detail=f"Staff; {ended} session(s) ended",
    )
    return f"{person.email} is deactivated: they are signed out and can no longer sign in."


def reactivate_staff(db: Session, principal: Principal, user_id: object, *, client_ip: str = "") -> str:
    """Let a deactivated staff member sign in again (someone still invited needs their invitation resent)."""
    staff = admin_scope(db, principal)
    person = _member(db, staff, user_id)
    if person.is_active:
        return f"{person.email} is already active."
    person.is_active = True
    db.add(person)
    record(
        db,
        staff,
        AuditAction.REACTIVATED,
        client_ip=client_ip,
        person_email=person.email,
        detail="Staff",
    )
    if person.password_hash is None:
        return f"{person.email} is active again: resend their invitation so they can choose a password."
    return f"{person.email} is active again and can sign in."


def _team(db: Session, staff: StaffScope) -> list[PortalUser]:
    return list(db.exec(select(PortalUser).where(_of(staff))).all())


def _of(staff: StaffScope) -> ColumnElement[bool]:
    return col(PortalUser.staff_organisation_id) == staff.organisation.id


def _member(db: Session, staff: StaffScope, user_id: object) -> PortalUser:
    """A staff member of the administrator's organisation, found among that organisation's staff, or NotFound."""
    wanted = db_id(user_id)
    person = next((p for p in _team(db, staff) if p.id == wanted), None) if wanted is not None else None
    if person is None:
        raise NotFound(PERSON_NOT_FOUND)
    return person


def _keep_an_admin(db: Session, staff: StaffScope, leaving: PortalUser) -> None:
    """Refuse a change that would leave the organisation without an active administrator."""
    if not _signs_in_as_admin(leaving):
        return
    if not any(_signs_in_as_admin(p) for p in _team(db, staff) if p.id != leaving.id):
        raise PortalError(LAST_ADMIN.format(email=leaving.email))


def _signs_in_as_admin(person: PortalUser) -> bool:
    """An active administrator who has chosen a password (someone still invited cannot run anything yet)."""
    return person.is_active and person.password_hash is not None and person.staff_role == StaffRole.ADMIN


def _row(person: PortalUser, staff: StaffScope, last_sign_in: str) -> StaffUserRow:
    status = DEACTIVATED if not person.is_active else PENDING if person.password_hash is None else ACTIVE
    role = str(person.staff_role or StaffRole.AGENT)
    is_you = person.id == staff.user.id
    return StaffUserRow(
        id=person.id,
        name=person.name,
        email=person.email,
        role=role,
        role_label=ROLE_LABELS.get(role, role),
        status=status,
        last_sign_in=last_sign_in,
        is_you=is_you,
        can_resend=status == PENDING,
        can_deactivate=status != DEACTIVATED and not is_you,
        can_reactivate=status == DEACTIVATED,
    )


def _role(role: object) -> StaffRole:
    if role not in ROLE_LABELS:
        raise PortalError(CHOOSE_A_ROLE, field="role")
    return StaffRole(role)


def _address(email: object) -> str:
    text = email.strip() if isinstance(email, str) else ""
    if not text:
        raise PortalError(NO_EMAIL, field="email")
    address = normalise_address(text[:254])
    if address is None:
        raise PortalError(NOT_AN_EMAIL.format(email=text[:254]), field="email")
    return address
