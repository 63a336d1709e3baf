"""The saved card behind automatic payments: Stripe Customer, setup-mode Checkout, status and switching off."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice, PaymentAttempt, StripeCustomer
from portal_app.models.base import utcnow
from portal_app.payments.gateway import PaymentError, answered, as_dict, client, options
from portal_app.services.access import CustomerScope, customer_scope, stripe_customer
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.eligibility import autopay_enabled_for, online_scope
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money

log = logging.getLogger(__name__)

COULD_NOT_SET_UP = "We could not reach the payment provider to save your card. Please try again later."


@dataclass(frozen=True)
class AutopayStatus:
    """The Automatic payments section: allowed at all, on or off, the saved card, and the last failed charge."""

    allowed: bool
    enabled: bool
    card_brand: str
    card_last4: str
    card_exp: str
    last_problem: str


def stripe_customer_of(db: Session, customer: Customer, account: str) -> StripeCustomer | None:
    """The customer's Stripe Customer row on the connected account, if any (its id is empty while being created)."""
    return db.exec(
        select(StripeCustomer).where(
            StripeCustomer.customer_id == customer.id, StripeCustomer.stripe_account_id == account
        )
    ).first()


def ensure_stripe_customer(db: Session, scope: CustomerScope) -> StripeCustomer:
    """The Stripe Customer of this portal customer on the connected account, created once.

    The row is stored first, without a Stripe id: its time stamp names the Idempotency-Key, so another tab or a
    try after a timeout sends the same key and gets the same Customer. If Stripe answers with an error (stored
    under that key), the stamp moves on and the next try sends a new key.
    """
    customer, account = scope.customer, scope.organisation.stripe_account_id or ""
    row = stripe_customer_of(db, customer, account)
    if row is not None and row.stripe_customer_id:
        return row
    if row is None:
        db.add(StripeCustomer(customer_id=customer.id, stripe_account_id=account, stripe_customer_id=""))
        try:
            db.commit()
        except IntegrityError:
            db.rollback()  # another tab stored it at the same moment: use its row and key
        row = stripe_customer_of(db, customer, account)
        if row is None:
            raise PaymentError(COULD_NOT_SET_UP)
    params: dict[str, Any] = {"name": customer.name, "metadata": {"customer_id": str(customer.id)}}
    if customer.email:
        params["email"] = customer.email
    key = f"customer-{customer.id}-{account}-{row.updated_at:%Y%m%d%H%M%S%f}"
    try:
        created = as_dict(client().v1.customers.create(params, options(account, key)))
    except stripe.StripeError as exc:
        if answered(exc):
            row.updated_at = utcnow()
            db.add(row)
            db.commit()
        raise
    if not row.stripe_customer_id:
        row.stripe_customer_id = created["id"]
        db.add(row)
        db.commit()
    return row


def start_card_setup(db: Session, principal: Principal, *, return_base: str) -> str:
    """The Stripe-hosted page that saves a card for automatic payments (enable or update)."""
    scope = online_scope(db, principal, autopay=True)
    account = scope.organisation.stripe_account_id or ""
    base = return_base.rstrip("/")
    metadata = {"customer_id": str(scope.customer.id), "purpose": "autopay"}
    try:
        holder = ensure_stripe_customer(db, scope)
        session = as_dict(
            client().v1.checkout.sessions.create(
                {
                    "mode": "setup",
                    "customer": holder.stripe_customer_id,
                    "currency": scope.customer.currency.lower(),
                    # Cards only (the section shows and charges a saved card), filtered from the payment methods
                    # the provider's Stripe settings offer: `payment_method_types` is gone from this API version.
                    "allowed_payment_method_types": ["card"],
                    "metadata": metadata,
                    "setup_intent_data": {"metadata": metadata},
                    "success_url": f"{base}/portal/billing?card=saved&session_id={{CHECKOUT_SESSION_ID}}",
                    "cancel_url": f"{base}/portal/billing?card=cancelled",
                },
                options(account),
            )
        )
    except stripe.StripeError as exc:
        log.warning("Card setup for customer %s failed: %s", scope.customer.id, exc)
        raise PaymentError(COULD_NOT_SET_UP) from exc
    return session.get("url") or ""


def card_setup_return(db: Session, principal: Principal, session_id: str) -> AutopayStatus:
    """After the setup-mode success redirect: save the card now if the webhook has not yet (same path)."""
    scope = customer_scope(db, principal)
    account = scope.organisation.stripe_account_id or ""
    try:
        session = as_dict(client().v1.checkout.sessions.retrieve(session_id, options=options(account)))
        if session.get("mode") == "setup" and str((session.get("metadata") or {}).get("customer_id")) == str(
            scope.customer.id
        ):
            save_card(db, session, account)
            db.commit()
    except stripe.StripeError as exc:
        db.rollback()
        log.warning("Could not complete card setup %s yet (the webhook will): %s", session_id, exc)
    return autopay_status(db, principal)


def save_card(db: Session, session: dict[str, Any], account: str | None) -> None:
    """A completed setup-mode session: remember the card and switch automatic payments on (flushes only)."""
    if session.get("status") not in (None, "complete"):
        return
    row = stripe_customer(db, session.get("metadata") or {}, account)
    if row is None or row.stripe_customer_id != session.get("customer"):
        log.warning("Setup session %s does not match a Stripe Customer of ours; ignored", session.get("id"))
        return
    setup_ref = session.get("setup_intent")
    setup_id = setup_ref["id"] if isinstance(setup_ref, dict) else setup_ref
    if not setup_id:
        return
    stripe_client = client()
    setup_intent = as_dict(stripe_client.v1.setup_intents.retrieve(setup_id, options=options(account)))
    method_ref = setup_intent.get("payment_method")
    method_id = method_ref["id"] if isinstance(method_ref, dict) else method_ref
    if not method_id or method_id == row.payment_method_id:
        return
    method = as_dict(stripe_client.v1.payment_methods.retrieve(method_id, options=options(account)))
    card = method.get("card") or {}
    previous = row.payment_method_id
    row.payment_method_id = method_id
    row.card_brand = str(card.get("brand", ""))[:20]
    row.card_last4 = str(card.get("last4", ""))[:4]
    row.card_exp_month = card.get("exp_month")
    row.card_exp_year = card.get("exp_year")
    row.autopay_enabled = True
    row.updated_at = utcnow()
    db.add(row)
    db.flush()
    if previous:
        _detach(account, previous)


def card_updated(db: Session, method: dict[str, Any], account: str | None, changed_at: int) -> None:
    """`payment_method.automatically_updated`: the card network gave a saved card a new number or expiry date.

    The card shown is updated on the Stripe Customer rows of this connected account that still use this payment
    method (a card replaced meanwhile is left alone). `changed_at` is the event's time: an older update arriving
    after a newer one (or after the card was saved) changes nothing. Flushes, the caller commits.
    """
    card = method.get("card") or {}
    if not account or not method.get("id") or not card:
        return
    when = datetime.fromtimestamp(changed_at, UTC)
    db.exec(
        update(StripeCustomer)
        .where(
            col(StripeCustomer.stripe_account_id) == account,
            col(StripeCustomer.payment_method_id) == str(method["id"]),
            col(StripeCustomer.updated_at) <= when,
        )
        .values(
            card_brand=str(card.get("brand", ""))[:20],
            card_last4=str(card.get("last4", ""))[:4],
            card_exp_month=card.get("exp_month"),
            card_exp_year=card.get("exp_year"),
            updated_at=when,
        )
        .execution_options(synchronize_session=False)
    )
    db.flush()


def _detach(account: str, method_id: str) -> None:
    """Remove a card from the Stripe Customer; a failure is logged (the card is no longer used either way)."""
    try:
        client().v1.payment_methods.detach(method_id, options=options(account))
    except stripe.StripeError as exc:
        log.warning("Could not detach payment method %s on %s: %s", method_id, account, exc)


def disable_autopay(db: Session, principal: Principal) -> AutopayStatus:
    """Stop future automatic charges and remove the saved card at Stripe; returns the section as it now stands."""
    scope = customer_scope(db, principal)
    account = scope.organisation.stripe_account_id or ""
    row = stripe_customer_of(db, scope.customer, account)
    if row is None or (not row.autopay_enabled and not row.payment_method_id):
        return autopay_status(db, principal)
    method_id = row.payment_method_id
    row.autopay_enabled = False
    row.payment_method_id = None
    row.card_brand, row.card_last4 = "", ""
    row.card_exp_month = row.card_exp_year = None
    row.updated_at = utcnow()
    db.add(row)
    db.commit()
    if method_id:
        _detach(account, method_id)
    return autopay_status(db, principal)


def autopay_status(db: Session, principal: Principal) -> AutopayStatus:
    """The Automatic payments section of the Billing tab."""
    scope = customer_scope(db, principal)
    customer, organisation = scope.customer, scope.organisation
    allowed = autopay_enabled_for(organisation, customer)
    row = stripe_customer_of(db, customer, organisation.stripe_account_id or "")
    enabled = bool(allowed and row is not None and row.autopay_enabled and row.payment_method_id)
    exp = ""
    if enabled and row is not None and row.card_exp_month and row.card_exp_year:
        exp = f"{row.card_exp_month:02d}/{row.card_exp_year % 100:02d}"
    return AutopayStatus(
        allowed=allowed,
        enabled=enabled,
        card_brand=row.card_brand.title() if enabled and row is not None else "",
        card_last4=row.card_last4 if enabled and row is not None else "",
        card_exp=exp,
        last_problem=_last_problem(db, customer) if allowed else "",
    )


def _last_problem(db: Session, customer: Customer) -> str:
    """What went wrong with the latest automatic charge, if it failed."""
    latest = db.exec(
        select(PaymentAttempt)
        .where(PaymentAttempt.customer_id == customer.id, PaymentAttempt.kind == "autopay")
        .order_by(col(PaymentAttempt.id).desc())
        .limit(1)
    ).first()
    if latest is None or latest.status != "failed":
        return ""
    invoice = db.get(Invoice, latest.invoice_id)
    number = invoice_number(invoice) if invoice else f"#{latest.invoice_id}"
    amount = format_money(latest.amount_minor, latest.currency, customer.locale)
    when = show_date(latest.created_at.date(), customer.locale)
    return f"The automatic payment of {amount} for invoice {number} on {when} failed: {latest.failure_reason}"
