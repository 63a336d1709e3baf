"""Disputes of card payments, from Stripe's `charge.dispute.*` events: the disputed part of the balance reopens while
the bank holds the money, and is applied again when the provider wins.

Every dispute event carries the whole Dispute, so all of them (created, updated, funds_withdrawn, funds_reinstated,
closed) go through `record_dispute`, which acts on the dispute's status and keeps the furthest stage seen: a replay,
or an older event arriving after a newer one (`closed` before `created`), changes nothing, and the balance is
reopened and restored at most once per dispute.

- needs_response, under_review (and appeal_*): the bank took the money back from the provider. The payment shows
  Disputed and the disputed part (at most what is still applied) is owed again.
- won (also warning_closed, prevented): the money is the provider's again. The part reopened is applied again (up to
  the balance: what the customer paid meanwhile is logged as a credit) and the payment shows Succeeded.
- lost: the customer keeps the money the bank returned. The payment stays Disputed and the invoice stays open for
  the disputed part: the customer sees the card payment as Disputed in billing history and the invoice as Partially
  paid (or Overdue) with that balance to pay again, the Pay button included.
- warning_needs_response, warning_under_review: an inquiry (a retrieval request); no money moved, so the balance and
  the payment's status stay as they are, and the provider sees the inquiry in `payments problems`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.models import Invoice, Payment, PaymentStatus
from portal_app.models.base import utcnow
from portal_app.models.payments import StripeDispute
from portal_app.services.billing.recording import apply_to_balance, card_payment, lock_payment
from portal_app.services.billing.refunds import applied_amount, fully_reopened, refund_note, reopened_by_refunds

log = logging.getLogger(__name__)

# The order a dispute moves in; an event whose status is not further than the stored one is old news.
STAGE = {
    "warning_needs_response": 0,
    "warning_under_review": 1,
    "needs_response": 2,
    "under_review": 3,
    "lost": 4,
    "appeal_needs_response": 5,
    "appeal_under_review": 6,
    "won": 7,
    "warning_closed": 7,
    "prevented": 7,
}
HOLDING = frozenset({"needs_response", "under_review", "lost", "appeal_needs_response", "appeal_under_review"})
INQUIRY = frozenset({"warning_needs_response", "warning_under_review"})


def record_dispute(db: Session, dispute: dict[str, Any], account: str | None) -> None:
    """Apply a Dispute as Stripe now shows it (any `charge.dispute.*` event). Flushes, the caller commits."""
    payment = card_payment(db, dispute.get("payment_intent"), account, f"dispute {dispute.get('id')}")
    if payment is None:
        return
    lock_payment(db, payment)
    status = str(dispute.get("status") or "needs_response")[:30]
    row = db.exec(
        select(StripeDispute).where(StripeDispute.id == str(dispute["id"])).execution_options(populate_existing=True)
    ).first()
    if row is None:
        row = StripeDispute(
            id=str(dispute["id"])[:120],
            payment_id=payment.id,
            amount_minor=int(dispute.get("amount") or 0),
            currency=str(dispute.get("currency") or payment.currency).upper()[:3],
            status=status,
            reason=str(dispute.get("reason") or "")[:40],
        )
    elif STAGE.get(status, 2) > STAGE.get(row.status, 2):
        row.status = status
    else:
        return  # a replay, or older news than what is stored
    row.updated_at = utcnow()
    if status in HOLDING and row.reopened_minor == 0:
        _reopen(db, payment, row)
    elif status not in HOLDING and row.reopened_minor > 0:
        _restore(db, payment, row)
    db.add(row)
    db.flush()
    _show_status(db, payment)


def _reopen(db: Session, payment: Payment, row: StripeDispute) -> None:
    """The bank took the disputed amount back: that part of what the payment applied is owed again."""
    note = refund_note(db, payment)
    held = sum(d.reopened_minor for d in _disputes(db, payment) if d.id != row.id)
    room = applied_amount(payment, note) - reopened_by_refunds(db, payment, note) - held
    amount = max(0, min(row.amount_minor, room))
    invoice = db.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None
    if amount == 0 or invoice is None or row.currency != invoice.currency.upper():
        log.warning("Dispute %s of PaymentIntent %s reopens nothing", row.id, payment.stripe_payment_intent_id)
        return
    db.exec(
        update(Invoice)
        .where(col(Invoice.id) == invoice.id)
        .values(paid_minor=col(Invoice.paid_minor) - amount)
        .execution_options(synchronize_session=False)
    )
    row.reopened_minor = amount
    log.warning("Dispute %s: %s of invoice %s is open again", row.id, amount, invoice.id)


def _restore(db: Session, payment: Payment, row: StripeDispute) -> None:
    """The provider got the money back: apply the part the dispute had reopened again, up to the balance."""
    invoice = db.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None
    applied = apply_to_balance(db, invoice, row.reopened_minor) if invoice is not None else 0
    if applied < row.reopened_minor:
        log.error(
            "Dispute %s was closed (%s) but invoice %s was paid meanwhile: %s is a credit of the customer",
            row.id,
            row.status,
            payment.invoice_id,
            row.reopened_minor - applied,
        )
    row.reopened_minor = 0


def _show_status(db: Session, payment: Payment) -> None:
    """Disputed while a dispute holds the money (or was lost); else Succeeded (Refunded when refunds gave all back)."""
    if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.DISPUTED):
        return
    disputed = any(d.status in HOLDING for d in _disputes(db, payment))
    status = PaymentStatus.DISPUTED if disputed else PaymentStatus.SUCCEEDED
    if not disputed and fully_reopened(db, payment):
        status = PaymentStatus.REFUNDED
    if payment.status != status:
        payment.status = status
        db.add(payment)
        db.flush()


def _disputes(db: Session, payment: Payment) -> list[StripeDispute]:
    return list(
        db.exec(
            select(StripeDispute)
            .where(StripeDispute.payment_id == payment.id)
            .execution_options(populate_existing=True)
        ).all()
    )
