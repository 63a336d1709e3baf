"""Whether card payments and automatic payments are offered to the signed-in customer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.models import Customer, Organisation
from portal_app.payments.gateway import PaymentError, stripe_configured
from portal_app.services.access import CustomerScope, customer_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.contact_links import tel_link

ONLINE_OFF = "Online payments are not available for your account. Please contact your provider to pay."
AUTOPAY_OFF = "Automatic payments are not available for your account. Please contact your provider."


@dataclass(frozen=True)
class PaymentOptions:
    """What the Billing tab offers: card payments, automatic payments, and whom to contact otherwise."""

    online: bool
    autopay_allowed: bool
    contact_email: str
    contact_phone: str
    contact_phone_href: str  # tel: link of the phone, "" without one


def charges_enabled(organisation: Organisation) -> bool:
    """Stripe lets the provider's connected account take card payments (its status as last read: billing/connect.py)."""
    return bool(organisation.stripe_account_id and organisation.stripe_charges_enabled)


def online_enabled(organisation: Organisation, customer: Customer) -> bool:
    """Card payments need the platform key, the provider's connected account switched on and able to take card
    payments, and the customer allowed."""
    return bool(
        stripe_configured()
        and organisation.online_payments_enabled
        and charges_enabled(organisation)
        and customer.online_payments_allowed
    )


def autopay_enabled_for(organisation: Organisation, customer: Customer) -> bool:
    """Automatic payments need card payments and the provider allowing auto-charge."""
    return online_enabled(organisation, customer) and organisation.autopay_allowed


def autopay_skipped_note(organisation: Organisation) -> str | None:
    """The one line for the operator when the provider allows automatic payments but Stripe does not let its
    connected account take card payments (so none are attempted); None otherwise."""
    if not (organisation.online_payments_enabled and organisation.autopay_allowed) or charges_enabled(organisation):
        return None
    account = organisation.stripe_account_id or "no Stripe account connected"
    return (
        f"{organisation.name}: automatic payments skipped, Stripe has not enabled card payments on its account "
        f"({account}); see stripe-status {organisation.slug}."
    )


def payment_options(db: Session, principal: Principal) -> PaymentOptions:
    """The payment choices of the principal's customer."""
    scope = customer_scope(db, principal)
    return PaymentOptions(
        online=online_enabled(scope.organisation, scope.customer),
        autopay_allowed=autopay_enabled_for(scope.organisation, scope.customer),
        contact_email=scope.organisation.email,
        contact_phone=scope.organisation.phone,
        contact_phone_href=tel_link(scope.organisation.phone),
    )


def online_scope(db: Session, principal: Principal, *, autopay: bool = False) -> CustomerScope:
    """The customer scope, or PaymentError when card payments (or automatic payments) are off."""
    scope = customer_scope(db, principal)
    allowed = autopay_enabled_for if autopay else online_enabled
    if not allowed(scope.organisation, scope.customer):
        raise PaymentError(AUTOPAY_OFF if autopay else ONLINE_OFF)
    return scope
