"""Races on one invoice, forced with barriers on SQLite and PostgreSQL: one result, nothing lost, no double charge."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from fault_injection import meet_after, run_together
from payment_helpers import RETURN, deliver, new_session, payments, webhook_racing_the_return_page
from sqlmodel import select
from stripe_fake import ACCOUNT, running, scenario

from portal_app import db as portal_db
from portal_app.models import PaymentAttempt, PaymentStatus
from portal_app.models.base import utcnow
from portal_app.services.billing import checkout
from portal_app.services.billing.checkout import start_checkout


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def test_two_tabs_pressing_pay_at_once_get_one_checkout_session(database, fake, monkeypatch):
    s = scenario(database)
    both_looked = threading.Barrier(2, timeout=30)
    count = checkout._attempt_count

    def count_then_wait(*args):
        found = count(*args)
        both_looked.wait()  # neither tab found an open session, neither has stored one yet
        return found

    monkeypatch.setattr(checkout, "_attempt_count", count_then_wait)

    def pay() -> str:
        with new_session() as session:
            return start_checkout(session, s.principal, s.invoice.id, return_base=RETURN)

    first, second = run_together(pay, pay)
    assert isinstance(first, str) and first == second
    assert len(fake.of_kind("cs_")) == 1
    assert len(database.exec(select(PaymentAttempt)).all()) == 1


def test_two_checkout_sessions_of_one_invoice_paid_at_once_apply_once_and_refund_the_other(database, fake):
    s = scenario(database, total_minor=6_000)
    first_url = start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    old = database.exec(select(PaymentAttempt)).one()
    old.created_at = utcnow() - timedelta(hours=23, minutes=30)  # an old tab: its session is not reused
    database.add(old)
    database.commit()
    second_url = start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    assert first_url != second_url
    completed = [fake.complete_session(url.rsplit("/", 1)[1]) for url in (first_url, second_url)]
    deliveries = [json.loads(fake.event("checkout.session.completed", c, account=ACCOUNT)) for c in completed]

    # SQLite has one writer at a time: meet once both have checked the event is new. PostgreSQL locks rows:
    # meet once both have stored their Payment, before either touches the invoice.
    fragment = "FROM stripeevent" if database.bind.dialect.name == "sqlite" else "INSERT INTO payment ("
    with meet_after(portal_db.engine(), fragment, 2):
        results = run_together(*(lambda e=e: deliver(e) for e in deliveries))
    assert results == [None, None]

    rows = payments(database)
    assert sorted(p.status for p in rows) == sorted([PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED])
    assert all(p.amount_minor == 6_000 for p in rows)
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 6_000  # paid once
    refunded = next(p for p in rows if p.status == PaymentStatus.REFUNDED)
    [refund] = fake.calls("POST /v1/refunds")
    assert refund.form["payment_intent"] == refunded.stripe_payment_intent_id
    assert refund.idempotency_key.startswith(f"refund-duplicate-{refunded.stripe_payment_intent_id}-")

    for event in deliveries:  # Stripe delivers again: nothing changes, nothing is refunded twice
        deliver(event)
    assert [(p.status, p.amount_minor) for p in payments(database)] == [(p.status, p.amount_minor) for p in rows]
    assert len(fake.calls("POST /v1/refunds")) == 1


def test_the_webhook_racing_the_success_page_records_one_payment_and_refunds_nothing(database, fake, monkeypatch):
    s = scenario(database, total_minor=4_200)
    url = start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    event = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))
    webhook_result, page_result = webhook_racing_the_return_page(monkeypatch, s, session, event)
    assert webhook_result is None
    assert page_result == "paid"
    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.SUCCEEDED, 4_200)
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200
    assert fake.calls("POST /v1/refunds") == []
    assert database.exec(select(PaymentAttempt)).one().status == "succeeded"


def test_one_event_delivered_to_two_workers_at_once_is_applied_once(database, fake):
    s = scenario(database, total_minor=2_500)
    url = start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    event = json.loads(
        fake.event("checkout.session.completed", fake.complete_session(url.rsplit("/", 1)[1]), account=ACCOUNT)
    )
    with meet_after(portal_db.engine(), "FROM stripeevent", 2):
        assert run_together(lambda: deliver(event), lambda: deliver(event)) == [None, None]
    assert len(payments(database)) == 1
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 2_500
    assert fake.calls("POST /v1/refunds") == []
