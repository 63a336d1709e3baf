"""POST /api/stripe/webhook: Stripe's events, verified on the raw body, each applied once."""

from __future__ import annotations

import logging

import stripe
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal_app.config import settings
from portal_app.db import session_scope
from portal_app.services.billing.receipt_mail import send_receipt_of_event
from portal_app.services.billing.recording import NotRecordedYet
from portal_app.services.billing.stripe_events import handle_event, live_key, other_mode

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 1_000_000


async def stripe_webhook(request: Request) -> Response:
    """200 once the event is applied (or was before) or ignored as of the other mode (test/live) than our key;
    400 when unsigned, mis-signed or too old; 413 for a body over the limit (refused before it is all read)."""
    secret = settings().stripe_webhook_secret
    signature = request.headers.get("stripe-signature", "")
    if not secret or not signature:
        return PlainTextResponse("Missing signature.", status_code=400)
    payload = await _body_up_to(request, MAX_BODY_BYTES)
    if payload is None:
        return PlainTextResponse("Too large.", status_code=413)
    try:
        event = stripe.Webhook.construct_event(payload.decode("utf-8"), signature, secret, tolerance=TOLERANCE_SECONDS)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
        return PlainTextResponse("Bad signature.", status_code=400)
    if other_mode(event):
        mode = "live" if live_key() else "test"
        log.warning("Stripe event %s (%s) is not a %s-mode event: acknowledged, ignored", event.id, event.type, mode)
        return PlainTextResponse("Ignored: not an event of this mode.")
    try:
        await run_in_threadpool(_apply, event)
    except NotRecordedYet as exc:
        log.warning("Stripe event %s not applied yet, Stripe will deliver it again: %s", event.id, exc)
        return PlainTextResponse("Not processed yet; Stripe will retry.", status_code=500)
    except Exception:
        log.exception("Stripe event %s could not be applied", event.id)
        return PlainTextResponse("Not processed; Stripe will retry.", status_code=500)
    return PlainTextResponse("OK")


async def _body_up_to(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed `limit` bytes (declared or as it streams in)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)


def _apply(event: stripe.Event) -> None:
    """Apply the event; once that committed, email the receipt of a payment it recorded."""
    with session_scope() as db:
        handle_event(db, event)
        send_receipt_of_event(db, event)
