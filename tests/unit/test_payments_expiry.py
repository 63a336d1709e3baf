"""Checkout Sessions expire (24 hours, or `expires_at`): the open attempt is closed, the next click makes a new one."""

from __future__ import annotations

import json

import requests
from sqlmodel import select
from stripe_fake import ACCOUNT, SESSION_LIFETIME, scenario, sign

from portal_app.models import Payment, PaymentAttempt, PaymentStatus, StripeEvent
from portal_app.payments.gateway import client as stripe_client
from portal_app.payments.gateway import options
from portal_app.services.billing.cards import autopay_status, start_card_setup
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.stripe_events import handle_event

RETURN = "https://portal.example.com"


def post(client, payload: str) -> int:
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
    return client.post("/api/stripe/webhook", content=payload.encode(), headers=headers).status_code


def attempts(db) -> list[PaymentAttempt]:
    db.expire_all()
    return list(db.exec(select(PaymentAttempt).order_by(PaymentAttempt.id)).all())


def session_id(url: str) -> str:
    return url.rsplit("/", 1)[1]


# -- the test server ---------------------------------------------------------------------------------------------


def test_a_session_expires_after_24_hours_and_stripe_sends_the_event(db, fake, monkeypatch):
    s = scenario(db)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.objects[session_id(url)]
    assert session["expires_at"] - session["created"] == SESSION_LIFETIME == 24 * 3600
    sent: list[dict] = []
    fake.webhook_url = "http://portal.invalid/api/stripe/webhook"
    monkeypatch.setattr(fake, "send_webhook", lambda payload, **_: sent.append(json.loads(payload)) or 200)

    assert fake.expire_due() == []  # not yet
    start = fake.clock()
    fake.clock = lambda: start + SESSION_LIFETIME + 1
    assert fake.expire_due() == [session["id"]]
    assert fake.expire_due() == []  # once
    [event] = sent
    assert (event["type"], event["account"], event["livemode"]) == ("checkout.session.expired", ACCOUNT, False)
    assert (event["data"]["object"]["id"], event["data"]["object"]["status"]) == (session["id"], "expired")
    assert event["data"]["object"]["metadata"]["invoice_id"] == str(s.invoice.id)

    paying = requests.post(url, data={"card": "pm_card_visa"}, timeout=10, allow_redirects=False)
    assert paying.status_code == 409  # the hosted page of a dead session takes no payment
    assert requests.get(url, timeout=10).status_code == 410


def test_a_retrieve_after_expiry_shows_it_expired(db, fake):
    s = scenario(db)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    start = fake.clock()
    fake.clock = lambda: start + SESSION_LIFETIME
    seen = stripe_client().v1.checkout.sessions.retrieve(session_id(url), options=options(ACCOUNT))
    assert (seen.status, seen.url) == ("expired", None)


# -- the portal --------------------------------------------------------------------------------------------------


def test_the_expired_event_closes_the_attempt_and_the_next_click_makes_a_new_session(db, fake, client):
    s = scenario(db, total_minor=4_200)
    first = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert start_checkout(db, s.principal, s.invoice.id, return_base=RETURN) == first  # open: reused
    expired = fake.expire_session(session_id(first))
    payload = fake.event("checkout.session.expired", expired, account=ACCOUNT)

    assert post(client, payload) == 200
    [attempt] = attempts(db)
    assert (attempt.status, attempt.failure_reason) == ("expired", "The Checkout Session expired before it was paid.")

    second = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert second != first
    creates = fake.calls("POST /v1/checkout/sessions")
    keys = [f"checkout-{s.invoice.id}-{n}-4200" for n in (1, 2)]
    assert [c.idempotency_key for c in creates] == keys
    assert [a.status for a in attempts(db)] == ["expired", "open"]

    # Stripe delivers the same event again: processed once, the new attempt is untouched.
    assert post(client, payload) == 200
    assert [a.status for a in attempts(db)] == ["expired", "open"]
    assert len(db.exec(select(StripeEvent).where(StripeEvent.type == "checkout.session.expired")).all()) == 1

    # The customer pays on the new session: one payment, recorded as usual.
    paid = fake.complete_session(session_id(second))
    assert post(client, fake.event("checkout.session.completed", paid, account=ACCOUNT)) == 200
    assert [a.status for a in attempts(db)] == ["expired", "succeeded"]
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_an_expired_event_after_the_payment_changes_nothing(db, fake, client):
    s = scenario(db, total_minor=4_200)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    paid = fake.complete_session(session_id(url))
    assert fake.expire_session(paid["id"])["status"] == "complete"  # a paid session never expires at Stripe
    assert post(client, fake.event("checkout.session.completed", paid, account=ACCOUNT)) == 200
    late = fake.event("checkout.session.expired", {**paid, "status": "expired"}, account=ACCOUNT)  # out of order
    assert post(client, late) == 200
    [attempt] = attempts(db)
    assert attempt.status == "succeeded"
    [payment] = db.exec(select(Payment)).all()
    assert (payment.status, payment.amount_minor) == (PaymentStatus.SUCCEEDED, 4_200)
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_an_expired_event_for_another_account_or_customer_is_ignored(db, fake):
    s = scenario(db)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    expired = fake.expire_session(session_id(url))
    handle_event(db, json.loads(fake.event("checkout.session.expired", expired, account="acct_1Someone")))
    forged = {**expired, "metadata": {"invoice_id": str(s.invoice.id), "customer_id": str(s.customer.id + 1)}}
    handle_event(db, json.loads(fake.event("checkout.session.expired", forged, account=ACCOUNT)))
    assert [a.status for a in attempts(db)] == ["open"]
    handle_event(db, json.loads(fake.event("checkout.session.expired", expired, account=ACCOUNT)))
    assert [a.status for a in attempts(db)] == ["expired"]


def test_an_expired_card_setup_session_changes_nothing(db, fake):
    s = scenario(db, autopay=True)
    url = start_card_setup(db, s.principal, return_base=RETURN)
    expired = fake.expire_session(session_id(url))
    handle_event(db, json.loads(fake.event("checkout.session.expired", expired, account=ACCOUNT)))
    assert autopay_status(db, s.principal).enabled is False
    assert attempts(db) == []
