"""Pay one invoice through a Stripe-hosted Checkout Session on the provider's connected account."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import stripe
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from portal_app.errors import NotFound
from portal_app.models import Invoice, InvoiceState, PaymentAttempt
from portal_app.models.base import utcnow
from portal_app.payments.gateway import COULD_NOT_START, PaymentError, answered, as_dict, client, options
from portal_app.services.access import INVOICE_NOT_FOUND, customer_scope, own_invoice
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.eligibility import online_scope
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.minimums import TOO_SMALL, below_minimum
from portal_app.services.billing.receipt_mail import send_receipt_for
from portal_app.services.billing.stripe_events import checkout_completed

log = logging.getLogger(__name__)

# Stripe keeps a Checkout Session open for 24 hours; reuse ours for a little less than that.
REUSE_WINDOW = timedelta(hours=23)
# Stripe wants amounts in three-decimal currencies rounded to the nearest ten.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
VOID = "This invoice is void; there is nothing to pay."
NOTHING_DUE = "This invoice has no balance left to pay."
NOT_PAYABLE = "This amount cannot be paid by card. Please contact your provider to pay."
PAID = "paid"
PROCESSING = "processing"


def payable_balance(invoice: Invoice) -> int:
    """The balance Stripe may charge for the invoice, or PaymentError saying why there is none."""
    if invoice.state == InvoiceState.VOID:
        raise PaymentError(VOID)
    balance = invoice.total_minor - invoice.paid_minor
    if balance <= 0:
        raise PaymentError(NOTHING_DUE)
    if invoice.currency.upper() in THREE_DECIMAL and balance % 10:
        raise PaymentError(NOT_PAYABLE)
    if below_minimum(balance, invoice.currency):
        raise PaymentError(TOO_SMALL)
    return balance


def start_checkout(db: Session, principal: Principal, invoice_id: int, *, return_base: str) -> str:
    """The Stripe-hosted page that collects the invoice's balance (an open one is reused, never duplicated)."""
    invoice = own_invoice(db, principal, invoice_id)
    scope = online_scope(db, principal)
    account = scope.organisation.stripe_account_id or ""
    balance = payable_balance(invoice)
    reusable = db.exec(
        select(PaymentAttempt)
        .where(
            PaymentAttempt.invoice_id == invoice.id,
            PaymentAttempt.kind == "checkout",
            PaymentAttempt.status == "open",
            PaymentAttempt.amount_minor == balance,
            col(PaymentAttempt.created_at) > utcnow() - REUSE_WINDOW,
        )
        .order_by(col(PaymentAttempt.id).desc())
    ).first()
    if reusable is not None and reusable.checkout_url:
        return reusable.checkout_url
    # Two tabs at once count the same number, so send the same key and get one session. An attempt Stripe answered
    # with an error is stored as failed (Stripe keeps that answer under its key); one that got no answer is not,
    # so the next click sends the same key again and gets the session Stripe may have made meanwhile.
    number = _attempt_count(db, invoice, "checkout") + 1
    key = f"checkout-{invoice.id}-{number}-{balance}"
    params = _checkout_params(
        invoice, scope.customer.id, scope.organisation.name, balance, key=key, return_base=return_base
    )
    attempt = PaymentAttempt(
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        kind="checkout",
        number=number,
        amount_minor=balance,
        currency=invoice.currency,
        idempotency_key=key,
    )
    try:
        session = as_dict(client().v1.checkout.sessions.create(params, options(account, key)))
    except stripe.StripeError as exc:
        log.warning("Checkout Session for invoice %s failed: %s", invoice.id, exc)
        if answered(exc):
            attempt.status = "failed"
            attempt.failure_reason = f"Stripe error: {exc.user_message or exc}"[:300]
            try:
                _store(db, attempt)
            except OperationalError:
                db.rollback()  # not noted: the next click replays the stored error once more, then takes a new key
        raise PaymentError(COULD_NOT_START) from exc
    attempt.stripe_checkout_session_id = session["id"]
    attempt.checkout_url = session.get("url") or ""
    _store(db, attempt)
    return session.get("url") or ""


def _store(db: Session, attempt: PaymentAttempt) -> None:
    """Save the attempt, unless another tab saved the same one (same key: Stripe gave both the same answer)."""
    db.add(attempt)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()


def _checkout_params(
    invoice: Invoice, customer_id: int, organisation_name: str, balance: int, *, key: str, return_base: str
) -> dict[str, Any]:
    base = return_base.rstrip("/")
    metadata = {"invoice_id": str(invoice.id), "customer_id": str(customer_id)}
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": invoice.currency.lower(),
                    "unit_amount": balance,
                    "product_data": {"name": f"Invoice {invoice_number(invoice)} - {organisation_name}"[:250]},
                },
            }
        ],
        "metadata": metadata,
        "client_reference_id": str(invoice.id),
        "payment_intent_data": {"metadata": {**metadata, "attempt_key": key}},
        "success_url": f"{base}/portal/billing?paid={invoice.id}&session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{base}/portal/billing?cancelled={invoice.id}",
    }


def _attempt_count(db: Session, invoice: Invoice, kind: str) -> int:
    return db.exec(
        select(func.count())
        .select_from(PaymentAttempt)
        .where(PaymentAttempt.invoice_id == invoice.id, PaymentAttempt.kind == kind)
    ).one()


def checkout_return(db: Session, principal: Principal, invoice_id: int, session_id: str) -> str:
    """After Stripe's success redirect: "paid" once the payment is recorded, else "processing"."""
    scope = customer_scope(db, principal)
    invoice = own_invoice(db, principal, invoice_id)
    attempt = db.exec(
        select(PaymentAttempt).where(
            PaymentAttempt.invoice_id == invoice.id,
            PaymentAttempt.customer_id == scope.customer.id,
            PaymentAttempt.stripe_checkout_session_id == session_id[:120],
        )
    ).first()
    if attempt is None:
        raise NotFound(INVOICE_NOT_FOUND)
    if attempt.status == "succeeded":
        return PAID
    account = scope.organisation.stripe_account_id or ""
    try:
        session = as_dict(client().v1.checkout.sessions.retrieve(session_id, options=options(account)))
    except stripe.StripeError as exc:
        log.warning("Could not retrieve Checkout Session %s: %s", session_id, exc)
        return PROCESSING
    for retry in range(3):
        try:
            recorded = checkout_completed(db, session, account)
            db.commit()
        except (IntegrityError, OperationalError):
            # The webhook recorded the same PaymentIntent at the same moment: look again.
            db.rollback()
            if retry == 2:
                raise
        except stripe.StripeError as exc:
            db.rollback()  # refunding a duplicate failed: the webhook's retries finish the job
            log.warning("Could not record Checkout Session %s yet: %s", session_id, exc)
            return PROCESSING
        else:
            if recorded:
                send_receipt_for(db, session, account)  # unless the webhook did already
            return PAID if recorded else PROCESSING
    return PROCESSING
