"""Online payments with Stripe: Checkout, automatic payments with a saved card, webhook events."""

from portal_app.payments.autopay import AutopayReport, run_autopay
from portal_app.payments.cards import (
    AutopayStatus,
    autopay_status,
    card_setup_return,
    disable_autopay,
    start_card_setup,
)
from portal_app.payments.checkout import checkout_return, start_checkout
from portal_app.payments.eligibility import PaymentOptions, payment_options
from portal_app.payments.events import handle_event
from portal_app.payments.gateway import COULD_NOT_START, PaymentError

__all__ = [
    "COULD_NOT_START",
    "AutopayReport",
    "AutopayStatus",
    "PaymentError",
    "PaymentOptions",
    "autopay_status",
    "card_setup_return",
    "checkout_return",
    "disable_autopay",
    "handle_event",
    "payment_options",
    "run_autopay",
    "start_card_setup",
    "start_checkout",
]
