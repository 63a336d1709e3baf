"""The Stripe client on the platform key, and calls on a connected account that return plain dicts."""

from __future__ import annotations

import logging
from typing import Any

import stripe

from portal_app.config import settings
from portal_app.errors import PortalError

log = logging.getLogger(__name__)

COULD_NOT_START = "We could not start the payment. Nothing was charged; please try again later."
# One retry with the same Idempotency-Key on a network error or 5xx (a 5xx Stripe stored under the key replays).
NETWORK_RETRIES = 1
# Seconds to connect and to wait for an answer (the SDK's default is 80): with the one retry, a customer
# waits at most about a minute before hearing that the payment could not start.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 25.0


class PaymentError(PortalError):
    """A refusal or a Stripe failure, with a message fit to show the customer."""


class CardError(Exception):
    """Stripe refused an off-session charge (declined, authentication required, ...)."""

    def __init__(self, code: str, message: str, payment_intent: dict[str, Any] | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.payment_intent = payment_intent


def stripe_configured() -> bool:
    """True when the platform secret key is set (online payments can be on at all)."""
    return bool(settings().stripe_secret_key)


def client() -> stripe.StripeClient:
    """A client on the platform key and the configured API base."""
    cfg = settings()
    return stripe.StripeClient(
        cfg.stripe_secret_key,
        base_addresses={"api": cfg.stripe_api_base},
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)),
    )


def options(account: str, idempotency_key: str | None = None) -> stripe.RequestOptions:
    """Request options for the connected account (Stripe-Account header), with an Idempotency-Key if given."""
    opts: stripe.RequestOptions = {"stripe_account": account}
    if idempotency_key:
        opts["idempotency_key"] = idempotency_key
    return opts


def answered(exc: stripe.StripeError) -> bool:
    """True when Stripe answered: the answer is stored under the Idempotency-Key, so a new attempt needs a new key.

    False when no answer came (network error, timeout): retrying the same key then learns what Stripe did.
    """
    return exc.http_status is not None


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object (or an already plain mapping) as a plain dict."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def card_error(exc: stripe.CardError) -> CardError:
    """Our CardError from the SDK's, with the PaymentIntent Stripe sent along (if any)."""
    error = exc.error
    intent = None
    if error is not None and getattr(error, "payment_intent", None) is not None:
        intent = as_dict(error.payment_intent)
    return CardError(exc.code or "card_error", exc.user_message or str(exc), intent)
