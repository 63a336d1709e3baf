"""What administrators do to a customer's portal access from the console: invite someone, link someone who already
signs in, resend a pending invitation, deactivate a person, delete the customer, allow online payments. Each writes
one audit entry in the same transaction, and reuses the services the CLI uses (accounts/invites.py,
accounts/customer_admin.py).

invite_person and resend_person_invite commit, then email: call them from a worker thread in the app.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.mail import normalise_address
from portal_app.models import Customer, Membership, PortalUser
from portal_app.services.access import admin_scope, customer_person, staff_customer
from portal_app.services.accounts import customer_admin, invites
from portal_app.services.accounts.sessions import Principal
from portal_app.services.console.audit import AuditAction, record
from portal_app.services.support.tickets import clean_line

NAME_MAX = 120
NO_EMAIL = "Enter the email address of the person."
NOT_AN_EMAIL = "{email} is not a valid email address."
STAFF_EMAIL = "{email} is a staff sign-in; customers need an email address of their own."
CHOOSE_A_CUSTOMER = "Search for and select the customer record to link the person to."
NO_ACCOUNT = "No one signs in with {email}. To give them access, invite them instead."
NOT_SET_UP = "{email} has not chosen a password yet. Invite them to this customer instead."
ACCOUNT_DEACTIVATED = "The portal account of {email} is deactivated."
ALREADY_LINKED = "{email} is already linked to {customer}."


def invite_person(
    db: Session, principal: Principal, customer_id: object, email: object, name: object, *, client_ip: str = ""
) -> str:
    """Link the person with this email to the customer and email them an invitation; returns what the page says.

    A person who already signs in is linked when they accept with their own password."""
    staff = admin_scope(db, principal)
    if customer_id in (None, "", 0):
        raise PortalError(CHOOSE_A_CUSTOMER)
    customer = staff_customer(db, staff, customer_id)
    address = _address(email)
    existing = db.exec(select(PortalUser).where(PortalUser.email == address)).first()
    if existing is not None and existing.staff_organisation_id is not None:
        raise PortalError(STAFF_EMAIL.format(email=address))
    person_name = clean_line(name)[:NAME_MAX] if isinstance(name, str) else ""
    record(db, staff, AuditAction.INVITED, client_ip=client_ip, customer=customer, person_email=address)
    invites.invite(
        db, organisation_slug=staff.organisation.slug, customer_id=customer.id, email=address, name=person_name
    )
    return f"Invitation sent to {address} for {customer.name}."


def link_existing_user(
    db: Session, principal: Principal, customer_id: object, email: object, *, client_ip: str = ""
) -> str:
    """Link the person who already signs in with this email to the customer: they see its data (and the
    organisation in their switcher) at their next page. Refused, at the email field, for an unknown address, a
    staff sign-in, a deactivated or unfinished account, or someone already linked. Returns what the page says."""
    staff = admin_scope(db, principal)
    customer = staff_customer(db, staff, customer_id)
    address = _address(email, field="email")
    person = db.exec(select(PortalUser).where(PortalUser.email == address)).first()
    if person is None:
        raise PortalError(NO_ACCOUNT.format(email=address), field="email")
    if person.staff_organisation_id is not None:
        raise PortalError(STAFF_EMAIL.format(email=address), field="email")
    if not person.is_active:
        raise PortalError(ACCOUNT_DEACTIVATED.format(email=address), field="email")
    if person.password_hash is None:
        raise PortalError(NOT_SET_UP.format(email=address), field="email")
    linked = db.exec(
        select(Membership.id).where(Membership.portal_user_id == person.id, Membership.customer_id == customer.id)
    ).first()
    if linked is not None:
        raise PortalError(ALREADY_LINKED.format(email=address, customer=customer.name), field="email")
    db.add(Membership(portal_user_id=person.id, customer_id=customer.id))
    record(db, staff, AuditAction.LINKED_USER, client_ip=client_ip, customer=customer, person_email=address)
    return f"{address} is now linked to {customer.name}: they see it when they next open the portal."


def resend_person_invite(
    db: Session, principal: Principal, customer_id: object, user_id: object, *, client_ip: str = ""
) -> str:
    """Email the person a fresh link for their pending invitation; returns what the page says."""
    staff = admin_scope(db, principal)
    customer = staff_customer(db, staff, customer_id)
    person = customer_person(db, customer, user_id)
    record(db, staff, AuditAction.RESENT_INVITE, client_ip=client_ip, customer=customer, person_email=person.email)
    invites.resend_invite(db, organisation_slug=staff.organisation.slug, email=person.email)
    return f"A new invitation link was sent to {person.email}."


def deactivate_person(
    db: Session, principal: Principal, customer_id: object, user_id: object, *, client_ip: str = ""
) -> str:
    """Stop the person signing in (their sessions and links end); refused for someone who is also a customer of
    another provider, whom that would lock out there too. Returns what the page says."""
    staff = admin_scope(db, principal)
    customer = staff_customer(db, staff, customer_id)
    person = customer_person(db, customer, user_id)
    if not person.is_active:
        raise PortalError(f"{person.email} is already deactivated.")
    elsewhere = db.exec(
        select(Membership.id)
        .join(Customer, col(Customer.id) == col(Membership.customer_id))
        .where(Membership.portal_user_id == person.id, Customer.organisation_id != staff.organisation.id)
    ).first()
    if person.staff_organisation_id is not None or elsewhere is not None:
        raise PortalError(f"{person.email} also signs in for another organisation, so they cannot be deactivated here.")
    record(db, staff, AuditAction.DEACTIVATED, client_ip=client_ip, customer=customer, person_email=person.email)
    customer_admin.deactivate_user(db, person.email)
    return f"{person.email} is deactivated: they can no longer sign in."


def delete_customer(db: Session, principal: Principal, customer_id: object, *, client_ip: str = "") -> str:
    """Delete the customer and all it owns; refused, with the reason, while an active portal user is linked."""
    staff = admin_scope(db, principal)
    customer = staff_customer(db, staff, customer_id)
    name = customer.name
    record(
        db, staff, AuditAction.DELETED_CUSTOMER, client_ip=client_ip, customer=customer, detail=customer.reference or ""
    )
    customer_admin.delete_customer(db, staff.organisation.slug, customer.id)
    return f"Customer {name} and everything linked to it were deleted."


def set_online_payments_allowed(
    db: Session, principal: Principal, customer_id: object, allowed: object, *, client_ip: str = ""
) -> str:
    """Allow or stop card payments for this one customer (the organisation's own setting still applies)."""
    staff = admin_scope(db, principal)
    customer = staff_customer(db, staff, customer_id)
    if not isinstance(allowed, bool):
        raise PortalError("Choose whether online payments are allowed.")
    if customer.online_payments_allowed == allowed:
        return "Nothing changed."
    customer.online_payments_allowed = allowed
    db.add(customer)
    words = "allowed" if allowed else "not allowed"
    record(
        db,
        staff,
        AuditAction.CUSTOMER_PAYMENTS,
        client_ip=client_ip,
        customer=customer,
        detail=f"Online payments {words}",
    )
    return f"Online payments are now {words} for {customer.name}."


def _address(email: object, *, field: str = "") -> str:
    text = email.strip() if isinstance(email, str) else ""
    if not text:
        raise PortalError(NO_EMAIL, field=field)
    address = normalise_address(text[:254])
    if address is None:
        raise PortalError(NOT_AN_EMAIL.format(email=text[:254]), field=field)
    return address
