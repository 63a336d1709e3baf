"""How a payment was made, in words ("Visa •••• 4242", "Bank transfer, ref X", "Cash"), and whether it has a receipt.

A payment has a receipt once the money arrived: Succeeded, and also Refunded or Disputed (the money was received;
what happened to it later is noted on the receipt, as Stripe's own receipts do). Failed and Pending payments have none.
"""

from __future__ import annotations

from portal_app.models import Payment, PaymentStatus

WITH_RECEIPT = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED})
CARD = "card"
METHODS = {
    CARD: "Card",
    "bank_transfer": "Bank transfer",
    "cash": "Cash",
    "cheque": "Cheque",
    "direct_debit": "Direct debit",
    "other": "Other",
}
CARD_BRANDS = {
    "amex": "American Express",
    "diners": "Diners Club",
    "eftpos_au": "eftpos",
    "jcb": "JCB",
    "unionpay": "UnionPay",
}
FAILED = "The payment failed."


def has_receipt(payment: Payment) -> bool:
    """Whether money was received for the payment (so it has a receipt)."""
    return payment.status in WITH_RECEIPT


def method_of(payment: Payment) -> str:
    """The payment's method; a payment with a PaymentIntent is a card payment even when recorded without one."""
    return payment.method or (CARD if payment.stripe_payment_intent_id else "")


def brand_name(brand: str) -> str:
    """A card network as customers know it: 'visa' -> 'Visa', 'amex' -> 'American Express'."""
    words = brand.replace("_", " ")
    return CARD_BRANDS.get(brand.lower(), words[:1].upper() + words[1:])


def paid_with(payment: Payment) -> str:
    """How the payment was made, in words: "Visa •••• 4242", "Card", "Bank transfer, ref X", "Cash".

    A payment of unknown method (older imports) shows its reference as it was given.
    """
    method = method_of(payment)
    if method == CARD:
        name = brand_name(payment.card_brand) if payment.card_brand else METHODS[CARD]
        return f"{name} •••• {payment.card_last4}" if payment.card_last4 else name
    if method not in METHODS:
        return payment.reference
    return METHODS[method] + (f", ref {payment.reference}" if payment.reference else "")


def described(payment: Payment) -> str:
    """What billing history says about the payment: how it was paid, or why it failed."""
    if payment.status == PaymentStatus.FAILED:
        return payment.failure_reason or FAILED
    return paid_with(payment)
