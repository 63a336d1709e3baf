"""POST /api/stripe/webhook: signed events only, each applied once, one payment per PaymentIntent."""

from __future__ import annotations

import json
import time

import pytest
from factories import run_concurrently
from sqlmodel import Session, select
from stripe_fake import ACCOUNT, WEBHOOK_SECRET, scenario, sign

from portal_app import db as portal_db
from portal_app.api.stripe_webhook import MAX_BODY_BYTES
from portal_app.models import Payment, PaymentAttempt, PaymentStatus, StripeEvent
from portal_app.services.billing.checkout import checkout_return, start_checkout
from portal_app.services.billing.stripe_events import handle_event

RETURN = "https://portal.example.com"


def post(client, payload: str, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/api/stripe/webhook", content=payload.encode(), headers=headers)


def paid_session(db, fake, s) -> dict:
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    return fake.complete_session(url.rsplit("/", 1)[1])


def payments(db) -> list[Payment]:
    db.expire_all()
    return list(db.exec(select(Payment)).all())


def test_signed_checkout_completion_records_the_payment_once(db, fake, client):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    payload = fake.event("checkout.session.completed", session, account=ACCOUNT)

    assert post(client, payload, sign(payload)).status_code == 200
    assert post(client, payload, sign(payload)).status_code == 200  # Stripe retried the delivery
    replay = post(client, payload, sign(payload, timestamp=int(time.time()) - 60))
    assert replay.status_code == 200

    [payment] = payments(db)
    assert (payment.amount_minor, payment.status, payment.invoice_id) == (4_200, PaymentStatus.SUCCEEDED, s.invoice.id)
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200
    assert len(db.exec(select(StripeEvent)).all()) == 1
    assert checkout_return(db, s.principal, s.invoice.id, session["id"]) == "paid"
    assert len(payments(db)) == 1


def test_payment_intent_succeeded_for_the_same_payment_adds_nothing(db, fake, client):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    intent = fake.objects[session["payment_intent"]]
    first = fake.event("payment_intent.succeeded", intent, account=ACCOUNT)
    second = fake.event("checkout.session.completed", session, account=ACCOUNT)
    assert post(client, first, sign(first)).status_code == 200
    assert post(client, second, sign(second)).status_code == 200
    assert len(payments(db)) == 1
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200
    assert db.exec(select(PaymentAttempt)).one().status == "succeeded"


@pytest.mark.parametrize("problem", ["missing", "wrong secret", "tampered", "stale", "garbage"])
def test_unsigned_mis_signed_or_old_events_are_refused(db, fake, client, problem):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    payload = fake.event("checkout.session.completed", session, account=ACCOUNT)
    signature: str | None = sign(payload)
    if problem == "missing":
        signature = None
    elif problem == "wrong secret":
        signature = sign(payload, "whsec_someone_else")
    elif problem == "tampered":
        signature = sign(payload)
        payload = payload.replace('"amount_total": 4200', '"amount_total": 1')
    elif problem == "stale":
        signature = sign(payload, timestamp=int(time.time()) - 301)
    else:
        signature = "t=1,v1=nothex"
    assert post(client, payload, signature).status_code == 400
    assert payments(db) == []
    assert db.exec(select(StripeEvent)).all() == []


def test_a_body_over_the_limit_is_refused_by_its_declared_length_or_as_it_streams_in(db, fake, client):
    too_big = b"x" * (MAX_BODY_BYTES + 1)

    def chunks():  # streamed without a length, as a client that hides it would send it
        for start in range(0, len(too_big), 65_536):
            yield too_big[start : start + 65_536]

    headers = {"Stripe-Signature": sign("{}"), "Content-Type": "application/json"}
    declared = client.post("/api/stripe/webhook", content=too_big, headers=headers)
    streamed = client.post("/api/stripe/webhook", content=chunks(), headers=headers)

    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert db.exec(select(StripeEvent)).all() == []


def test_out_of_order_events_never_undo_a_succeeded_payment(db, fake, client):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    intent = dict(fake.objects[session["payment_intent"]])
    succeeded = fake.event("checkout.session.completed", session, account=ACCOUNT)
    failed_intent = {**intent, "status": "requires_payment_method", "last_payment_error": {"message": "Declined"}}
    failed = fake.event("payment_intent.payment_failed", failed_intent, account=ACCOUNT)
    assert post(client, succeeded, sign(succeeded)).status_code == 200
    assert post(client, failed, sign(failed)).status_code == 200

    [payment] = payments(db)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert db.exec(select(PaymentAttempt)).one().status == "succeeded"
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_a_failed_payment_marks_the_attempt_shows_a_failed_row_and_leaves_the_invoice_open(db, fake, client):
    s = scenario(db, total_minor=4_200)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    attempt = db.exec(select(PaymentAttempt)).one()
    intent = {
        "id": "pi_failed",
        "object": "payment_intent",
        "status": "requires_payment_method",
        "metadata": {
            "invoice_id": str(s.invoice.id),
            "customer_id": str(s.customer.id),
            "attempt_key": attempt.idempotency_key,
        },
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }
    payload = fake.event("payment_intent.payment_failed", intent, account=ACCOUNT)
    assert post(client, payload, sign(payload)).status_code == 200
    db.refresh(attempt)
    assert (attempt.status, attempt.failure_reason) == ("failed", "Your card was declined.")
    [payment] = payments(db)  # billing history shows the declined payment, with the reason
    assert (payment.status, payment.reference) == (PaymentStatus.FAILED, "pi_failed")
    assert payment.failure_reason == "Your card was declined."
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 0
    assert url


def test_refund_shows_refunded_and_a_late_success_does_not_bring_it_back(db, fake, client):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    intent = fake.objects[session["payment_intent"]]
    events = [
        fake.event("checkout.session.completed", session, account=ACCOUNT),
        fake.event(
            "charge.refunded",
            {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": intent["id"],
                "refunded": True,
                "amount_refunded": 4200,
            },
            account=ACCOUNT,
        ),
        fake.event("payment_intent.succeeded", intent, account=ACCOUNT),
    ]
    for payload in events:
        assert post(client, payload, sign(payload)).status_code == 200
    [payment] = payments(db)
    assert payment.status == PaymentStatus.REFUNDED
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 0


def test_events_from_another_connected_account_are_ignored(db, fake, client):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    payload = fake.event("checkout.session.completed", session, account="acct_1SomeoneElse")
    assert post(client, payload, sign(payload)).status_code == 200
    assert payments(db) == []


def test_webhook_and_success_return_at_the_same_moment_make_one_payment(db, fake):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    event = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))

    def webhook() -> None:
        with Session(portal_db.engine(), expire_on_commit=False) as session_db:
            handle_event(session_db, event)

    def success_return() -> str:
        with Session(portal_db.engine(), expire_on_commit=False) as session_db:
            return checkout_return(session_db, s.principal, s.invoice.id, session["id"])

    for _ in range(3):
        results = run_concurrently(webhook, success_return, webhook)
        assert not [r for r in results if isinstance(r, Exception)], results
    assert len(payments(db)) == 1
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_webhook_secret_unset_refuses_everything(db, fake, client, monkeypatch):
    from portal_app.config import settings

    monkeypatch.setenv("PORTAL_STRIPE_WEBHOOK_SECRET", "")
    settings.cache_clear()
    payload = fake.event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}}, account=ACCOUNT)
    assert post(client, payload, sign(payload, WEBHOOK_SECRET)).status_code == 400


def test_a_refund_before_its_payment_is_recorded_gets_500_so_stripe_delivers_it_again(db, fake, client):
    s = scenario(db, total_minor=4_200)
    session = paid_session(db, fake, s)
    intent = fake.objects[session["payment_intent"]]
    declined = {**intent, "status": "requires_payment_method", "last_payment_error": {"message": "Declined"}}
    failed = fake.event("payment_intent.payment_failed", declined, account=ACCOUNT)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": intent["id"], "amount": 4_200}
    refund = fake.event("charge.refunded", {**charge, "amount_refunded": 1_200, "refunded": False}, account=ACCOUNT)
    completed = fake.event("checkout.session.completed", session, account=ACCOUNT)
    assert post(client, failed, sign(failed)).status_code == 200
    assert post(client, refund, sign(refund)).status_code == 500  # not applied, not stored as processed
    assert post(client, completed, sign(completed)).status_code == 200
    assert post(client, refund, sign(refund)).status_code == 200  # Stripe's next delivery
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 3_000
