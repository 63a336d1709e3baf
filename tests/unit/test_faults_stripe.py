"""Stripe down, slow or failing: a clear message, nothing recorded, the invoice still payable, a retry works."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from fault_injection import closed_port, drive, fresh_state
from sqlmodel import select
from stripe_fake import ACCOUNT, running, scenario

from portal_app.config import settings
from portal_app.models import Payment, PaymentAttempt, StripeCustomer
from portal_app.payments import gateway
from portal_app.payments.gateway import COULD_NOT_START, PaymentError
from portal_app.services.accounts import sessions
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import COULD_NOT_SET_UP, start_card_setup
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.stripe_events import handle_event
from portal_app.state.payments import PaymentsState

RETURN = "https://portal.example.com"
NOW = datetime(2025, 2, 15, 6, 0, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def fake(db, monkeypatch):
    monkeypatch.setattr(gateway, "READ_TIMEOUT", 0.5)  # "slow" means slower than this
    with running(monkeypatch) as server:
        yield server


def stripe_down(monkeypatch) -> str:
    """Point the portal at a port where nothing listens; returns the working address to restore later."""
    working = settings().stripe_api_base
    monkeypatch.setenv("PORTAL_STRIPE_API_BASE", f"http://127.0.0.1:{closed_port()}")
    settings.cache_clear()
    return working


def stripe_back(monkeypatch, working: str) -> None:
    monkeypatch.setenv("PORTAL_STRIPE_API_BASE", working)
    settings.cache_clear()


def open_attempts(db) -> list[PaymentAttempt]:
    db.expire_all()
    return list(db.exec(select(PaymentAttempt).where(PaymentAttempt.status == "open")).all())


def nothing_recorded(db, s) -> None:
    """No payment and no open attempt (one Stripe answered with an error is kept as failed: its key is used up)."""
    db.expire_all()
    assert open_attempts(db) == []
    assert {a.status for a in db.exec(select(PaymentAttempt)).all()} <= {"failed"}
    assert db.exec(select(Payment)).all() == []
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 0


def test_the_stripe_client_gives_up_within_a_minute():
    client = gateway.client()
    requestor = client._requestor
    assert requestor._options.max_network_retries == gateway.NETWORK_RETRIES == 1
    connect, read = requestor._client._timeout
    assert (connect + read) * (1 + gateway.NETWORK_RETRIES) <= 60


def test_stripe_down_when_paying_says_nothing_was_charged_and_a_later_try_works(db, fake, monkeypatch):
    s = scenario(db)
    working = stripe_down(monkeypatch)
    with pytest.raises(PaymentError) as refused:
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert refused.value.message == COULD_NOT_START
    nothing_recorded(db, s)

    stripe_back(monkeypatch, working)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert url.startswith(fake.url)
    assert len(open_attempts(db)) == 1


def test_slow_stripe_times_out_and_the_retry_gets_the_session_stripe_made_meanwhile(db, fake):
    s = scenario(db)
    stall = fake.stall("POST /v1/checkout/sessions")
    with pytest.raises(PaymentError) as refused:
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert refused.value.message == COULD_NOT_START
    nothing_recorded(db, s)
    stall.release()  # Stripe answers at last: it did create the session, nobody heard

    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    calls = fake.calls("POST /v1/checkout/sessions")
    assert len(calls) >= 3
    assert {call.idempotency_key for call in calls} == {f"checkout-{s.invoice.id}-1-5000"}
    [session] = fake.of_kind("cs_")  # one session at Stripe, not one per try
    assert url == session["url"]
    assert db.exec(select(PaymentAttempt)).one().stripe_checkout_session_id == session["id"]


def test_stripe_failing_says_nothing_was_charged_and_the_next_click_takes_a_new_key(db, fake):
    s = scenario(db)
    fake.fail_next("POST /v1/checkout/sessions", "server_error")
    with pytest.raises(PaymentError, match="Nothing was charged"):
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    nothing_recorded(db, s)
    first, replay = fake.calls("POST /v1/checkout/sessions")  # the SDK's retry got the stored 500 back
    assert (first.idempotency_key, replay.idempotency_key, replay.replayed) == (
        f"checkout-{s.invoice.id}-1-5000",
        f"checkout-{s.invoice.id}-1-5000",
        True,
    )

    assert start_checkout(db, s.principal, s.invoice.id, return_base=RETURN).startswith(fake.url)
    assert fake.calls("POST /v1/checkout/sessions")[-1].idempotency_key == f"checkout-{s.invoice.id}-2-5000"
    assert len(open_attempts(db)) == 1


@pytest.mark.parametrize("fault", ["down", "slow", "error_500"])
def test_saving_a_card_while_stripe_fails_explains_and_a_later_try_makes_one_customer(db, fake, monkeypatch, fault):
    s = scenario(db, autopay=True)
    stall = None
    if fault == "down":
        working = stripe_down(monkeypatch)
    elif fault == "slow":
        stall = fake.stall("POST /v1/customers")
    else:
        fake.fail_next("POST /v1/customers", "server_error")  # stored under the key: the SDK's retry replays it
    with pytest.raises(PaymentError) as refused:
        start_card_setup(db, s.principal, return_base=RETURN)
    assert refused.value.message == COULD_NOT_SET_UP
    db.expire_all()
    # The row waits without a Stripe id; after no answer the next try sends the same key, after an answer a new one.
    assert [row.stripe_customer_id for row in db.exec(select(StripeCustomer)).all()] == [""]

    if fault == "down":
        stripe_back(monkeypatch, working)
    elif stall is not None:
        stall.release()
    url = start_card_setup(db, s.principal, return_base=RETURN)
    assert url.startswith(fake.url)
    assert len(fake.of_kind("cus_")) == 1  # the same key: Stripe's customer from the slow try is reused
    keys = {call.idempotency_key for call in fake.calls("POST /v1/customers")}
    assert len(keys) == (2 if fault == "error_500" else 1)
    assert db.exec(select(StripeCustomer)).one().stripe_customer_id == fake.of_kind("cus_")[0]["id"]


def test_slow_stripe_during_autopay_charges_once_when_the_charge_went_through(db, fake):
    s = scenario(db, autopay=True, due_on=date(2025, 2, 1), total_minor=3_000)
    url = start_card_setup(db, s.principal, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    handle_event(db, json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))

    stall = fake.stall("POST /v1/payment_intents")
    report = run_autopay(db, now=NOW)
    assert (report.charged, report.failed) == (0, 0)
    assert "will retry" in report.lines[-1]
    db.expire_all()
    assert db.exec(select(Payment)).all() == []
    stall.release()  # Stripe did charge the card; the portal never heard

    assert run_autopay(db, now=NOW).charged == 1
    [intent] = fake.of_kind("pi_")  # the retry replayed the key: no second charge
    [payment] = db.exec(select(Payment)).all()
    assert (payment.stripe_payment_intent_id, payment.amount_minor) == (intent["id"], 3_000)
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 3_000
    assert run_autopay(db, now=NOW).charged == 0


@pytest.mark.parametrize("fault", ["down", "declined"])
def test_pay_button_shows_the_reason_and_can_be_pressed_again(db, fake, monkeypatch, fault):
    s = scenario(db)
    token = sessions.open_session(db, s.principal.user_id, remember=False)
    db.commit()
    if fault == "down":
        working = stripe_down(monkeypatch)
    else:
        fake.fail_next("POST /v1/checkout/sessions", "card_declined")
    state = fresh_state(PaymentsState, token)

    events = drive(state, "pay", str(s.invoice.id))
    assert state.payment_error == COULD_NOT_START
    assert state.starting == ""  # the button is usable again
    assert not [e for e in events if e is not None]  # no redirect to Stripe
    nothing_recorded(db, s)

    if fault == "down":
        stripe_back(monkeypatch, working)
    events = drive(state, "pay", str(s.invoice.id))
    assert state.payment_error == ""
    assert len(open_attempts(db)) == 1
    assert any("redirect" in str(e) or fake.url in str(e) for e in events if e is not None)
