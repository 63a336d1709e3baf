"""Settings → Payments in the console: the Stripe Connect status in words, refreshing it, onboarding, and the
organisation's online and automatic payments switches. Stripe is reached through services/billing/connect.py."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.errors import PortalError
from portal_app.models import Organisation
from portal_app.payments.gateway import stripe_configured
from portal_app.services.access import admin_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing import connect
from portal_app.services.console.audit import AuditAction, record

NO_ACCOUNT = "Connect a Stripe account first: customers can pay online only through it."


@dataclass(frozen=True)
class PaymentSettings:
    """What the payments settings page shows."""

    status: list[str]
    stripe_configured: bool
    has_account: bool
    onboarding_finished: bool
    online_payments_enabled: bool
    autopay_allowed: bool


def payment_settings(db: Session, principal: Principal) -> PaymentSettings:
    """The administrator's organisation's Stripe status and payment switches."""
    return _settings(admin_scope(db, principal).organisation)


def save_payment_settings(
    db: Session, principal: Principal, online: object, autopay: object, *, client_ip: str = ""
) -> PaymentSettings:
    """Switch online payments and automatic payments; automatic payments need online payments, and online payments
    a connected Stripe account. Audited when something changes."""
    staff = admin_scope(db, principal)
    organisation = staff.organisation
    if not isinstance(online, bool) or not isinstance(autopay, bool):
        raise PortalError("Choose whether online and automatic payments are on.")
    if online and not organisation.stripe_account_id:
        raise PortalError(NO_ACCOUNT)
    if autopay and not online:
        raise PortalError("Automatic payments need online payments: switch those on too, or leave both off.")
    if (online, autopay) != (organisation.online_payments_enabled, organisation.autopay_allowed):
        organisation.online_payments_enabled = online
        organisation.autopay_allowed = autopay
        db.add(organisation)
        detail = (
            f"Online payments {'on' if online else 'off'}, automatic payments {'allowed' if autopay else 'not allowed'}"
        )
        record(db, staff, AuditAction.PAYMENT_SETTINGS, client_ip=client_ip, detail=detail)
    return _settings(organisation)


def refresh_stripe_status(db: Session, principal: Principal, *, client_ip: str = "") -> PaymentSettings:
    """Read the connected account from Stripe again (connect.refresh_status) and show it."""
    staff = admin_scope(db, principal)
    connect.refresh_status(db, staff.organisation)
    record(
        db, staff, AuditAction.STRIPE_REFRESHED, client_ip=client_ip, detail=staff.organisation.stripe_account_id or ""
    )
    return _settings(staff.organisation)


def stripe_onboarding_url(db: Session, principal: Principal, *, client_ip: str = "") -> str:
    """Stripe's onboarding page for the organisation, creating its connected account first when it has none."""
    staff = admin_scope(db, principal)
    record(db, staff, AuditAction.STRIPE_ONBOARDING, client_ip=client_ip)
    link = connect.start_onboarding(db, staff.organisation)
    return link.url


def _settings(organisation: Organisation) -> PaymentSettings:
    return PaymentSettings(
        status=connect.status_in_words(organisation),
        stripe_configured=stripe_configured(),
        has_account=bool(organisation.stripe_account_id),
        onboarding_finished=organisation.stripe_details_submitted,
        online_payments_enabled=organisation.online_payments_enabled,
        autopay_allowed=organisation.autopay_allowed,
    )
