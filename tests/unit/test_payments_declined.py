"""A declined card is a Failed payment in billing history, with the reason, once per PaymentIntent; a later success
of the same PaymentIntent turns it Succeeded, whatever the order of events, replays or a race with the return page."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime

import pytest
from fault_injection import run_together
from payment_helpers import RETURN, deliver, new_session, payments
from stripe_fake import ACCOUNT, running, scenario

from portal_app.models import PaymentStatus
from portal_app.services.billing import checkout
from portal_app.services.billing import stripe_events as events
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import start_card_setup
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.invoices import payment_page
from portal_app.services.common.pagination import PageRequest


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def declined_then_paid(db, fake, total: int = 4_200):
    """A Checkout Session whose PaymentIntent was first declined, then paid with another card."""
    s = scenario(db, total_minor=total)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    intent = dict(fake.objects[session["payment_intent"]])
    declined = {
        **intent,
        "status": "requires_payment_method",
        "amount_received": 0,
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }
    failed = json.loads(fake.event("payment_intent.payment_failed", declined, account=ACCOUNT))
    completed = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))
    return s, session, failed, completed


def test_a_declined_card_is_one_failed_row_with_the_reason_and_the_balance_stays(database, fake):
    s, _, failed, _ = declined_then_paid(database, fake)
    deliver(failed)
    deliver(failed)  # replayed

    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.FAILED, 4_200)
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 0
    [row], _ = payment_page(database, s.principal, PageRequest(1, 10))
    assert (row.status, row.amount) == ("Failed", "€42.00")
    assert row.details == "Your card was declined."
    assert (payment.reference, payment.failure_reason) == (payment.stripe_payment_intent_id, "Your card was declined.")
    assert payment.method == "card"


@pytest.mark.parametrize("order", ["failed first", "succeeded first"])
def test_a_success_of_the_same_payment_intent_turns_the_row_succeeded_in_any_order(database, fake, order):
    s, _, failed, completed = declined_then_paid(database, fake)
    for event in (failed, completed, failed) if order == "failed first" else (completed, failed, completed):
        deliver(event)

    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.SUCCEEDED, 4_200)
    assert (payment.reference, payment.failure_reason) == (payment.stripe_payment_intent_id, "")
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_the_failed_event_racing_the_return_page_ends_with_one_succeeded_row(database, fake, monkeypatch):
    s, session, failed, _ = declined_then_paid(database, fake)
    both_decided = threading.Barrier(2, timeout=30)
    record_failed, record_paid = events.record_failed, checkout.checkout_completed

    def failed_after_meeting(*args):
        both_decided.wait()  # neither has written its row yet
        return record_failed(*args)

    def paid_after_meeting(*args):
        both_decided.wait()
        return record_paid(*args)

    monkeypatch.setattr(events, "record_failed", failed_after_meeting)
    monkeypatch.setattr(checkout, "checkout_completed", paid_after_meeting)

    def success_page() -> str:
        with new_session() as db:
            return checkout.checkout_return(db, s.principal, s.invoice.id, session["id"])

    webhook_result, page_result = run_together(lambda: deliver(failed), success_page)
    assert (webhook_result, page_result) == (None, "paid")
    [payment] = payments(database)
    assert payment.status == PaymentStatus.SUCCEEDED
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_an_autopay_refused_at_creation_and_its_webhook_make_one_failed_row(database, fake):
    s = scenario(database, autopay=True, due_on=date(2025, 2, 1), total_minor=3_000)
    url = start_card_setup(database, s.principal, return_base=RETURN)
    setup = fake.complete_session(url.rsplit("/", 1)[1], card="pm_card_chargeDeclined")
    deliver(json.loads(fake.event("checkout.session.completed", setup, account=ACCOUNT)))

    report = run_autopay(database, now=datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    assert report.failed == 1
    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.FAILED, 3_000)
    assert (payment.reference, payment.failure_reason) == (payment.stripe_payment_intent_id, "Your card was declined.")
    intent = fake.objects[payment.stripe_payment_intent_id]
    deliver(json.loads(fake.event("payment_intent.payment_failed", intent, account=ACCOUNT)))
    assert [(p.id, p.status) for p in payments(database)] == [(payment.id, PaymentStatus.FAILED)]
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 0


def test_a_declined_then_paid_intent_recorded_by_the_webhook_and_the_page_at_once_is_applied_once(database, fake):
    s, session, failed, completed = declined_then_paid(database, fake)
    deliver(failed)
    both_decided = threading.Barrier(2, timeout=30)
    lock = threading.Lock()
    record = events.checkout_completed

    first_tries = [True, True]

    def decided_then_record(*args):
        with lock:
            first = bool(first_tries) and first_tries.pop()
        if first:
            both_decided.wait()  # each has found the Failed row and is about to turn it Succeeded (retries: no wait)
        return record(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(events, "checkout_completed", decided_then_record)
        patch.setattr(checkout, "checkout_completed", decided_then_record)

        def success_page() -> str:
            with new_session() as db:
                return checkout.checkout_return(db, s.principal, s.invoice.id, session["id"])

        assert run_together(lambda: deliver(completed), success_page) == [None, "paid"]
    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.SUCCEEDED, 4_200)
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200
    assert fake.calls("POST /v1/refunds") == []
