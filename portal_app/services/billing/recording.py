"""Record payments against invoices: a succeeded PaymentIntent exactly once (one Payment row per PaymentIntent), and
a manual payment the provider received another way; the invoice's paid amount moves with each."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.models import Customer, Invoice, InvoiceState, Organisation, Payment, PaymentAttempt, PaymentStatus
from portal_app.models.base import utcnow
from portal_app.models.payments import StripeRefund
from portal_app.payments.gateway import answered, as_dict, client, options

log = logging.getLogger(__name__)

REFUND = "refund"  # the PaymentAttempt kind that notes what of a payment went back to the customer
EXCESS = "excess"  # the portal's refund of what was paid beyond the balance (StripeRefund.own, refund metadata)
IN_FULL = "in_full"  # the refund note's status for a payment the portal gave back whole: none of it was applied
RECORDED = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED)
CAS_TRIES = 5
BALANCE_CHANGED = "The invoice was paid meanwhile: nothing was recorded. Look at its balance again."


class NotRecordedYet(Exception):
    """An event about a payment of ours that is not recorded yet: not applied, so Stripe delivers it again later."""


def record_succeeded(db: Session, intent: dict[str, Any], invoice: Invoice) -> bool:
    """Add the Payment for a succeeded PaymentIntent and raise the invoice's paid amount; False if already there.

    Only the invoice's balance is applied: a payment that finds no balance (an invoice already paid by another
    tab, Checkout Session or autopay, or a Void invoice) is refunded at Stripe in full and recorded as Refunded;
    a payment larger than the balance is recorded for the balance and the excess is refunded (one refund per
    PaymentIntent, noted on the payment). Flushes but does not commit: the caller commits (with the webhook's
    StripeEvent row when there is one). A concurrent writer of the same PaymentIntent makes the flush raise
    IntegrityError: roll back and retry.
    """
    link_attempt(db, intent)
    intent_id = intent["id"]
    amount = int(intent.get("amount_received") or intent.get("amount") or 0)
    currency = str(intent.get("currency", "")).upper()
    existing = db.exec(select(Payment).where(Payment.stripe_payment_intent_id == intent_id)).first()
    if existing is not None and existing.status in RECORDED:
        _close_attempts(db, intent_id, "succeeded")
        return False
    if existing is not None:
        payment = _claim_declined(db, existing, amount)  # it was declined before, then paid
    else:
        payment = Payment(
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            currency=currency,
            reference=intent_id,
            stripe_payment_intent_id=intent_id,
            amount_minor=amount,
            status=PaymentStatus.SUCCEEDED,
            processed_at=utcnow(),
            method="card",
        )
        db.add(payment)
        db.flush()  # the unique PaymentIntent: from here on this transaction alone records it
    if currency != invoice.currency.upper():
        log.warning("PaymentIntent %s in %s for invoice %s in %s", intent_id, currency, invoice.id, invoice.currency)
    else:
        applied = apply_to_balance(db, invoice, amount)
        if applied == 0:
            _refund_in_full(db, payment, invoice)
        elif applied < amount:
            payment.amount_minor = applied
            db.add(payment)
            _refund_excess(db, payment, invoice, amount - applied)
    _close_attempts(db, intent_id, "succeeded")
    db.refresh(invoice)
    return True


def record_manual(
    db: Session, invoice: Invoice, amount: int, *, processed_at: datetime, method: str, reference: str
) -> Payment | None:
    """A payment received outside Stripe (bank transfer, cash, cheque), applied to the invoice's balance like a
    card payment: Succeeded, for exactly `amount`. None, with nothing recorded, when the invoice is not issued or
    its balance (read again, compare-and-set) is smaller than the amount: the portal never records more than an
    invoice's balance against it. Flushes, the caller commits."""
    db.refresh(invoice)
    if invoice.state != InvoiceState.ISSUED or amount > invoice.total_minor - invoice.paid_minor:
        return None
    if apply_to_balance(db, invoice, amount) != amount:  # paid meanwhile: the caller's rollback undoes the part
        raise PortalError(BALANCE_CHANGED)
    payment = Payment(
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        amount_minor=amount,
        currency=invoice.currency,
        status=PaymentStatus.SUCCEEDED,
        processed_at=processed_at,
        reference=reference,
        method=method,
    )
    db.add(payment)
    db.flush()
    db.refresh(invoice)
    return payment


def _claim_declined(db: Session, payment: Payment, amount: int) -> Payment:
    """Turn the Failed (or Pending) row of a PaymentIntent Succeeded; compare-and-set on its status, so of two
    recorders of the same success one goes on and the other raises OperationalError (retried: then it is there)."""
    claimed = db.exec(
        update(Payment)
        .where(col(Payment.id) == payment.id, col(Payment.status) == payment.status)
        .values(
            status=PaymentStatus.SUCCEEDED,
            amount_minor=amount,
            reference=payment.stripe_payment_intent_id or "",
            failure_reason="",
            processed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise OperationalError("record payment", None, RuntimeError(f"payment {payment.id} recorded meanwhile"))
    db.refresh(payment)
    return payment


def apply_to_balance(db: Session, invoice: Invoice, amount: int) -> int:
    """Apply up to the balance of an issued invoice and return what was applied (0: Void, or nothing left).

    Compare-and-set on the paid amount: a concurrent payment of the same invoice makes this one look again.
    """
    for _ in range(CAS_TRIES):
        db.refresh(invoice)
        balance = invoice.total_minor - invoice.paid_minor
        if invoice.state != InvoiceState.ISSUED or balance <= 0:
            return 0
        applied = min(amount, balance)
        done = db.exec(
            update(Invoice)
            .where(
                col(Invoice.id) == invoice.id,
                col(Invoice.state) == InvoiceState.ISSUED,
                col(Invoice.paid_minor) == invoice.paid_minor,
            )
            .values(paid_minor=col(Invoice.paid_minor) + applied)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            return applied
    raise OperationalError("apply payment", None, RuntimeError(f"invoice {invoice.id} kept changing"))


def _refund_in_full(db: Session, payment: Payment, invoice: Invoice) -> None:
    """Give back a payment that found nothing to pay (already paid, or Void); StripeError leaves it for a retry.

    Each try has its own key (a retried key would only replay a stored failure); Stripe never refunds more than
    was paid, so when an earlier try did refund it (its answer lost), this one is refused as already refunded.
    """
    intent_id = payment.stripe_payment_intent_id or ""
    metadata = {"invoice_id": str(invoice.id), "portal_refund": IN_FULL}
    params: dict[str, Any] = {"payment_intent": intent_id, "metadata": metadata}
    if invoice.state == InvoiceState.ISSUED:
        params["reason"] = "duplicate"
    try:
        refund = client().v1.refunds.create(
            params, options(_account_of(db, invoice), f"refund-duplicate-{intent_id}-{uuid.uuid4().hex[:12]}")
        )
    except stripe.InvalidRequestError as exc:
        if exc.code != "charge_already_refunded":
            raise
    else:
        _store_own_refund(db, payment, as_dict(refund), IN_FULL)
    why = "is void" if invoice.state == InvoiceState.VOID else "was already paid"
    log.warning("Invoice %s %s: PaymentIntent %s refunded in full", invoice.id, why, intent_id)
    payment.status = PaymentStatus.REFUNDED
    db.add(payment)
    # The refund note says none of it was applied, so its refund events (and a failure of the refund) move no balance.
    db.add(
        PaymentAttempt(
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            kind=REFUND,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            idempotency_key=refund_key(intent_id),
            stripe_payment_intent_id=intent_id,
            status=IN_FULL,
        )
    )
    db.flush()


def _store_own_refund(db: Session, payment: Payment, refund: dict[str, Any], own: str) -> None:
    """Remember a refund the portal made (by Stripe's id), so its events coming back reopen nothing."""
    if db.get(StripeRefund, refund["id"]) is not None:
        return
    db.add(
        StripeRefund(
            id=str(refund["id"])[:120],
            payment_id=payment.id,
            amount_minor=int(refund.get("amount") or 0),
            currency=payment.currency,
            status=str(refund.get("status") or "pending")[:20],
            own=own,
        )
    )


def _refund_excess(db: Session, payment: Payment, invoice: Invoice, excess: int) -> None:
    """Refund what was paid beyond the balance, once per PaymentIntent, and note it on the payment.

    The Idempotency-Key is the PaymentIntent's own: a try after a lost answer or a rolled-back recording replays
    Stripe's refund instead of making a second one. With no answer from Stripe the error goes up (the event is
    retried); an answered refusal is noted as a failed refund for the provider and logged.
    """
    intent_id = payment.stripe_payment_intent_id or ""
    note = PaymentAttempt(
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        kind=REFUND,
        amount_minor=excess,
        currency=payment.currency,
        idempotency_key=refund_key(intent_id),
        stripe_payment_intent_id=intent_id,
        status="succeeded",
    )
    try:
        refund = client().v1.refunds.create(
            {
                "payment_intent": intent_id,
                "amount": excess,
                "metadata": {"invoice_id": str(invoice.id), "portal_refund": EXCESS},
            },
            options(_account_of(db, invoice), f"refund-excess-{intent_id}"),
        )
    except stripe.StripeError as exc:
        if not answered(exc):
            raise
        log.error("Refund of the excess %s of PaymentIntent %s failed: %s", excess, intent_id, exc)
        note.status = "failed"
        note.failure_reason = f"Refund of the excess failed: {exc.user_message or exc}"[:300]
    else:
        log.warning("Invoice %s: PaymentIntent %s paid %s over the balance, refunded", invoice.id, intent_id, excess)
        _store_own_refund(db, payment, as_dict(refund), EXCESS)
    db.add(note)
    db.flush()


def refund_key(intent_id: str) -> str:
    """The key of the refund note (a PaymentAttempt of kind "refund") of one PaymentIntent."""
    return f"refund-{intent_id}"


def _account_of(db: Session, invoice: Invoice) -> str:
    customer = db.get(Customer, invoice.customer_id)
    organisation = db.get(Organisation, customer.organisation_id)
    return organisation.stripe_account_id or ""


def record_failed(db: Session, intent: dict[str, Any], reason: str, invoice: Invoice | None = None) -> None:
    """A declined PaymentIntent: its attempt is marked failed and, when its invoice is known, billing history shows a
    Failed payment with the reason (one row per PaymentIntent). A PaymentIntent that already succeeded stays so
    (events arrive late); the invoice's balance never changes. Flushes, the caller commits.
    """
    link_attempt(db, intent)
    for attempt in _attempts(db, intent["id"]):
        if attempt.status != "succeeded":
            attempt.status = "failed"
            attempt.failure_reason = reason[:300]
            attempt.updated_at = utcnow()
            db.add(attempt)
    if invoice is not None:
        _failed_payment(db, intent, reason, invoice)


def _failed_payment(db: Session, intent: dict[str, Any], reason: str, invoice: Invoice) -> None:
    """The Failed Payment row of a declined PaymentIntent: the PaymentIntent as its reference, and the reason."""
    intent_id = str(intent["id"])
    reference, reason = intent_id[:120], reason[:300]
    payment = db.exec(select(Payment).where(Payment.stripe_payment_intent_id == intent_id)).first()
    if payment is not None:  # declined again: the newest reason, unless it succeeded meanwhile
        db.exec(
            update(Payment)
            .where(
                col(Payment.id) == payment.id,
                col(Payment.status).in_((PaymentStatus.FAILED, PaymentStatus.PENDING)),
            )
            .values(status=PaymentStatus.FAILED, reference=reference, failure_reason=reason, processed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return
    db.add(
        Payment(
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            stripe_payment_intent_id=intent_id,
            amount_minor=int(intent.get("amount") or 0),
            currency=str(intent.get("currency") or invoice.currency).upper()[:3],
            status=PaymentStatus.FAILED,
            reference=reference,
            failure_reason=reason,
            method="card",
        )
    )
    db.flush()  # the unique PaymentIntent: a concurrent writer of the same one makes this raise IntegrityError


def card_payment(db: Session, intent_id: Any, account: str | None, what: str) -> Payment | None:
    """The recorded card payment of a PaymentIntent an event (a refund, a dispute) is about, on this account.

    A PaymentIntent one of our attempts made whose payment is not recorded yet raises NotRecordedYet (the webhook
    answers 500 and Stripe delivers the event again later); others' PaymentIntents give None (ignored).
    """
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if not intent_id:
        return None
    payment = db.exec(select(Payment).where(Payment.stripe_payment_intent_id == str(intent_id))).first()
    recorded = payment is not None and payment.status in RECORDED
    if not recorded and (payment is not None or _attempts(db, str(intent_id))):
        raise NotRecordedYet(f"{what} for PaymentIntent {intent_id} before its payment is recorded")
    if payment is None or not recorded:
        return None
    customer = db.get(Customer, payment.customer_id)
    organisation = db.get(Organisation, customer.organisation_id)
    if account is not None and organisation.stripe_account_id != account:
        log.warning("%s for PaymentIntent %s came from account %s; ignored", what, intent_id, account)
        return None
    return payment


def lock_payment(db: Session, payment: Payment) -> None:
    """Take the payment's row lock: its refund and dispute events are applied one at a time, on fresh data."""
    db.exec(
        update(Payment)
        .where(col(Payment.id) == payment.id)
        .values(status=col(Payment.status))
        .execution_options(synchronize_session=False)
    )
    db.refresh(payment)


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
    """The checkout or autopay attempts of a PaymentIntent (not its refund note)."""
    return list(
        db.exec(
            select(PaymentAttempt).where(
                PaymentAttempt.stripe_payment_intent_id == intent_id, PaymentAttempt.kind != REFUND
            )
        ).all()
    )


def _close_attempts(db: Session, intent_id: str, status: str) -> None:
    for attempt in _attempts(db, intent_id):
        if attempt.status != status:
            attempt.status = status
            attempt.failure_reason = ""
            attempt.updated_at = utcnow()
            db.add(attempt)
