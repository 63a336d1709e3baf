"""`checkout.session.async_payment_succeeded` records like a completed Checkout; `..._failed` is a Failed payment with
the reason; `payment_method.automatically_updated` updates the saved card shown. Replays, order and races as usual."""

from __future__ import annotations

import json
import time

import pytest
from payment_helpers import RETURN, deliver, payments, webhook_racing_the_return_page
from sqlmodel import select
from stripe_fake import ACCOUNT, running, scenario

from portal_app.models import PaymentAttempt, PaymentStatus
from portal_app.models.payments import StripeCustomer
from portal_app.services.billing.cards import autopay_status, start_card_setup
from portal_app.services.billing.checkout import start_checkout


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def bank_debit(db, fake):
    """A Checkout Session paid by a delayed method: complete but unpaid at first, then the bank answers."""
    s = scenario(db, total_minor=4_200)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    completed = json.loads(
        fake.event("checkout.session.completed", {**session, "payment_status": "unpaid"}, account=ACCOUNT)
    )
    return s, session, completed


def test_an_async_payment_that_succeeds_is_recorded_once_in_any_order(database, fake):
    s, session, completed = bank_debit(database, fake)
    succeeded = json.loads(fake.event("checkout.session.async_payment_succeeded", session, account=ACCOUNT))
    deliver(completed)
    assert payments(database) == []
    for event in (succeeded, completed, succeeded):
        deliver(event)
    [payment] = payments(database)
    assert (payment.status, payment.amount_minor, payment.method) == (PaymentStatus.SUCCEEDED, 4_200, "card")
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_an_async_success_racing_the_return_page_is_applied_once(database, fake, monkeypatch):
    s, session, _ = bank_debit(database, fake)
    succeeded = json.loads(fake.event("checkout.session.async_payment_succeeded", session, account=ACCOUNT))
    webhook_result, page_result = webhook_racing_the_return_page(monkeypatch, s, session, succeeded)
    assert (webhook_result, page_result) == (None, "paid")
    assert [p.status for p in payments(database)] == [PaymentStatus.SUCCEEDED]
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def test_an_async_payment_that_fails_is_a_failed_row_with_the_reason_and_the_attempt_fails(database, fake):
    s, session, completed = bank_debit(database, fake)
    unpaid = {**session, "payment_status": "unpaid"}
    failed = json.loads(fake.event("checkout.session.async_payment_failed", unpaid, account=ACCOUNT))
    for event in (failed, completed, failed):
        deliver(event)
    [payment] = payments(database)
    assert (payment.status, payment.reference) == (PaymentStatus.FAILED, session["payment_intent"])
    assert payment.failure_reason.startswith("The payment was not completed")
    [attempt] = database.exec(select(PaymentAttempt)).all()
    assert attempt.status == "failed"
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 0


def test_a_late_async_failure_does_not_undo_a_recorded_payment(database, fake):
    _, session, _ = bank_debit(database, fake)
    deliver(json.loads(fake.event("checkout.session.async_payment_succeeded", session, account=ACCOUNT)))
    deliver(json.loads(fake.event("checkout.session.async_payment_failed", session, account=ACCOUNT)))
    assert [p.status for p in payments(database)] == [PaymentStatus.SUCCEEDED]


def saved_card(db, fake):
    s = scenario(db, autopay=True)
    url = start_card_setup(db, s.principal, return_base=RETURN)
    setup = fake.complete_session(url.rsplit("/", 1)[1])
    deliver(json.loads(fake.event("checkout.session.completed", setup, account=ACCOUNT)))
    return s, fake.objects["pm_card_visa"]


def card_event(fake, method: dict, *, later: int, account: str = ACCOUNT, **card) -> dict:
    fake.clock = lambda: time.time() + later
    updated = {**method, "card": {**method["card"], **card}}
    return json.loads(fake.event("payment_method.automatically_updated", updated, account=account))


def test_an_automatically_updated_card_is_shown_and_older_updates_change_nothing(database, fake):
    s, method = saved_card(database, fake)
    newer = card_event(fake, method, later=120, last4="1881", exp_year=2033)
    older = card_event(fake, method, later=60, last4="0000", exp_year=2031)
    for event in (newer, older, newer):
        deliver(event)
    status = autopay_status(database, s.principal)
    assert (status.enabled, status.card_brand, status.card_last4, status.card_exp) == (True, "Visa", "1881", "12/33")


def test_an_update_from_another_account_changes_no_card(database, fake):
    _, method = saved_card(database, fake)
    deliver(card_event(fake, method, later=60, account="acct_1Other", last4="9999"))
    database.expire_all()
    [row] = database.exec(select(StripeCustomer)).all()
    assert row.card_last4 == "4242"
