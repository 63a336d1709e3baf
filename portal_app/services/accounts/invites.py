"""Inviting a customer's people to the portal, and a provider's staff to its console: the emailed link lets them
choose a password. A staff invitation is an INVITE link without a customer, accepted on the same page.

invite/resend_invite/send_staff_invite may talk to SMTP and accept_invite hashes with bcrypt: call them from a
worker thread in the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from portal_app.config import settings
from portal_app.errors import PortalError
from portal_app.mail import MailError, normalise_address, send_mail
from portal_app.models import AuthToken, Customer, Membership, Organisation, PortalUser, StaffRole, TokenPurpose
from portal_app.models.base import utcnow
from portal_app.services.access import provider_customer, provider_organisation
from portal_app.services.accounts import sessions, single_use_links, throttle, two_factor
from portal_app.services.accounts.passwords import hash_password, password_problem, verify_password
from portal_app.services.accounts.profile import clean_name

INVITE_LIFETIME = timedelta(days=7)
ACCEPT_PATH = "/portal/accept-invite"
MAX_NAME_LENGTH = 120
NOT_YOUR_PASSWORD = "That is not the password of this account. Enter the password you sign in with."  # noqa: S105
TOO_MANY_TRIES = "Too many failed attempts. Try again later, or reset your password."


@dataclass(frozen=True)
class PendingInvite:
    """An invitation whose person has not chosen a password yet."""

    email: str
    customer_name: str
    organisation_name: str
    sent_at: datetime
    expires_at: datetime
    expired: bool


@dataclass(frozen=True)
class InviteInfo:
    """What the accept-invite page shows about a usable link."""

    email: str
    name: str
    customer_name: str
    organisation_name: str
    has_password: bool
    for_staff: bool = False  # a staff invitation: the person lands in the console (/staff) once they accept


def invite(db: Session, *, organisation_slug: str, customer_id: int, email: str, name: str = "") -> str:
    """Give the person access to the customer's portal and email them a link; returns the link.

    The customer is found as `access.provider_customer` finds it. Safe to repeat: the user and
    membership are reused, and earlier links for the same customer stop working. Commits before
    sending; raises MailError (with the link in its message) when the email cannot be sent.
    """
    address = normalise_address(email)
    if address is None:
        raise PortalError(f"{email.strip()!r} is not a valid email address.")
    organisation = provider_organisation(db, organisation_slug)
    customer = provider_customer(db, organisation, customer_id)
    user = _user(db, address) or PortalUser(email=address)
    if not user.is_active:
        raise PortalError(f"The portal account of {address} is deactivated.")
    if name.strip() and not user.name:
        user.name = name.strip()[:MAX_NAME_LENGTH]
    db.add(user)
    db.flush()
    # Someone who already signs in is linked when they accept with their own password, never before.
    if user.password_hash is None and _membership(db, user, customer) is None:
        db.add(Membership(portal_user_id=user.id, customer_id=customer.id))
        db.flush()
    return _send_invite(db, organisation, customer, user)


def resend_invite(db: Session, *, organisation_slug: str, email: str) -> str:
    """Email a fresh link for the person's latest pending invitation; returns the link."""
    organisation = provider_organisation(db, organisation_slug)
    address = normalise_address(email) or email.strip()
    row = db.exec(
        _pending_query()
        .where(PortalUser.email == address, Organisation.id == organisation.id)
        .order_by(col(AuthToken.created_at).desc(), col(AuthToken.id).desc())
    ).first()
    if row is None:
        raise PortalError(f"{address} has no pending invitation to {organisation.name}.")
    _token, user, customer, _organisation_row = row
    return _send_invite(db, organisation, customer, user)


def pending_invites(db: Session, organisation_slug: str | None = None) -> list[PendingInvite]:
    """The latest invitation of every person and customer still waiting for a password, newest first."""
    query = _pending_query().order_by(col(AuthToken.created_at).desc(), col(AuthToken.id).desc())
    if organisation_slug is not None:
        query = query.where(Organisation.id == provider_organisation(db, organisation_slug).id)
    now = utcnow()
    seen: set[tuple[int, int]] = set()
    pending = []
    for token, user, customer, organisation in db.exec(query).all():
        if (user.id, customer.id) in seen:
            continue
        seen.add((user.id, customer.id))
        pending.append(
            PendingInvite(
                email=user.email,
                customer_name=customer.name,
                organisation_name=organisation.name,
                sent_at=token.created_at,
                expires_at=token.expires_at,
                expired=token.expires_at <= now,
            )
        )
    return pending


def check_invite_token(db: Session, token: str) -> InviteInfo | str:
    """The invitation behind a link, or the user-facing reason it cannot be used (a str)."""
    try:
        row = single_use_links.usable(db, token, TokenPurpose.INVITE)
    except PortalError as exc:
        return exc.message
    if row.customer_id is None:
        return _staff_invite_info(db, row)
    customer = db.get(Customer, row.customer_id) if row.customer_id is not None else None
    if customer is None:
        return single_use_links.INVALID
    user = db.get(PortalUser, row.portal_user_id)
    organisation = db.get(Organisation, customer.organisation_id)
    return InviteInfo(
        email=user.email,
        name=user.name,
        customer_name=customer.name,
        organisation_name=organisation.name,
        has_password=user.password_hash is not None,
    )


def accept_invite(db: Session, token: str, password: object, name: object = None) -> int:
    """Accept the invitation, using up the link; returns the user id.

    A new person chooses their password (and name, unless left blank). Someone who already has a password
    proves it instead, like signing in (wrong ones count towards the sign-in lock), and the customer is then
    linked to their account: an invitation never replaces a password. PortalError says what is wrong."""
    row = single_use_links.usable(db, token, TokenPurpose.INVITE)
    user = db.get(PortalUser, row.portal_user_id)
    if row.customer_id is None and (user.staff_organisation_id is None or user.password_hash is not None):
        raise PortalError(single_use_links.USED if user.password_hash is not None else single_use_links.INVALID)
    if user.password_hash is not None:
        return _link_existing_account(db, row, user, password)
    problem = password_problem(password)
    if problem:
        raise PortalError(problem, field="password")
    chosen_name = None if name is None or (isinstance(name, str) and not name.strip()) else clean_name(name)
    password_hash = hash_password(password)
    single_use_links.consume(db, row)
    user.password_hash = password_hash
    if chosen_name:
        user.name = chosen_name
    db.add(user)
    single_use_links.expire_outstanding(db, user.id)
    sessions.end_all_sessions(db, user.id)
    db.flush()
    return user.id


def _link_existing_account(db: Session, row: AuthToken, user: PortalUser, password: object) -> int:
    """Link the invited customer to the account of someone who proved its password."""
    keys = throttle.throttle_keys(user.email, "")
    if throttle.locked_until(db, keys) is not None:
        raise PortalError(TOO_MANY_TRIES)
    if not verify_password(password, user.password_hash):
        throttle.record_failure(db, keys)
        db.commit()  # the failure stays counted though the refusal below undoes the rest
        raise PortalError(NOT_YOUR_PASSWORD, field="password")
    single_use_links.consume(db, row)
    customer = db.get(Customer, row.customer_id)
    if _membership(db, user, customer) is None:
        db.add(Membership(portal_user_id=user.id, customer_id=customer.id))
    db.flush()
    return user.id


def accept_and_sign_in(
    db: Session, token: str, password: object, name: object, *, user_agent: str = "", client_ip: str = ""
) -> str:
    """Accept the invitation and open a session; "" when the person must sign in with their second step."""
    user_id = accept_invite(db, token, password, name)
    if two_factor.is_enabled(db, user_id):
        return ""
    return sessions.open_session(db, user_id, remember=False, user_agent=user_agent, client_ip=client_ip)


def send_staff_invite(db: Session, *, organisation_slug: str, email: str) -> str:
    """Email a staff member of the organisation who has not chosen a password yet a link to do so (earlier links stop
    working); returns the link. Commits before sending; raises MailError (with the link) when it cannot be sent."""
    organisation = provider_organisation(db, organisation_slug)
    address = normalise_address(email) or email.strip()
    user = _user(db, address)
    if user is None or user.staff_organisation_id != organisation.id or user.password_hash is not None:
        raise PortalError(f"{address} has no pending staff invitation to {organisation.name}.")
    if not user.is_active:
        raise PortalError(f"{address} is deactivated: reactivate them first.")
    token = single_use_links.issue(db, user_id=user.id, purpose=TokenPurpose.INVITE, lifetime=INVITE_LIFETIME)
    link = f"{settings().public_url}{ACCEPT_PATH}?token={token}"
    db.commit()  # as for customers: the link works once it is in the inbox, and SMTP holds no write lock
    try:
        send_mail(
            user.email,
            f"You're invited to the {organisation.name} console",
            _staff_invite_text(organisation, user, link),
        )
    except MailError as exc:
        raise MailError(f"{exc.message} The invitation is saved: give them this link yourself: {link}") from exc
    return link


def _staff_invite_info(db: Session, row: AuthToken) -> InviteInfo | str:
    """What the accept-invite page shows for a staff invitation (a link without a customer)."""
    user = db.get(PortalUser, row.portal_user_id)
    organisation = db.get(Organisation, user.staff_organisation_id) if user.staff_organisation_id else None
    if organisation is None:
        return single_use_links.INVALID
    if user.password_hash is not None:
        return single_use_links.USED
    return InviteInfo(
        email=user.email,
        name=user.name,
        customer_name="",
        organisation_name=organisation.name,
        has_password=False,
        for_staff=True,
    )


def _staff_invite_text(organisation: Organisation, user: PortalUser, link: str) -> str:
    work = (
        "as an administrator: customers, billing, settings and support"
        if user.staff_role == StaffRole.ADMIN
        else "as a support agent: tickets, help articles and customer satisfaction"
    )
    paragraphs = [
        f"Hello {user.name}," if user.name else "Hello,",
        f"{organisation.name} has invited you to the console of its customer portal, {work}.",
        "Open this link within 7 days to choose your password:",
        link,
    ]
    return "\n\n".join(paragraphs) + "\n"


def _send_invite(db: Session, organisation: Organisation, customer: Customer, user: PortalUser) -> str:
    token = single_use_links.issue(
        db,
        user_id=user.id,
        purpose=TokenPurpose.INVITE,
        lifetime=INVITE_LIFETIME,
        customer_id=customer.id,
    )
    link = f"{settings().public_url}{ACCEPT_PATH}?token={token}"
    db.commit()  # the link must work once it is in the inbox, and SMTP must not hold the write lock
    try:
        send_mail(
            user.email,
            f"You're invited to the {organisation.name} customer portal",
            _invite_text(organisation, customer, user.name, link, has_account=user.password_hash is not None),
        )
    except MailError as exc:
        raise MailError(
            f"{exc.message} The invitation is saved: give them this link yourself, or use resend-invite later: {link}"
        ) from exc
    return link


def _pending_query() -> Select[AuthToken, PortalUser, Customer, Organisation]:
    """Unused invitations: of active people without a password who are still linked to the customer, and of
    people with an account who have not accepted yet (they are linked when they do)."""
    return (
        select(AuthToken, PortalUser, Customer, Organisation)
        .join(PortalUser, col(PortalUser.id) == col(AuthToken.portal_user_id))
        .join(Customer, col(Customer.id) == col(AuthToken.customer_id))
        .join(Organisation, col(Organisation.id) == col(Customer.organisation_id))
        .outerjoin(
            Membership,
            (col(Membership.portal_user_id) == col(PortalUser.id)) & (col(Membership.customer_id) == col(Customer.id)),
        )
        .where(
            AuthToken.purpose == TokenPurpose.INVITE,
            col(AuthToken.used_at).is_(None),
            col(PortalUser.is_active).is_(True),
            or_(
                col(PortalUser.password_hash).is_(None) & col(Membership.id).is_not(None),  # new, still linked
                col(PortalUser.password_hash).is_not(None) & col(Membership.id).is_(None),  # has an account: not yet
            ),
        )
    )


def _user(db: Session, address: str) -> PortalUser | None:
    return db.exec(select(PortalUser).where(PortalUser.email == address)).first()


def _membership(db: Session, user: PortalUser, customer: Customer) -> Membership | None:
    return db.exec(
        select(Membership).where(Membership.portal_user_id == user.id, Membership.customer_id == customer.id)
    ).first()


def _invite_text(organisation: Organisation, customer: Customer, name: str, link: str, *, has_account: bool) -> str:
    greeting = f"Hello {name}," if name else "Hello,"
    contact = " or ".join(part for part in (organisation.email, organisation.phone) if part)
    paragraphs = [
        greeting,
        f"{organisation.name} has invited you to its customer portal for {customer.name}, where you can "
        "see your services, invoices and payments, pay online and contact support.",
        "Open this link within 7 days to sign in with your password and add it to your account:"
        if has_account
        else "Open this link within 7 days to choose your password:",
        link,
    ]
    if contact:
        paragraphs.append(f"Questions? Contact {organisation.name} at {contact}.")
    return "\n\n".join(paragraphs) + "\n"
