"""The signed-in customer's scope: every query about customer data starts here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.models import Customer, Organisation
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.errors import PortalError

NOT_LINKED = "Your sign-in is not linked to a customer account yet. Please contact your provider so they can link it."


class NotLinked(PortalError):
    """The person has no customer record to act as."""


@dataclass(frozen=True)
class CustomerScope:
    """The customer and organisation the principal acts as."""

    customer: Customer
    organisation: Organisation


def customer_scope(db: Session, principal: Principal) -> CustomerScope:
    """The principal's current customer and organisation, or NotLinked."""
    if principal.customer_id is None:
        raise NotLinked(NOT_LINKED)
    customer = db.get(Customer, principal.customer_id)
    if customer is None:
        raise NotLinked(NOT_LINKED)
    organisation = db.get(Organisation, customer.organisation_id)
    if organisation is None:
        raise NotLinked(NOT_LINKED)
    return CustomerScope(customer=customer, organisation=organisation)
