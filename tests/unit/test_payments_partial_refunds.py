"""Partial refunds (`charge.refunded` with `amount_refunded` below the amount, then more) reopen exactly that part
of the invoice's balance; replays, late events and a race with the return page change nothing twice."""

from __future__ import annotations

import json

import pytest
from fault_injection import meet_after, run_together
from payment_helpers import RETURN, deliver, new_session
from sqlmodel import select
from stripe_fake import ACCOUNT, running, scenario

from portal_app import db as portal_db
from portal_app.models import Payment, PaymentStatus
from portal_app.services.billing import checkout
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.invoices import payment_page
from portal_app.services.billing.recording import NotRecordedYet
from portal_app.services.common.pagination import PageRequest


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def payment_of(db) -> Payment:
    db.expire_all()
    return db.exec(select(Payment)).one()


def paid(db, fake, *, total: int = 4_200, paid_meanwhile: int = 0):
    s = scenario(db, total_minor=total)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    if paid_meanwhile:
        s.invoice.paid_minor = paid_meanwhile
        db.add(s.invoice)
        db.commit()
    session = fake.complete_session(url.rsplit("/", 1)[1])
    deliver(json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
    return s, session


def refunded(fake, session, amount_refunded: int, *, amount: int = 4_200) -> dict:
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": session["payment_intent"],
        "amount": amount,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded >= amount,
    }
    return json.loads(fake.event("charge.refunded", charge, account=ACCOUNT))


def balance_paid(db, s) -> int:
    db.refresh(s.invoice)
    return s.invoice.paid_minor


def test_partial_refunds_reopen_their_part_once_in_any_order_up_to_the_full_amount(database, fake):
    s, session = paid(database, fake)
    first, second, full = refunded(fake, session, 1_000), refunded(fake, session, 2_500), refunded(fake, session, 4_200)

    deliver(second)  # the later total first
    deliver(first)  # then the older one: already counted
    deliver(second)  # replayed
    assert balance_paid(database, s) == 1_700
    assert payment_of(database).status == PaymentStatus.SUCCEEDED
    [row], _ = payment_page(database, s.principal, PageRequest(1, 10))
    assert (row.amount, row.status) == ("€42.00", "Succeeded")
    assert row.details.endswith("(€25.00 refunded)")

    deliver(full)
    deliver(first)
    assert balance_paid(database, s) == 0
    assert payment_of(database).status == PaymentStatus.REFUNDED


def test_the_portals_own_excess_refund_reopens_nothing_a_later_partial_refund_does(database, fake):
    s, session = paid(database, fake, total=5_000, paid_meanwhile=2_000)  # 5,000 paid, 3,000 applied
    assert (payment_of(database).amount_minor, balance_paid(database, s)) == (3_000, 5_000)

    deliver(refunded(fake, session, 2_000, amount=5_000))  # Stripe's event for the excess refund
    assert balance_paid(database, s) == 5_000
    deliver(refunded(fake, session, 2_600, amount=5_000))  # the provider refunds 6.00 more
    assert balance_paid(database, s) == 4_400
    [row], _ = payment_page(database, s.principal, PageRequest(1, 10))
    assert row.details.endswith("(€26.00 refunded)")
    deliver(refunded(fake, session, 5_000, amount=5_000))
    assert balance_paid(database, s) == 2_000
    assert payment_of(database).status == PaymentStatus.REFUNDED


def test_two_refund_events_delivered_at_once_reopen_the_larger_total_once(database, fake):
    s, session = paid(database, fake)
    deliveries = [refunded(fake, session, 1_000), refunded(fake, session, 3_000)]
    with meet_after(portal_db.engine(), "FROM stripeevent", 2):
        assert run_together(*(lambda e=e: deliver(e) for e in deliveries)) == [None, None]
    assert balance_paid(database, s) == 1_200
    assert payment_of(database).status == PaymentStatus.SUCCEEDED


def test_a_partial_refund_racing_the_return_page_reopens_once_and_the_page_says_paid(database, fake):
    s, session = paid(database, fake)
    event = refunded(fake, session, 1_500)

    def success_page() -> str:
        with new_session() as db:
            return checkout.checkout_return(db, s.principal, s.invoice.id, session["id"])

    assert run_together(lambda: deliver(event), success_page, lambda: deliver(event)) == [None, "paid", None]
    assert balance_paid(database, s) == 2_700


def test_a_refund_before_its_payment_is_recorded_waits_for_stripes_next_delivery(database, fake):
    s = scenario(database, total_minor=4_200)
    url = start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    intent = fake.objects[session["payment_intent"]]
    early = refunded(fake, session, 1_000)
    declined = {**intent, "status": "requires_payment_method", "last_payment_error": {"message": "Declined"}}
    deliver(json.loads(fake.event("payment_intent.payment_failed", declined, account=ACCOUNT)))
    assert payment_of(database).status == PaymentStatus.FAILED  # first card declined, the second one paid
    with pytest.raises(NotRecordedYet):  # the webhook answers 500: Stripe delivers the event again later
        deliver(early)
    deliver(json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
    deliver(early)
    assert balance_paid(database, s) == 3_200
    deliver(early)
    assert balance_paid(database, s) == 3_200


def test_a_refund_of_a_charge_the_portal_never_made_is_ignored(database, fake):
    s, _ = paid(database, fake)
    deliver(refunded(fake, {"payment_intent": "pi_someone_elses"}, 1_000))
    assert balance_paid(database, s) == 4_200
