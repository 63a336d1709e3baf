"""What the provider must look at in an organisation's card payments: disputes, and refunds that did not reach the
customer (one that failed or was canceled at Stripe, or an excess the portal could not refund), in words."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice, Organisation, Payment, PaymentAttempt
from portal_app.models.payments import StripeDispute, StripeRefund
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.recording import REFUND
from portal_app.services.billing.refunds import FAILED
from portal_app.services.common.money import format_money

DISPUTE_WORDS = {
    "warning_needs_response": "an inquiry from the card's bank, awaiting your answer (no money moved yet)",
    "warning_under_review": "an inquiry from the card's bank, under review (no money moved yet)",
    "warning_closed": "an inquiry, closed without a chargeback",
    "needs_response": "a chargeback awaiting your evidence; the amount is owed again on the invoice",
    "under_review": "a chargeback under review by the bank; the amount is owed again on the invoice",
    "appeal_needs_response": "a lost chargeback you may appeal; the amount is owed again on the invoice",
    "appeal_under_review": "an appeal under review; the amount is owed again on the invoice",
    "lost": "a chargeback you lost: the customer got the money back and owes it again on the invoice",
    "won": "a chargeback you won: the payment counts again",
    "prevented": "a dispute prevented before it became a chargeback",
}
OWN_REFUNDS = {"excess": "the refund of an over-payment", "in_full": "the refund of a payment the invoice did not need"}


def payment_problems(db: Session, organisation: Organisation) -> list[str]:
    """Each disputed payment and each refund that did not go through, of the organisation's customers, newest first."""
    lines = [_dispute_line(db, *row) for row in _disputes(db, organisation)]
    lines += [_refund_line(db, *row) for row in _failed_refunds(db, organisation)]
    lines += [_refused_excess_line(db, *row) for row in _refused_excess(db, organisation)]
    return lines


def _disputes(db: Session, organisation: Organisation) -> list[tuple[StripeDispute, Payment, Customer]]:
    return list(
        db.exec(
            select(StripeDispute, Payment, Customer)
            .join(Payment, col(Payment.id) == col(StripeDispute.payment_id))
            .join(Customer, col(Customer.id) == col(Payment.customer_id))
            .where(col(Customer.organisation_id) == organisation.id)
            .order_by(col(StripeDispute.created_at).desc())
        ).all()
    )


def _failed_refunds(db: Session, organisation: Organisation) -> list[tuple[StripeRefund, Payment, Customer]]:
    return list(
        db.exec(
            select(StripeRefund, Payment, Customer)
            .join(Payment, col(Payment.id) == col(StripeRefund.payment_id))
            .join(Customer, col(Customer.id) == col(Payment.customer_id))
            .where(col(Customer.organisation_id) == organisation.id, col(StripeRefund.status).in_(FAILED))
            .order_by(col(StripeRefund.updated_at).desc())
        ).all()
    )


def _refused_excess(db: Session, organisation: Organisation) -> list[tuple[PaymentAttempt, Customer]]:
    return list(
        db.exec(
            select(PaymentAttempt, Customer)
            .join(Customer, col(Customer.id) == col(PaymentAttempt.customer_id))
            .where(
                col(Customer.organisation_id) == organisation.id,
                col(PaymentAttempt.kind) == REFUND,
                col(PaymentAttempt.status) == "failed",
            )
            .order_by(col(PaymentAttempt.updated_at).desc())
        ).all()
    )


def _dispute_line(db: Session, dispute: StripeDispute, payment: Payment, customer: Customer) -> str:
    amount = format_money(dispute.amount_minor, dispute.currency, customer.locale)
    state = DISPUTE_WORDS.get(dispute.status, dispute.status.replace("_", " "))
    reason = f", reason: {dispute.reason.replace('_', ' ')}" if dispute.reason else ""
    return (
        f"Disputed: {customer.name}, {_paid(db, payment, customer)}: {amount} is {state}{reason} "
        f"(Stripe dispute {dispute.id})."
    )


def _refund_line(db: Session, refund: StripeRefund, payment: Payment, customer: Customer) -> str:
    amount = format_money(refund.amount_minor, refund.currency, customer.locale)
    what = OWN_REFUNDS.get(refund.own, "a refund")
    return (
        f"Refund {refund.status}: {customer.name}, {_paid(db, payment, customer)}: {what} of {amount} did not reach "
        f"the customer: {refund.failure_reason} Return the money another way (Stripe refund {refund.id})."
    )


def _refused_excess_line(db: Session, note: PaymentAttempt, customer: Customer) -> str:
    amount = format_money(note.amount_minor, note.currency, customer.locale)
    invoice = db.get(Invoice, note.invoice_id)
    number = invoice_number(invoice) if invoice is not None else f"#{note.invoice_id}"
    return (
        f"Refund not made: {customer.name}, invoice {number}: {amount} paid beyond the balance was not refunded "
        f"({note.failure_reason}). Refund it in Stripe (PaymentIntent {note.stripe_payment_intent_id})."
    )


def _paid(db: Session, payment: Payment, customer: Customer) -> str:
    """ "card payment of €42.00 on 2025-01-01 for invoice INV-0001" """
    invoice = db.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None
    paid = format_money(payment.amount_minor, payment.currency, customer.locale)
    what = f"card payment of {paid} on {payment.processed_at:%Y-%m-%d}"
    return what + (f" for invoice {invoice_number(invoice)}" if invoice is not None else "")
