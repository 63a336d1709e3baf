"""A payment that finds no balance is refunded in full; one larger than the balance applies the balance and refunds
the excess once, whatever the order of events, replays or a race with the customer's return page."""

from __future__ import annotations

import json

import pytest
from payment_helpers import RETURN, deliver, new_session, payments, webhook_racing_the_return_page
from sqlmodel import select
from stripe_fake import ACCOUNT, running, scenario

from portal_app.models import InvoiceState, PaymentAttempt, PaymentStatus
from portal_app.services.billing.checkout import checkout_return, start_checkout
from portal_app.services.billing.invoices import payment_page
from portal_app.services.billing.recording import REFUND, record_succeeded
from portal_app.services.common.pagination import PageRequest


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def refund_notes(db) -> list[PaymentAttempt]:
    db.expire_all()
    return list(db.exec(select(PaymentAttempt).where(PaymentAttempt.kind == REFUND)).all())


def overpaid(db, fake, *, total: int = 5_000, paid_meanwhile: int = 2_000):
    """A Checkout Session for the whole balance, then a bank transfer lowers the balance, then the card is paid."""
    s = scenario(db, total_minor=total)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    s.invoice.paid_minor = paid_meanwhile
    db.add(s.invoice)
    db.commit()
    session = fake.complete_session(url.rsplit("/", 1)[1])
    return s, session


def test_a_payment_over_the_balance_applies_the_balance_and_refunds_the_excess_once(database, fake):
    s, session = overpaid(database, fake)
    completed = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))
    succeeded = json.loads(
        fake.event("payment_intent.succeeded", fake.objects[session["payment_intent"]], account=ACCOUNT)
    )

    for event in (completed, succeeded, completed, succeeded):  # out of order and replayed
        deliver(event)
    assert checkout_return(database, s.principal, s.invoice.id, session["id"]) == "paid"

    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.SUCCEEDED, 3_000)
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 5_000
    [refund] = fake.calls("POST /v1/refunds")
    assert refund.form["amount"] == "2000"
    assert refund.idempotency_key == f"refund-excess-{payment.stripe_payment_intent_id}"
    [note] = refund_notes(database)
    assert (note.amount_minor, note.status, note.stripe_payment_intent_id) == (
        2_000,
        "succeeded",
        payment.stripe_payment_intent_id,
    )
    [row], _ = payment_page(database, s.principal, PageRequest(1, 10))
    assert (row.amount, row.status) == ("€30.00", "Succeeded")
    assert row.details.endswith(" (€20.00 refunded)")


def test_a_rolled_back_recording_replays_stripes_refund_instead_of_refunding_twice(database, fake):
    s, session = overpaid(database, fake)
    completed = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))
    intent = {"id": session["payment_intent"], "amount_received": 5_000, "currency": "eur", "metadata": {}}
    with new_session() as first:
        record_succeeded(first, intent, first.get(type(s.invoice), s.invoice.id))
        first.rollback()  # the worker died after Stripe refunded, before its commit
    deliver(completed)

    assert [r.replayed for r in fake.calls("POST /v1/refunds")] == [False, True]
    assert sum(r["amount"] for r in fake.of_kind("re_")) == 2_000
    assert [p.amount_minor for p in payments(database)] == [3_000]
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 5_000


def test_an_excess_refund_stripe_refuses_is_noted_and_the_payment_still_counts(database, fake):
    s, session = overpaid(database, fake)
    fake.fail_next("POST /v1/refunds", "server_error")
    deliver(json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))

    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.SUCCEEDED, 3_000)
    [note] = refund_notes(database)
    assert note.status == "failed" and "excess failed" in note.failure_reason
    [row], _ = payment_page(database, s.principal, PageRequest(1, 10))
    assert row.details.endswith("(refund of €20.00 failed)")


def test_a_payment_reaching_a_void_invoice_is_refunded_in_full(database, fake):
    s = scenario(database, total_minor=4_200)
    url = start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    s.invoice.state = InvoiceState.VOID
    database.add(s.invoice)
    database.commit()
    session = fake.complete_session(url.rsplit("/", 1)[1])
    event = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))
    deliver(event)
    deliver(event)

    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.REFUNDED, 4_200)
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 0
    [refund] = fake.calls("POST /v1/refunds")
    assert "amount" not in refund.form and "reason" not in refund.form
    assert checkout_return(database, s.principal, s.invoice.id, session["id"]) == "paid"
    assert len(fake.calls("POST /v1/refunds")) == 1


def test_the_webhook_racing_the_return_page_refunds_the_excess_once(database, fake, monkeypatch):
    s, session = overpaid(database, fake)
    event = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))
    webhook_result, page_result = webhook_racing_the_return_page(monkeypatch, s, session, event)
    assert webhook_result is None
    assert page_result in ("paid", "processing")
    [payment] = payments(database)
    assert (payment.status, payment.amount_minor) == (PaymentStatus.SUCCEEDED, 3_000)
    database.refresh(s.invoice)
    assert s.invoice.paid_minor == 5_000
    assert sum(r["amount"] for r in fake.of_kind("re_")) == 2_000
    assert len(refund_notes(database)) == 1
