"""The organisation's customers as administrators list and search them, with whether a portal user is linked."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from portal_app.models import AuthToken, Customer, Membership, PortalUser, TokenPurpose
from portal_app.models.base import utcnow
from portal_app.services.access import admin_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.support.tickets import clean_line

CUSTOMERS_ROUTE = "/staff/customers"
SEARCH_MAX = 100
CHOICES_MAX = 8


class PortalAccess(enum.StrEnum):
    """Whether a customer's people can sign in: the most usable state of anyone linked or invited."""

    ACTIVE = "Active"
    INVITE_PENDING = "Invite pending"
    DEACTIVATED = "Deactivated"
    NONE = "None"


@dataclass(frozen=True)
class CustomerRow:
    """A customer as the console's list shows it."""

    id: int
    name: str
    reference: str
    email: str
    phone: str
    portal_user: str
    href: str


@dataclass(frozen=True)
class CustomerListPage:
    """One page of customers matching the search ("" for all)."""

    rows: list[CustomerRow]
    info: PageInfo
    search: str


@dataclass(frozen=True)
class CustomerChoice:
    """A customer offered while typing in the type-ahead: id, name and what else identifies it."""

    id: int
    name: str
    detail: str


def customer_href(customer_id: int) -> str:
    """The customer's page in the console."""
    return f"{CUSTOMERS_ROUTE}/{customer_id}"


def search_text(raw: object) -> str:
    """The search as typed, on one line and at most SEARCH_MAX characters ("" when it is not text)."""
    return clean_line(raw)[:SEARCH_MAX] if isinstance(raw, str) else ""


def customer_list(db: Session, principal: Principal, search: object, request: PageRequest) -> CustomerListPage:
    """One page of the organisation's customers by name, optionally only those whose name, email, phone or
    reference contains the search."""
    organisation = admin_scope(db, principal).organisation
    text = search_text(search)
    where = [col(Customer.organisation_id) == organisation.id, *_matching(text)]
    info = clamp(request, db.exec(select(func.count()).select_from(Customer).where(*where)).one())
    customers = db.exec(
        select(Customer)
        .where(*where)
        .order_by(func.lower(col(Customer.name)), col(Customer.id))
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    access = portal_access(db, customers)
    rows = [
        CustomerRow(
            id=customer.id,
            name=customer.name,
            reference=customer.reference or "",
            email=customer.email,
            phone=customer.phone,
            portal_user=access[customer.id].value,
            href=customer_href(customer.id),
        )
        for customer in customers
    ]
    return CustomerListPage(rows=rows, info=info, search=text)


def customer_choices(db: Session, principal: Principal, search: object) -> list[CustomerChoice]:
    """The first few customers matching what is typed (nothing until something is), for the type-ahead."""
    organisation = admin_scope(db, principal).organisation
    text = search_text(search)
    if not text:
        return []
    customers = db.exec(
        select(Customer)
        .where(col(Customer.organisation_id) == organisation.id, *_matching(text))
        .order_by(func.lower(col(Customer.name)), col(Customer.id))
        .limit(CHOICES_MAX)
    ).all()
    return [
        CustomerChoice(
            id=c.id, name=c.name, detail=" · ".join(part for part in (c.reference or "", c.email, c.phone) if part)
        )
        for c in customers
    ]


def portal_access(db: Session, customers: list[Customer]) -> dict[int, PortalAccess]:
    """Each customer's PortalAccess: Active when a linked person can sign in, Invite pending when someone is
    invited and has not accepted, Deactivated when everyone linked is, None when nobody is linked."""
    ids = [customer.id for customer in customers]
    found: dict[int, set[PortalAccess]] = {customer_id: set() for customer_id in ids}
    members = db.exec(
        select(Membership.customer_id, PortalUser.is_active, col(PortalUser.password_hash).is_not(None))
        .join(PortalUser, col(PortalUser.id) == col(Membership.portal_user_id))
        .where(col(Membership.customer_id).in_(ids))
    ).all()
    for customer_id, active, has_password in members:
        if not active:
            found[customer_id].add(PortalAccess.DEACTIVATED)
        else:
            found[customer_id].add(PortalAccess.ACTIVE if has_password else PortalAccess.INVITE_PENDING)
    invited = db.exec(
        select(AuthToken.customer_id)
        .join(PortalUser, col(PortalUser.id) == col(AuthToken.portal_user_id))
        .where(
            col(AuthToken.customer_id).in_(ids),
            AuthToken.purpose == TokenPurpose.INVITE,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.expires_at) > utcnow(),
            col(PortalUser.is_active).is_(True),
        )
    ).all()
    for customer_id in invited:
        found[customer_id].add(PortalAccess.INVITE_PENDING)
    order = (PortalAccess.ACTIVE, PortalAccess.INVITE_PENDING, PortalAccess.DEACTIVATED)
    return {
        customer_id: next((state for state in order if state in states), PortalAccess.NONE)
        for customer_id, states in found.items()
    }


def _matching(text: str) -> list[ColumnElement[bool]]:
    """The condition that a customer's name, email, phone or reference contains the text (none for "")."""
    if not text:
        return []
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    columns = (Customer.name, Customer.email, Customer.phone, Customer.reference)
    return [or_(*(func.lower(col(column)).like(pattern, escape="\\") for column in columns))]
