"""Events carry the SDK's API version and `livemode`; one of the other mode than our key is acknowledged, ignored."""

from __future__ import annotations

import json
import logging

import pytest
import stripe
from sqlmodel import select
from stripe_fake import ACCOUNT, scenario, sign

from portal_app.config import settings
from portal_app.models import Payment, StripeEvent
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.stripe_events import handle_event, live_key

RETURN = "https://portal.example.com"


def post(client, payload: str):
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
    return client.post("/api/stripe/webhook", content=payload.encode(), headers=headers)


def paid_event(db, fake, *, livemode: bool) -> tuple[object, str]:
    s = scenario(db, total_minor=4_200)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    return s, fake.event("checkout.session.completed", session, account=ACCOUNT, livemode=livemode)


def use_key(monkeypatch, key: str) -> None:
    monkeypatch.setenv("PORTAL_STRIPE_SECRET_KEY", key)
    settings.cache_clear()


def test_events_carry_the_installed_sdks_api_version_and_test_mode(fake):
    intent = {"id": "pi_1", "object": "payment_intent", "livemode": False}
    event = json.loads(fake.event("payment_intent.succeeded", intent, account=None))
    assert event["api_version"] == stripe.api_version
    assert event["api_version"] != "2025-01-27.acacia"
    assert event["livemode"] is False
    assert event["data"]["object"]["livemode"] is False


@pytest.mark.parametrize(
    ("key", "live"),
    [("sk_live_abc", True), ("rk_live_abc", True), ("sk_test_abc", False), ("rk_test_abc", False), ("", False)],
)
def test_the_mode_of_the_key(monkeypatch, env, key, live):
    use_key(monkeypatch, key)
    assert live_key() is live


def test_a_live_event_at_a_test_key_is_acknowledged_and_changes_nothing(db, fake, client, caplog):
    s, payload = paid_event(db, fake, livemode=True)
    with caplog.at_level(logging.WARNING):
        response = post(client, payload)
    assert response.status_code == 200
    assert any("not a test-mode event" in r.getMessage() for r in caplog.records)
    db.expire_all()
    assert db.exec(select(Payment)).all() == []
    assert db.exec(select(StripeEvent)).all() == []  # not even noted: it is not ours
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 0


def test_a_test_event_at_a_live_key_is_acknowledged_and_changes_nothing(db, fake, client, monkeypatch):
    s, payload = paid_event(db, fake, livemode=False)
    use_key(monkeypatch, "sk_live_portal")
    assert post(client, payload).status_code == 200
    db.expire_all()
    assert db.exec(select(Payment)).all() == []
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 0


def test_an_event_of_our_mode_is_applied(db, fake, client):
    s, payload = paid_event(db, fake, livemode=False)
    assert post(client, payload).status_code == 200
    db.expire_all()
    [payment] = db.exec(select(Payment)).all()
    assert payment.amount_minor == 4_200
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_handle_event_itself_ignores_the_other_mode(db, fake, caplog):
    _s, payload = paid_event(db, fake, livemode=True)
    with caplog.at_level(logging.WARNING):
        handle_event(db, json.loads(payload))
    assert any("livemode=True" in r.getMessage() for r in caplog.records)
    assert db.exec(select(Payment)).all() == []
    handle_event(db, json.loads(payload.replace('"livemode": true', '"livemode": false')))
    assert len(db.exec(select(Payment)).all()) == 1
