"""Disputes: a chargeback marks the card payment Disputed and reopens the disputed part of the balance; won, it is
applied again; lost, it stays owed. Each dispute reopens and restores at most once, whatever the order of its events,
replays, or a race with another worker or the customer's return page."""

from __future__ import annotations

import json

import pytest
from fault_injection import meet_after, run_together
from payment_helpers import RETURN, deliver, new_session, payments
from stripe_fake import ACCOUNT, running, scenario

from portal_app import db as portal_db
from portal_app.models import PaymentStatus
from portal_app.services.billing import checkout
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.payment_problems import payment_problems
from portal_app.services.billing.recording import NotRecordedYet


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def paid(db, fake, total: int = 4_200):
    s = scenario(db, total_minor=total)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    completed = json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT))
    deliver(completed)
    return s, session, completed


def dispute_event(fake, kind: str, dispute: dict) -> dict:
    return json.loads(fake.event(kind, dispute, account=ACCOUNT))


def state(db, s) -> tuple[int, PaymentStatus]:
    db.refresh(s.invoice)
    [payment] = payments(db)
    return s.invoice.paid_minor, payment.status


def test_a_dispute_reopens_the_balance_once_and_winning_it_applies_the_payment_again(database, fake):
    s, session, completed = paid(database, fake)
    opened = fake.dispute(session["payment_intent"], "needs_response", dispute_id="dp_1")
    created = dispute_event(fake, "charge.dispute.created", opened)
    withdrawn = dispute_event(fake, "charge.dispute.funds_withdrawn", opened)

    for event in (created, withdrawn, created):  # the same news three times
        deliver(event)
    assert state(database, s) == (0, PaymentStatus.DISPUTED)
    deliver(completed)  # a late replay of the payment does not apply it again
    assert state(database, s) == (0, PaymentStatus.DISPUTED)

    won = fake.dispute(session["payment_intent"], "won", dispute_id="dp_1")
    closed = dispute_event(fake, "charge.dispute.closed", won)
    reinstated = dispute_event(fake, "charge.dispute.funds_reinstated", won)
    for event in (closed, reinstated, created, closed):  # a created replayed after the close is old news
        deliver(event)
    assert state(database, s) == (4_200, PaymentStatus.SUCCEEDED)


def test_a_lost_dispute_closed_before_created_arrives_reopens_once_and_stays_disputed(database, fake):
    s, session, _ = paid(database, fake)
    lost = fake.dispute(session["payment_intent"], "lost", dispute_id="dp_lost")
    opened = fake.dispute(session["payment_intent"], "needs_response", dispute_id="dp_lost")

    deliver(dispute_event(fake, "charge.dispute.closed", lost))
    deliver(dispute_event(fake, "charge.dispute.created", opened))
    deliver(dispute_event(fake, "charge.dispute.updated", {**opened, "status": "under_review"}))
    assert state(database, s) == (0, PaymentStatus.DISPUTED)
    [line] = payment_problems(database, s.organisation)
    assert line.startswith(f"Disputed: {s.customer.name}, card payment of €42.00 on ")
    assert "a chargeback you lost" in line and "dp_lost" in line


def test_a_won_dispute_whose_created_event_comes_last_never_reopens(database, fake):
    s, session, _ = paid(database, fake)
    deliver(
        dispute_event(fake, "charge.dispute.closed", fake.dispute(session["payment_intent"], "won", dispute_id="d"))
    )
    deliver(dispute_event(fake, "charge.dispute.created", fake.dispute(session["payment_intent"], dispute_id="d")))
    assert state(database, s) == (4_200, PaymentStatus.SUCCEEDED)


def test_an_inquiry_moves_no_money_until_it_becomes_a_chargeback(database, fake):
    s, session, _ = paid(database, fake)
    inquiry = fake.dispute(session["payment_intent"], "warning_needs_response", dispute_id="dp_q", reason="general")
    deliver(dispute_event(fake, "charge.dispute.created", inquiry))
    assert state(database, s) == (4_200, PaymentStatus.SUCCEEDED)
    assert "an inquiry" in payment_problems(database, s.organisation)[0]

    deliver(dispute_event(fake, "charge.dispute.updated", {**inquiry, "status": "needs_response"}))
    assert state(database, s) == (0, PaymentStatus.DISPUTED)


def test_a_dispute_of_part_of_a_partly_refunded_payment_reopens_only_what_is_still_applied(database, fake):
    s, session, _ = paid(database, fake)
    refund = {"id": "ch_1", "object": "charge", "payment_intent": session["payment_intent"], "amount": 4_200}
    deliver(json.loads(fake.event("charge.refunded", {**refund, "amount_refunded": 1_000}, account=ACCOUNT)))
    assert state(database, s) == (3_200, PaymentStatus.SUCCEEDED)

    deliver(dispute_event(fake, "charge.dispute.created", fake.dispute(session["payment_intent"], dispute_id="dp_2")))
    assert state(database, s) == (0, PaymentStatus.DISPUTED)  # 3,200 reopened, not 4,200
    deliver(
        dispute_event(fake, "charge.dispute.closed", fake.dispute(session["payment_intent"], "won", dispute_id="dp_2"))
    )
    assert state(database, s) == (3_200, PaymentStatus.SUCCEEDED)


def test_two_events_of_one_dispute_delivered_at_once_reopen_once(database, fake):
    s, session, _ = paid(database, fake)
    opened = fake.dispute(session["payment_intent"], dispute_id="dp_3")
    both = [
        dispute_event(fake, "charge.dispute.created", opened),
        dispute_event(fake, "charge.dispute.funds_withdrawn", opened),
    ]
    with meet_after(portal_db.engine(), "FROM stripeevent", 2):
        assert run_together(*(lambda e=e: deliver(e) for e in both)) == [None, None]
    assert state(database, s) == (0, PaymentStatus.DISPUTED)


def test_a_dispute_racing_the_return_page_reopens_once_and_the_page_says_paid(database, fake):
    s, session, _ = paid(database, fake)
    event = dispute_event(fake, "charge.dispute.created", fake.dispute(session["payment_intent"], dispute_id="dp_4"))

    def success_page() -> str:
        with new_session() as db:
            return checkout.checkout_return(db, s.principal, s.invoice.id, session["id"])

    assert run_together(lambda: deliver(event), success_page, lambda: deliver(event)) == [None, "paid", None]
    assert state(database, s) == (0, PaymentStatus.DISPUTED)


def test_a_dispute_before_its_payment_is_recorded_waits_for_stripes_next_delivery(database, fake):
    s = scenario(database, total_minor=4_200)
    url = start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    intent = fake.objects[session["payment_intent"]]
    declined = {**intent, "status": "requires_payment_method", "last_payment_error": {"message": "Declined"}}
    deliver(json.loads(fake.event("payment_intent.payment_failed", declined, account=ACCOUNT)))
    early = dispute_event(fake, "charge.dispute.created", fake.dispute(session["payment_intent"], dispute_id="dp_5"))
    with pytest.raises(NotRecordedYet):
        deliver(early)
    deliver(json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
    deliver(early)
    assert state(database, s) == (0, PaymentStatus.DISPUTED)


def test_a_dispute_of_a_payment_the_portal_never_made_is_ignored(database, fake):
    s, _, _ = paid(database, fake)
    other = {**fake.dispute(next(iter(fake.of_kind("pi_")))["id"]), "payment_intent": "pi_someone_elses"}
    deliver(dispute_event(fake, "charge.dispute.created", other))
    assert state(database, s) == (4_200, PaymentStatus.SUCCEEDED)
