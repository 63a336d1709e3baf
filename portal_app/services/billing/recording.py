"""Record a succeeded PaymentIntent exactly once: one Payment row per PaymentIntent, the invoice updated with it."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import stripe
from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice, Organisation, Payment, PaymentAttempt, PaymentStatus
from portal_app.models.base import utcnow
from portal_app.payments.gateway import client, options

log = logging.getLogger(__name__)


def record_succeeded(db: Session, intent: dict[str, Any], invoice: Invoice) -> bool:
    """Add the Payment for a succeeded PaymentIntent and raise the invoice's paid amount; False if already there.

    A payment for an invoice that another payment already settled (two tabs, two Checkout Sessions, autopay
    racing the customer) is a duplicate: it is refunded at Stripe and recorded as Refunded, never applied.
    Flushes but does not commit: the caller commits (with the webhook's StripeEvent row when there is one).
    A concurrent writer of the same PaymentIntent makes the flush raise IntegrityError: roll back and retry.
    """
    link_attempt(db, intent)
    intent_id = intent["id"]
    amount = int(intent.get("amount_received") or intent.get("amount") or 0)
    currency = str(intent.get("currency", "")).upper()
    existing = db.exec(select(Payment).where(Payment.stripe_payment_intent_id == intent_id)).first()
    if existing is not None and existing.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
        _close_attempts(db, intent_id, "succeeded")
        return False
    payment = existing or Payment(
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        currency=currency,
        reference=intent_id,
        stripe_payment_intent_id=intent_id,
        amount_minor=amount,
    )
    payment.status = PaymentStatus.SUCCEEDED
    payment.amount_minor = amount
    payment.processed_at = utcnow()
    db.add(payment)
    db.flush()  # the unique PaymentIntent: from here on this transaction alone records it
    if currency != invoice.currency.upper():
        log.warning("PaymentIntent %s in %s for invoice %s in %s", intent_id, currency, invoice.id, invoice.currency)
    elif not _apply_to_balance(db, invoice, amount):
        _refund_duplicate(db, payment, invoice)
    _close_attempts(db, intent_id, "succeeded")
    db.refresh(invoice)
    return True


def _apply_to_balance(db: Session, invoice: Invoice, amount: int) -> bool:
    """Raise the paid amount while a balance is left (one statement: concurrent payments see each other)."""
    applied = db.exec(
        update(Invoice)
        .where(col(Invoice.id) == invoice.id, col(Invoice.paid_minor) < col(Invoice.total_minor))
        .values(paid_minor=col(Invoice.paid_minor) + amount)
        .execution_options(synchronize_session=False)
    )
    return applied.rowcount == 1


def _refund_duplicate(db: Session, payment: Payment, invoice: Invoice) -> None:
    """Give back a payment for an invoice that was already paid; StripeError leaves it for the event's retry.

    Each try has its own key (a retried key would only replay a stored failure); Stripe never refunds more than
    was paid, so when an earlier try did refund it (its answer lost), this one is refused as already refunded.
    """
    customer = db.get(Customer, invoice.customer_id)
    organisation = db.get(Organisation, customer.organisation_id)
    intent_id = payment.stripe_payment_intent_id or ""
    try:
        client().v1.refunds.create(
            {"payment_intent": intent_id, "reason": "duplicate", "metadata": {"invoice_id": str(invoice.id)}},
            options(organisation.stripe_account_id or "", f"refund-duplicate-{intent_id}-{uuid.uuid4().hex[:12]}"),
        )
    except stripe.InvalidRequestError as exc:
        if exc.code != "charge_already_refunded":
            raise
    log.warning("Invoice %s was already paid: PaymentIntent %s refunded as a duplicate", invoice.id, intent_id)
    payment.status = PaymentStatus.REFUNDED
    db.add(payment)
    db.flush()


def record_failed(db: Session, intent: dict[str, Any], reason: str) -> None:
    """Mark the attempt of a failed PaymentIntent as failed, unless it already succeeded (events arrive late)."""
    link_attempt(db, intent)
    for attempt in _attempts(db, intent["id"]):
        if attempt.status != "succeeded":
            attempt.status = "failed"
            attempt.failure_reason = reason[:300]
            attempt.updated_at = utcnow()
            db.add(attempt)


def record_refund(db: Session, charge: dict[str, Any]) -> None:
    """A fully refunded charge: the payment shows Refunded and the invoice's paid amount goes back down."""
    intent_id = charge.get("payment_intent")
    if not intent_id or not charge.get("refunded"):
        return
    payment = db.exec(select(Payment).where(Payment.stripe_payment_intent_id == intent_id)).first()
    if payment is None or payment.status != PaymentStatus.SUCCEEDED:
        return
    payment.status = PaymentStatus.REFUNDED
    db.add(payment)
    if payment.invoice_id is not None:
        db.exec(
            update(Invoice)
            .where(col(Invoice.id) == payment.invoice_id, col(Invoice.currency) == payment.currency)
            .values(paid_minor=col(Invoice.paid_minor) - payment.amount_minor)
            .execution_options(synchronize_session=False)
        )


def link_attempt(db: Session, intent: dict[str, Any]) -> None:
    """Note the PaymentIntent on the attempt that created it (named by its key in the intent's metadata)."""
    key = (intent.get("metadata") or {}).get("attempt_key")
    if not key:
        return
    attempt = db.exec(select(PaymentAttempt).where(PaymentAttempt.idempotency_key == key)).first()
    if attempt is not None and attempt.stripe_payment_intent_id != intent["id"]:
        attempt.stripe_payment_intent_id = intent["id"]
        db.add(attempt)
        db.flush()


def _attempts(db: Session, intent_id: str) -> list[PaymentAttempt]:
    return list(db.exec(select(PaymentAttempt).where(PaymentAttempt.stripe_payment_intent_id == intent_id)).all())


def _close_attempts(db: Session, intent_id: str, status: str) -> None:
    for attempt in _attempts(db, intent_id):
        if attempt.status != status:
            attempt.status = status
            attempt.failure_reason = ""
            attempt.updated_at = utcnow()
            db.add(attempt)
