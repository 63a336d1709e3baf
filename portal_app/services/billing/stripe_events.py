"""Stripe webhook events: each event id processed once, in the same transaction as its effect."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from portal_app.config import settings
from portal_app.models import PaymentAttempt, StripeEvent
from portal_app.models.base import utcnow
from portal_app.payments.gateway import as_dict
from portal_app.services.access import stripe_invoice
from portal_app.services.billing import cards, connect
from portal_app.services.billing.disputes import record_dispute
from portal_app.services.billing.recording import record_failed, record_succeeded
from portal_app.services.billing.refunds import record_charge_refunded, record_refund_object

log = logging.getLogger(__name__)

HANDLED = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.refund.updated",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
    "payment_method.automatically_updated",
    "account.updated",
)
# Each carries the whole Refund: its status decides (created, then succeeded, or failed/canceled even after that).
REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
# Each carries the whole Dispute, so all are handled alike by its status: `updated` brings an inquiry that became a
# chargeback (or evidence under review), `funds_withdrawn` / `funds_reinstated` come with needs_response / won and
# make no difference of their own (the furthest status seen decides, whichever event arrives first).
DISPUTE_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
)
ASYNC_FAILED = "The payment was not completed: the bank declined it or it was not confirmed in time."
RETRIES = 3
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")


def live_key() -> bool:
    """True when the configured secret key is a live one (sk_live_/rk_live_); any other key is test mode."""
    return settings().stripe_secret_key.startswith(LIVE_KEY_PREFIXES)


def other_mode(event: Any) -> bool:
    """True for an event of the other mode than our key (a test event at a live endpoint, or the reverse).

    Stripe sends both to an endpoint registered in both modes; such an event is acknowledged and ignored.
    """
    livemode = as_dict(event).get("livemode")
    return bool(livemode) != live_key()


def handle_event(db: Session, event: Any) -> None:
    """Apply one verified event and store its id, all in one commit; an id already stored changes nothing."""
    data = as_dict(event)
    if other_mode(data):
        log.warning(
            "Stripe event %s (%s) has livemode=%s but the key is in %s mode: ignored",
            data.get("id"),
            data.get("type"),
            data.get("livemode"),
            "live" if live_key() else "test",
        )
        return
    for attempt in range(RETRIES):
        try:
            _apply(db, data)
            db.commit()
            return
        except (IntegrityError, OperationalError):
            # Another worker recorded the same event or PaymentIntent at the same moment: look again.
            db.rollback()
            if attempt == RETRIES - 1:
                raise


def _apply(db: Session, event: dict[str, Any]) -> None:
    event_id, kind = str(event["id"]), str(event.get("type", ""))
    if db.get(StripeEvent, event_id) is not None:
        return
    db.add(StripeEvent(id=event_id, type=kind[:80]))
    db.flush()
    if kind in HANDLED:
        _dispatch(db, kind, event["data"]["object"], event.get("account"), int(event.get("created") or 0))


def _dispatch(db: Session, kind: str, obj: dict[str, Any], account: str | None, created: int) -> None:
    """The effect of one handled event type on the object it carries (of the connected account `account`)."""
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        checkout_completed(db, obj, account)
    elif kind == "checkout.session.async_payment_failed":
        checkout_async_failed(db, obj, account)
    elif kind == "payment_intent.succeeded":
        invoice = stripe_invoice(db, obj.get("metadata") or {}, account)
        if invoice is not None:
            record_succeeded(db, obj, invoice)
    elif kind == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        reason = error.get("message") or error.get("code") or "The payment failed."
        record_failed(db, obj, reason, stripe_invoice(db, obj.get("metadata") or {}, account))
    elif kind == "checkout.session.expired":
        checkout_expired(db, obj, account)
    elif kind == "charge.refunded":
        record_charge_refunded(db, obj, account)
    elif kind in REFUND_EVENTS:
        record_refund_object(db, obj, account)
    elif kind in DISPUTE_EVENTS:
        record_dispute(db, obj, account)
    elif kind == "account.updated":
        connect.account_updated(db, obj, created)
    else:
        cards.card_updated(db, obj, account, created)


def checkout_completed(db: Session, session: dict[str, Any], account: str | None) -> bool:
    """A completed Checkout Session: record the payment (mode payment) or save the card (mode setup).

    Returns True when the payment is recorded (now or before). Flushes, the caller commits.
    """
    if session.get("mode") == "setup":
        cards.save_card(db, session, account)
        return False
    if session.get("payment_status") != "paid" or not session.get("payment_intent"):
        return False
    metadata = session.get("metadata") or {}
    invoice = stripe_invoice(db, metadata, account)
    if invoice is None:
        return False
    intent_id = _link_session_attempt(db, session)
    intent = {
        "id": intent_id,
        "amount_received": session.get("amount_total") or 0,
        "currency": session.get("currency") or "",
        "metadata": metadata,
    }
    record_succeeded(db, intent, invoice)
    return True


def checkout_async_failed(db: Session, session: dict[str, Any], account: str | None) -> None:
    """A Checkout payment by a delayed method (a bank debit) that failed after the session completed: its attempt
    fails and billing history shows a Failed payment with the reason. A payment already recorded stays so."""
    if session.get("mode") != "payment" or not session.get("payment_intent"):
        return
    invoice = stripe_invoice(db, session.get("metadata") or {}, account)
    if invoice is None:
        return
    intent_ref = session["payment_intent"]
    error = (intent_ref.get("last_payment_error") if isinstance(intent_ref, dict) else None) or {}
    intent = {
        "id": _link_session_attempt(db, session),
        "amount": session.get("amount_total") or 0,
        "currency": session.get("currency") or "",
        "metadata": session.get("metadata") or {},
    }
    record_failed(db, intent, error.get("message") or ASYNC_FAILED, invoice)


def _link_session_attempt(db: Session, session: dict[str, Any]) -> str:
    """The session's PaymentIntent id, noted on the Checkout attempt that made the session."""
    intent_ref = session["payment_intent"]
    intent_id = intent_ref["id"] if isinstance(intent_ref, dict) else str(intent_ref)
    attempt = db.exec(select(PaymentAttempt).where(PaymentAttempt.stripe_checkout_session_id == session["id"])).first()
    if attempt is not None and attempt.stripe_payment_intent_id != intent_id:
        attempt.stripe_payment_intent_id = intent_id
        db.add(attempt)
        db.flush()
    return intent_id


def checkout_expired(db: Session, session: dict[str, Any], account: str | None) -> None:
    """An expired Checkout Session: its open attempt is closed ("expired"), so the next click makes a new session.

    An attempt that already succeeded or failed stays as it is (the event may arrive after the payment).
    """
    if session.get("mode") == "setup":
        return  # a card setup keeps no attempt: the next click makes a new session anyway
    invoice = stripe_invoice(db, session.get("metadata") or {}, account)
    if invoice is None:
        return
    attempt = db.exec(
        select(PaymentAttempt).where(
            PaymentAttempt.invoice_id == invoice.id,
            PaymentAttempt.stripe_checkout_session_id == str(session.get("id", ""))[:120],
        )
    ).first()
    if attempt is None or attempt.status != "open":
        return
    attempt.status = "expired"
    attempt.failure_reason = "The Checkout Session expired before it was paid."
    attempt.updated_at = utcnow()
    db.add(attempt)
    db.flush()
