"""Refund events (`refund.created/updated/failed`, `charge.refund.updated`) and `charge.refunded` tell of the same
refunds: each reopens its part of the balance once, in any order; a refund that fails later closes that part again
and is listed for the provider; the portal's own refunds (an excess, a payment nothing needed) reopen nothing."""

from __future__ import annotations

import json

import pytest
from fault_injection import meet_after, run_together
from payment_helpers import RETURN, deliver, new_session, payments
from stripe_fake import ACCOUNT, running, scenario

from portal_app import db as portal_db
from portal_app.models import InvoiceState, PaymentStatus
from portal_app.payments.gateway import client, options
from portal_app.services.billing import checkout
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.payment_problems import payment_problems
from portal_app.services.billing.stripe_events import HANDLED


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def paid(db, fake, *, total: int = 4_200, paid_meanwhile: int = 0, void: bool = False):
    s = scenario(db, total_minor=total)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    if paid_meanwhile or void:
        s.invoice.paid_minor = paid_meanwhile
        s.invoice.state = InvoiceState.VOID if void else s.invoice.state
        db.add(s.invoice)
        db.commit()
    session = fake.complete_session(url.rsplit("/", 1)[1])
    deliver(json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
    return s, session


def provider_refunds(fake, session, amount: int) -> tuple[str, list[dict]]:
    """The provider refunds part of the payment in Stripe's Dashboard: the refund's id and the events Stripe sends."""
    sent = len(fake.outbox)
    refund = client().v1.refunds.create(
        {"payment_intent": session["payment_intent"], "amount": amount}, options(ACCOUNT)
    )
    return refund.id, [json.loads(p) for p in fake.outbox[sent:]]


def state(db, s) -> tuple[int, PaymentStatus]:
    db.refresh(s.invoice)
    [payment] = payments(db)
    return s.invoice.paid_minor, payment.status


def test_the_fake_sends_refund_created_and_charge_refunded_with_the_running_total(database, fake):
    _, session = paid(database, fake)
    _, first = provider_refunds(fake, session, 1_000)
    _, second = provider_refunds(fake, session, 500)
    assert [e["type"] for e in first + second] == ["refund.created", "charge.refunded"] * 2
    assert [e["data"]["object"]["amount_refunded"] for e in (first[1], second[1])] == [1_000, 1_500]
    assert {e["type"] for e in first} <= set(HANDLED)


@pytest.mark.parametrize("order", ["refund first", "charge first"])
def test_a_refund_seen_as_refund_and_as_charge_reopens_its_part_once(database, fake, order):
    s, session = paid(database, fake)
    _, (created, charged) = provider_refunds(fake, session, 1_000)
    for event in (created, charged, created) if order == "refund first" else (charged, created, charged):
        deliver(event)
    assert state(database, s) == (3_200, PaymentStatus.SUCCEEDED)

    _, (created, charged) = provider_refunds(fake, session, 3_200)  # the rest
    deliver(charged)
    assert state(database, s) == (0, PaymentStatus.REFUNDED)
    deliver(created)
    assert state(database, s) == (0, PaymentStatus.REFUNDED)


def test_a_refund_that_fails_later_closes_its_part_again_and_the_provider_sees_it(database, fake):
    s, session = paid(database, fake)
    refund_id, events = provider_refunds(fake, session, 4_200)
    for event in events:
        deliver(event)
    assert state(database, s) == (0, PaymentStatus.REFUNDED)

    failed, updated, charge_refund_updated = (json.loads(p) for p in fake.fail_refund(refund_id))
    for event in (updated, failed, charge_refund_updated, failed):
        deliver(event)
    for event in events:  # the older news, replayed after the failure
        deliver(event)
    assert state(database, s) == (4_200, PaymentStatus.SUCCEEDED)
    [line] = payment_problems(database, s.organisation)
    assert line.startswith(f"Refund failed: {s.customer.name}, card payment of €42.00 on ")
    assert "a refund of €42.00 did not reach the customer: The card has expired or was canceled." in line


def test_a_failed_refund_whose_failure_arrives_first_never_reopens(database, fake):
    s, session = paid(database, fake)
    refund_id, (created, charged) = provider_refunds(fake, session, 1_500)
    failed = [json.loads(p) for p in fake.fail_refund(refund_id, "lost_or_stolen_card")]
    for event in (*failed, created, charged):
        deliver(event)
    assert state(database, s) == (4_200, PaymentStatus.SUCCEEDED)
    assert "reported lost or stolen" in payment_problems(database, s.organisation)[0]


def test_the_portals_own_excess_refund_events_reopen_nothing(database, fake):
    s, session = paid(database, fake, total=5_000, paid_meanwhile=2_000)  # 5,000 paid, 3,000 applied
    own = [json.loads(p) for p in fake.outbox]
    assert [e["type"] for e in own] == ["refund.created", "charge.refunded"]
    for event in (*own, *reversed(own)):
        deliver(event)
    assert state(database, s) == (5_000, PaymentStatus.SUCCEEDED)

    _, events = provider_refunds(fake, session, 600)
    for event in events:
        deliver(event)
    assert state(database, s) == (4_400, PaymentStatus.SUCCEEDED)


def test_a_failed_own_refund_moves_no_balance_and_is_listed_for_the_provider(database, fake):
    s, _ = paid(database, fake, total=4_200, void=True)  # a Void invoice: the whole payment goes back
    [refund] = fake.of_kind("re_")
    for payload in [*fake.outbox, *fake.fail_refund(refund["id"])]:
        deliver(json.loads(payload))
    assert state(database, s) == (0, PaymentStatus.REFUNDED)
    [line] = payment_problems(database, s.organisation)
    assert "the refund of a payment the invoice did not need of €42.00 did not reach the customer" in line


def test_two_events_of_one_refund_delivered_at_once_reopen_once(database, fake):
    s, session = paid(database, fake)
    _, events = provider_refunds(fake, session, 1_000)
    with meet_after(portal_db.engine(), "FROM stripeevent", 2):
        assert run_together(*(lambda e=e: deliver(e) for e in events)) == [None, None]
    assert state(database, s) == (3_200, PaymentStatus.SUCCEEDED)


def test_a_refund_failing_while_the_return_page_loads_closes_once_and_the_page_says_paid(database, fake):
    s, session = paid(database, fake)
    refund_id, events = provider_refunds(fake, session, 1_000)
    for event in events:
        deliver(event)
    failed = json.loads(fake.fail_refund(refund_id)[0])

    def success_page() -> str:
        with new_session() as db:
            return checkout.checkout_return(db, s.principal, s.invoice.id, session["id"])

    assert run_together(lambda: deliver(failed), success_page, lambda: deliver(failed)) == [None, "paid", None]
    assert state(database, s) == (4_200, PaymentStatus.SUCCEEDED)
