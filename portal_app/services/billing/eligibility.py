"""Whether card payments and automatic payments are offered to the signed-in customer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.models import Customer, Organisation
from portal_app.payments.gateway import PaymentError, stripe_configured
from portal_app.services.access import CustomerScope, customer_scope
from portal_app.services.accounts.sessions import Principal

ONLINE_OFF = "Online payments are not available for your account. Please contact your provider to pay."
AUTOPAY_OFF = "Automatic payments are not available for your account. Please contact your provider."


@dataclass(frozen=True)
class PaymentOptions:
    """What the Billing tab offers: card payments, automatic payments, and whom to contact otherwise."""

    online: bool
    autopay_allowed: bool
    contact_email: str
    contact_phone: str


def online_enabled(organisation: Organisation, customer: Customer) -> bool:
    """Card payments need the platform key, the provider's connected account switched on, and the customer allowed."""
    return bool(
        stripe_configured()
        and organisation.online_payments_enabled
        and organisation.stripe_account_id
        and customer.online_payments_allowed
    )


def autopay_enabled_for(organisation: Organisation, customer: Customer) -> bool:
    """Automatic payments need card payments and the provider allowing auto-charge."""
    return online_enabled(organisation, customer) and organisation.autopay_allowed


def payment_options(db: Session, principal: Principal) -> PaymentOptions:
    """The payment choices of the principal's customer."""
    scope = customer_scope(db, principal)
    return PaymentOptions(
        online=online_enabled(scope.organisation, scope.customer),
        autopay_allowed=autopay_enabled_for(scope.organisation, scope.customer),
        contact_email=scope.organisation.email,
        contact_phone=scope.organisation.phone,
    )


def online_scope(db: Session, principal: Principal, *, autopay: bool = False) -> CustomerScope:
    """The customer scope, or PaymentError when card payments (or automatic payments) are off."""
    scope = customer_scope(db, principal)
    allowed = autopay_enabled_for if autopay else online_enabled
    if not allowed(scope.organisation, scope.customer):
        raise PaymentError(AUTOPAY_OFF if autopay else ONLINE_OFF)
    return scope
