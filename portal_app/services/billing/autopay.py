"""Charge due invoices of customers with automatic payments on, off-session, never twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.mail import MailError, Resend, send_mail
from portal_app.models import Customer, Invoice, InvoiceState, Organisation, PaymentAttempt, StripeCustomer
from portal_app.models.base import utcnow
from portal_app.payments.gateway import CardError, answered, as_dict, card_error, client, options
from portal_app.services.billing.eligibility import autopay_enabled_for, autopay_skipped_note
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.minimums import below_minimum, minimum_charge
from portal_app.services.billing.receipt_mail import send_receipt_for, send_unsent_receipts
from portal_app.services.billing.recording import record_failed, record_succeeded
from portal_app.services.common.money import format_money

log = logging.getLogger(__name__)


@dataclass
class AutopayReport:
    """What one run did: invoices charged, refused by the card, still processing, skipped as below Stripe's
    minimum charge, and lines for the operator."""

    charged: int = 0
    failed: int = 0
    pending: int = 0
    too_small: int = 0
    lines: list[str] = field(default_factory=list)


def run_autopay(db: Session, *, now: datetime | None = None) -> AutopayReport:
    """Charge every due invoice (issued, balance left, due today or earlier) of customers with autopay on."""
    today = (now or utcnow()).date()
    report = AutopayReport()
    send_unsent_receipts(db)  # receipts an earlier send could not deliver
    rows = db.exec(
        select(StripeCustomer, Customer, Organisation)
        .join(Customer, col(Customer.id) == col(StripeCustomer.customer_id))
        .join(Organisation, col(Organisation.id) == col(Customer.organisation_id))
        .where(
            col(StripeCustomer.autopay_enabled).is_(True),
            col(StripeCustomer.payment_method_id).is_not(None),
            col(Organisation.stripe_account_id) == col(StripeCustomer.stripe_account_id),
        )
        .order_by(col(StripeCustomer.id))
        .execution_options(populate_existing=True)  # the provider's switches as stored now
    ).all()
    for card, customer, organisation in rows:
        if not autopay_enabled_for(organisation, customer):
            note = autopay_skipped_note(organisation)
            if note and note not in report.lines:
                report.lines.append(note)  # once per run, not once per customer
            continue
        invoices = db.exec(
            select(Invoice)
            .where(
                Invoice.customer_id == customer.id,
                Invoice.state == InvoiceState.ISSUED,
                col(Invoice.total_minor) > col(Invoice.paid_minor),
                col(Invoice.due_on) <= today,
            )
            .order_by(col(Invoice.due_on), col(Invoice.id))
        ).all()
        for invoice in invoices:
            _charge(db, report, card, customer, invoice)
    return report


def _charge(db: Session, report: AutopayReport, card: StripeCustomer, customer: Customer, invoice: Invoice) -> None:
    """One off-session charge of the invoice's balance, unless an earlier attempt still stands."""
    attempts = db.exec(
        select(PaymentAttempt).where(PaymentAttempt.invoice_id == invoice.id, PaymentAttempt.kind == "autopay")
    ).all()
    if any(a.status == "open" and a.stripe_payment_intent_id for a in attempts):
        report.pending += 1
        return
    balance = invoice.total_minor - invoice.paid_minor
    if below_minimum(balance, invoice.currency):
        # Stripe would refuse it (amount_too_small) on every run: not sent, the customer pays another way.
        report.too_small += 1
        report.lines.append(
            f"Invoice {invoice_number(invoice)}: not charged, its balance of {_money(balance, invoice, customer)} "
            f"is below Stripe's minimum charge of {_money(minimum_charge(invoice.currency), invoice, customer)}; "
            "to be paid by bank transfer."
        )
        return
    if any(a.status == "failed" and a.created_at >= card.updated_at for a in attempts):
        return  # the card on file was refused for this invoice; wait for a new card or a payment in the portal
    attempt = next((a for a in attempts if a.status == "open" and not a.stripe_payment_intent_id), None)
    if attempt is None:
        number = _next_number(db, invoice)
        attempt = PaymentAttempt(
            invoice_id=invoice.id,
            customer_id=customer.id,
            kind="autopay",
            number=number,
            amount_minor=balance,
            currency=invoice.currency,
            idempotency_key=f"autopay-{invoice.id}-{number}",
        )
        db.add(attempt)
        db.commit()  # the key is stored before Stripe is called: a crash after the charge replays the same key
    params = {
        "amount": attempt.amount_minor,
        "currency": invoice.currency.lower(),
        "customer": card.stripe_customer_id,
        "payment_method": card.payment_method_id,
        "off_session": True,
        "confirm": True,
        "description": f"Invoice {invoice_number(invoice)}",
        "metadata": {
            "invoice_id": str(invoice.id),
            "customer_id": str(customer.id),
            "attempt_key": attempt.idempotency_key,
        },
    }
    try:
        intent = as_dict(
            client().v1.payment_intents.create(params, options(card.stripe_account_id, attempt.idempotency_key))
        )
    except stripe.CardError as exc:
        _refused(db, report, attempt, customer, invoice, error=card_error(exc))
        return
    except stripe.StripeError as exc:
        _not_sent(db, report, attempt, invoice, exc)
        return
    attempt.stripe_payment_intent_id = intent["id"]
    status = intent.get("status")
    if status == "succeeded":
        _record(db, intent, invoice, attempt)
        send_receipt_for(db, intent, card.stripe_account_id)
        report.charged += 1
        report.lines.append(f"Charged invoice {invoice_number(invoice)} ({_amount(attempt, customer)}).")
    elif status == "processing":
        db.add(attempt)
        db.commit()
        report.pending += 1
        report.lines.append(f"Invoice {invoice_number(invoice)}: payment processing at Stripe.")
    else:
        refusal = CardError(str(status), "The card needs the customer's authentication.", intent)
        _refused(db, report, attempt, customer, invoice, error=refusal)


def _next_number(db: Session, invoice: Invoice) -> int:
    count = db.exec(
        select(func.count())
        .select_from(PaymentAttempt)
        .where(PaymentAttempt.invoice_id == invoice.id, PaymentAttempt.kind == "autopay")
    ).one()
    return count + 1


def _record(db: Session, intent: dict[str, Any], invoice: Invoice, attempt: PaymentAttempt) -> None:
    """Record the payment through the webhook's idempotent path (a webhook may be recording it right now)."""
    for retry in range(3):
        try:
            db.add(attempt)
            record_succeeded(db, intent, invoice)
            db.commit()
            return
        except (IntegrityError, OperationalError):
            db.rollback()
            if retry == 2:
                raise
        except stripe.StripeError as exc:
            # Refunding a duplicate failed: the attempt stays open, the next run (or the webhook) finishes it.
            db.rollback()
            log.warning("Could not record PaymentIntent %s yet: %s", intent["id"], exc)
            return


def _refused(
    db: Session,
    report: AutopayReport,
    attempt: PaymentAttempt,
    customer: Customer,
    invoice: Invoice,
    *,
    error: CardError,
) -> None:
    """The card was declined or needs authentication: record why (on the attempt, and as a Failed payment in billing
    history when Stripe named the PaymentIntent), keep the invoice open, tell the customer."""
    intent = error.payment_intent if error.payment_intent and error.payment_intent.get("id") else None
    for retry in range(3):
        attempt.status = "failed"
        attempt.failure_reason = error.message[:300]
        if intent is not None:
            attempt.stripe_payment_intent_id = intent["id"]
        attempt.updated_at = utcnow()
        db.add(attempt)
        try:
            if intent is not None:
                record_failed(db, {**intent, "metadata": {}}, error.message, invoice)
            db.commit()
            break
        except (IntegrityError, OperationalError):
            db.rollback()  # the webhook recorded the same PaymentIntent at the same moment: look again
            if retry == 2:
                raise
    report.failed += 1
    report.lines.append(f"Invoice {invoice_number(invoice)}: {error.code} ({error.message}).")
    _tell_customer(customer, invoice, attempt, error)


def _not_sent(
    db: Session, report: AutopayReport, attempt: PaymentAttempt, invoice: Invoice, exc: stripe.StripeError
) -> None:
    """Stripe failed or could not be reached: try again on the next run, with a new key only if Stripe answered."""
    if answered(exc):
        attempt.status = "expired"  # the answer is stored under the key: the next run takes a new number and key
        attempt.failure_reason = f"Stripe error: {exc.user_message or exc}"[:300]
        attempt.updated_at = utcnow()
        db.add(attempt)
        db.commit()
    else:
        db.rollback()  # no answer: the attempt stays open and the next run replays its key to learn what happened
    report.lines.append(f"Invoice {invoice_number(invoice)}: not charged, Stripe error ({exc}); will retry.")


def _money(amount_minor: int, invoice: Invoice, customer: Customer) -> str:
    return format_money(amount_minor, invoice.currency, customer.locale)


def _amount(attempt: PaymentAttempt, customer: Customer) -> str:
    return format_money(attempt.amount_minor, attempt.currency, customer.locale)


def _tell_customer(customer: Customer, invoice: Invoice, attempt: PaymentAttempt, error: CardError) -> None:
    """Email the customer that the automatic payment failed, with a link to pay in the portal."""
    if not customer.email:
        return
    link = f"{settings().public_url}/portal/billing"
    text = (
        f"Hello {customer.name},\n\n"
        f"We could not collect the automatic payment of {_amount(attempt, customer)} "
        f"for invoice {invoice_number(invoice)}.\n"
        f"Reason: {error.message}\n\n"
        f"The invoice is still open. You can pay it in the portal:\n{link}\n"
    )
    try:
        subject = f"Automatic payment failed for invoice {invoice_number(invoice)}"
        send_mail(customer.email, subject, text, resend=Resend())
    except MailError as exc:
        log.warning("Could not email %s about invoice %s: %s", customer.email, invoice.id, exc)
