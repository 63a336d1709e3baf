"""Refunds of card payments, from Stripe's events: what went back reopens that part of the invoice's balance, once.

Stripe tells of refunds two ways: `charge.refunded` carries the charge's running total (`amount_refunded`), and
`refund.created` / `refund.updated` / `refund.failed` / `charge.refund.updated` carry one Refund with its status.
Both are kept (the largest total on the payment's refund note, each Refund by its id in StripeRefund) and the
refunded total is max(charge total, sum of the refunds seen) less the refunds that failed, so a refund seen both
ways counts once, in any order, and one that fails later (even after it succeeded) is taken back out: that part of
the balance is closed again, and the failure is logged and listed for the provider (`payments problems`).
The portal's own refunds (an excess, or a payment that found nothing to pay) reopen nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.models import Invoice, Payment, PaymentAttempt, PaymentStatus
from portal_app.models.base import utcnow
from portal_app.models.payments import StripeDispute, StripeRefund
from portal_app.services.billing.recording import (
    EXCESS,
    IN_FULL,
    REFUND,
    apply_to_balance,
    card_payment,
    lock_payment,
    refund_key,
)

log = logging.getLogger(__name__)

FAILED = frozenset({"failed", "canceled"})
# How far a Refund has got: an event with an earlier stage than the stored one is old news (a refund can fail
# after it succeeded; a failed or canceled one stays so).
STAGE = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}


def record_charge_refunded(db: Session, charge: dict[str, Any], account: str | None) -> None:
    """`charge.refunded`: the charge's refunded total (the largest seen counts; `refunded` means all of it)."""
    payment = card_payment(db, charge.get("payment_intent"), account, "charge.refunded")
    if payment is None:
        return
    note = _locked_note(db, payment)
    if note is None:
        return
    before = reopened_by_refunds(db, payment, note)
    total = int(charge.get("amount_refunded") or 0)
    if charge.get("refunded"):
        total = max(total, int(charge.get("amount") or 0))
    if total <= note.charge_refunded_minor:
        return  # a replay or an older total
    note.charge_refunded_minor = total
    _settle(db, payment, note, before)


def record_refund_object(db: Session, refund: dict[str, Any], account: str | None) -> None:
    """A Refund created or changed (`refund.created`, `refund.updated`, `refund.failed`, `charge.refund.updated`)."""
    payment = card_payment(db, refund.get("payment_intent"), account, f"refund {refund.get('id')}")
    if payment is None:
        return
    note = _locked_note(db, payment)
    if note is None:
        return
    before = reopened_by_refunds(db, payment, note)
    status = str(refund.get("status") or "pending")[:20]
    row = db.exec(
        select(StripeRefund).where(StripeRefund.id == str(refund["id"])).execution_options(populate_existing=True)
    ).first()
    if row is None:
        own = str((refund.get("metadata") or {}).get("portal_refund") or "")
        row = StripeRefund(
            id=str(refund["id"])[:120],
            payment_id=payment.id,
            amount_minor=int(refund.get("amount") or 0),
            currency=str(refund.get("currency") or payment.currency).upper()[:3],
            status=status,
            own=own if own in (EXCESS, IN_FULL) else "",
        )
    elif STAGE.get(status, 0) > STAGE.get(row.status, 0):
        row.status = status
        row.updated_at = utcnow()
    else:
        return  # a replay, or older news than what is stored
    if status in FAILED:
        row.failure_reason = _failure(refund)
        log.error(
            "Refund %s of %s (PaymentIntent %s) %s: %s; the provider must return the money another way",
            row.id,
            row.amount_minor,
            payment.stripe_payment_intent_id,
            status,
            row.failure_reason,
        )
    db.add(row)
    db.flush()
    _settle(db, payment, note, before)


def reopened_by_refunds(db: Session, payment: Payment, note: PaymentAttempt | None) -> int:
    """What of the payment's applied amount its refunds have given back (and so reopened on the invoice)."""
    if note is None:
        return 0
    total, own = _refunded(db, payment, note)
    room = max(0, applied_amount(payment, note) - _held(db, payment))
    return min(room, max(0, total - own))


def fully_reopened(db: Session, payment: Payment) -> bool:
    """True when refunds gave back all that was applied of the payment (it shows as Refunded)."""
    note = refund_note(db, payment)
    applied = applied_amount(payment, note)
    return applied > 0 and reopened_by_refunds(db, payment, note) >= applied


def _refunded(db: Session, payment: Payment, note: PaymentAttempt) -> tuple[int, int]:
    """The charge's refunded total as Stripe has told it so far, and the part of it that is the portal's own."""
    refunds = _refunds(db, payment)
    seen = sum(r.amount_minor for r in refunds)
    failed = sum(r.amount_minor for r in refunds if r.status in FAILED)
    own = sum(r.amount_minor for r in refunds if r.own and r.status not in FAILED)
    return max(note.charge_refunded_minor, seen) - failed, own


def applied_amount(payment: Payment, note: PaymentAttempt | None) -> int:
    """What of the payment counts on its invoice: nothing when the portal refunded it whole."""
    return 0 if note is not None and note.status == IN_FULL else payment.amount_minor


def _held(db: Session, payment: Payment) -> int:
    """What of the payment its open disputes have reopened (a refund cannot give that back a second time)."""
    return sum(d.reopened_minor for d in db.exec(select(StripeDispute).where(StripeDispute.payment_id == payment.id)))


def _settle(db: Session, payment: Payment, note: PaymentAttempt, before: int) -> None:
    """Store the new refunded total on the note and move the invoice's balance by what changed since `before`."""
    total, _ = _refunded(db, payment, note)
    after = reopened_by_refunds(db, payment, note)
    if note.status != IN_FULL and (total > 0 or note.status != "failed"):
        note.amount_minor, note.status, note.failure_reason = total, "succeeded", ""
    note.updated_at = utcnow()
    db.add(note)
    invoice = db.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None
    if invoice is not None and invoice.currency.upper() == payment.currency.upper() and after != before:
        if after > before:
            db.exec(
                update(Invoice)
                .where(col(Invoice.id) == invoice.id)
                .values(paid_minor=col(Invoice.paid_minor) - (after - before))
                .execution_options(synchronize_session=False)
            )
        else:
            closed = apply_to_balance(db, invoice, before - after)
            if closed < before - after:
                log.error(
                    "Invoice %s: a failed refund of PaymentIntent %s left %s more paid than owed (a credit)",
                    invoice.id,
                    payment.stripe_payment_intent_id,
                    before - after - closed,
                )
    applied = applied_amount(payment, note)
    if applied > 0 and payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
        payment.status = PaymentStatus.REFUNDED if after >= applied else PaymentStatus.SUCCEEDED
        db.add(payment)
    db.flush()


def _locked_note(db: Session, payment: Payment) -> PaymentAttempt | None:
    """The payment's refund note, made if needed, with the payment locked (None: a payment of no invoice)."""
    lock_payment(db, payment)
    note = refund_note(db, payment)
    if note is not None or payment.invoice_id is None:
        return note
    note = PaymentAttempt(
        invoice_id=payment.invoice_id,
        customer_id=payment.customer_id,
        kind=REFUND,
        amount_minor=0,
        currency=payment.currency,
        idempotency_key=refund_key(payment.stripe_payment_intent_id or ""),
        stripe_payment_intent_id=payment.stripe_payment_intent_id,
        status="succeeded",
    )
    db.add(note)
    db.flush()  # the unique key: a concurrent first refund of the same payment raises IntegrityError (retried)
    return note


def refund_note(db: Session, payment: Payment) -> PaymentAttempt | None:
    return db.exec(
        select(PaymentAttempt)
        .where(PaymentAttempt.idempotency_key == refund_key(payment.stripe_payment_intent_id or ""))
        .execution_options(populate_existing=True)
    ).first()


def _refunds(db: Session, payment: Payment) -> list[StripeRefund]:
    return list(
        db.exec(
            select(StripeRefund).where(StripeRefund.payment_id == payment.id).execution_options(populate_existing=True)
        ).all()
    )


def _failure(refund: dict[str, Any]) -> str:
    """Why a refund failed, in words (Stripe gives a code: lost_or_stolen_card, expired_or_canceled_card, ...)."""
    code = str(refund.get("failure_reason") or "")
    if refund.get("status") == "canceled":
        return "The refund was canceled."
    return FAILURE_WORDS.get(code, f"The refund failed ({code or 'no reason given'}).")


FAILURE_WORDS = {
    "lost_or_stolen_card": "The card was reported lost or stolen.",
    "expired_or_canceled_card": "The card has expired or was canceled.",
    "charge_for_pending_refund_disputed": "The customer disputed the payment while the refund was pending.",
    "insufficient_funds": "The Stripe balance had too little to cover the refund.",
    "declined": "The card's bank declined the refund.",
    "merchant_request": "The refund was canceled on request.",
    "unknown": "The refund failed for a reason Stripe did not give.",
}
