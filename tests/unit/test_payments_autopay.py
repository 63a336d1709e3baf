"""Automatic payments: saving a card through setup-mode Checkout, charging due invoices once, failures."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime

import pytest
from factories import sent_mail
from sqlmodel import col, select
from stripe_fake import ACCOUNT, scenario
from stripe_fake_connect import connected_account

from portal_app.cli import payments as cli_payments
from portal_app.errors import PortalError
from portal_app.models import (
    Invoice,
    InvoiceState,
    Organisation,
    Payment,
    PaymentAttempt,
    PaymentStatus,
    StripeCustomer,
)
from portal_app.payments.gateway import PaymentError
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import (
    autopay_status,
    card_setup_return,
    disable_autopay,
    start_card_setup,
)
from portal_app.services.billing.stripe_events import handle_event

RETURN = "https://portal.example.com"
NOW = datetime(2025, 2, 15, 6, 0, tzinfo=UTC).replace(tzinfo=None)


def save_card(db, fake, s, card: str = "pm_card_visa") -> None:
    """Enable (or update) automatic payments the way the customer does: setup Checkout, then the webhook."""
    url = start_card_setup(db, s.principal, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1], card=card)
    handle_event(db, json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))


def attempts(db) -> list[PaymentAttempt]:
    db.expire_all()
    return list(db.exec(select(PaymentAttempt).order_by(PaymentAttempt.id)).all())


def test_enabling_creates_one_stripe_customer_and_saves_the_card(db, fake):
    s = scenario(db, autopay=True)
    assert autopay_status(db, s.principal).enabled is False

    first = start_card_setup(db, s.principal, return_base=RETURN)
    second = start_card_setup(db, s.principal, return_base=RETURN)
    assert first != second  # two setup pages are harmless; the Stripe Customer is still one
    [create_customer] = fake.calls("POST /v1/customers")
    assert create_customer.account == ACCOUNT
    row = db.exec(select(StripeCustomer)).one()
    assert create_customer.idempotency_key == f"customer-{s.customer.id}-{ACCOUNT}-{row.updated_at:%Y%m%d%H%M%S%f}"
    assert create_customer.form["metadata[customer_id]"] == str(s.customer.id)
    setup = fake.calls("POST /v1/checkout/sessions")[0]
    assert setup.account == ACCOUNT
    assert setup.form["mode"] == "setup"
    assert setup.form["allowed_payment_method_types[0]"] == "card"  # `payment_method_types` is gone from the API
    assert "payment_method_types[0]" not in setup.form
    assert setup.form["customer"] == fake.of_kind("cus_")[0]["id"]
    assert setup.form["success_url"] == f"{RETURN}/portal/billing?card=saved&session_id={{CHECKOUT_SESSION_ID}}"

    session = fake.complete_session(first.rsplit("/", 1)[1])
    status = card_setup_return(db, s.principal, session["id"])
    assert (status.enabled, status.card_brand, status.card_last4, status.card_exp) == (True, "Visa", "4242", "12/30")
    handle_event(db, json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))  # late webhook
    assert len(db.exec(select(StripeCustomer)).all()) == 1
    assert fake.calls("POST /v1/payment_methods") == []


def test_updating_the_card_detaches_the_old_one_and_disabling_detaches_the_new(db, fake):
    s = scenario(db, autopay=True)
    save_card(db, fake, s)
    save_card(db, fake, s, card="pm_card_mastercard")
    status = autopay_status(db, s.principal)
    assert (status.card_brand, status.card_last4) == ("Mastercard", "4444")
    [detach_old] = fake.calls("POST /v1/payment_methods/pm_card_visa/detach")
    assert detach_old.account == ACCOUNT

    disable_autopay(db, s.principal)
    assert autopay_status(db, s.principal).enabled is False
    assert len(fake.calls("POST /v1/payment_methods/pm_card_mastercard/detach")) == 1
    assert run_autopay(db, now=NOW).charged == 0
    assert fake.calls("POST /v1/payment_intents") == []


def test_setup_refused_when_the_provider_does_not_allow_autopay(db, fake):
    s = scenario(db, autopay=False)
    assert autopay_status(db, s.principal).allowed is False
    with pytest.raises(PaymentError, match="not available"):
        start_card_setup(db, s.principal, return_base=RETURN)
    assert fake.requests == []


def test_autopay_charges_due_invoices_once_even_when_run_twice(db, fake):
    s = scenario(db, autopay=True, currency="JPY", total_minor=5_000, due_on=date(2025, 2, 1))
    later = Invoice(
        customer_id=s.customer.id, issued_on=date(2025, 2, 1), due_on=date(2025, 3, 1), currency="JPY", total_minor=10
    )
    void = Invoice(
        customer_id=s.customer.id,
        state=InvoiceState.VOID,
        issued_on=date(2025, 1, 1),
        due_on=date(2025, 1, 2),
        currency="JPY",
        total_minor=10,
    )
    db.add_all([later, void])
    db.commit()
    save_card(db, fake, s)

    assert run_autopay(db, now=NOW).charged == 1
    assert run_autopay(db, now=NOW).charged == 0

    [charge] = fake.calls("POST /v1/payment_intents")
    assert charge.account == ACCOUNT
    assert charge.idempotency_key == f"autopay-{s.invoice.id}-1"
    form = charge.form
    assert (form["amount"], form["currency"], form["off_session"], form["confirm"]) == ("5000", "jpy", "true", "true")
    assert form["payment_method"] == "pm_card_visa"
    assert form["customer"] == fake.of_kind("cus_")[0]["id"]
    assert form["metadata[invoice_id]"] == str(s.invoice.id)
    [payment] = db.exec(select(Payment)).all()
    assert (payment.amount_minor, payment.currency) == (5_000, "JPY")
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 5_000
    # The webhook for the same PaymentIntent arrives afterwards: still one payment.
    intent = fake.of_kind("pi_")[-1]
    handle_event(db, json.loads(fake.event("payment_intent.succeeded", intent, account=ACCOUNT)))
    assert len(db.exec(select(Payment)).all()) == 1


def test_stripe_busy_once_is_retried_with_the_same_key(db, fake):
    s = scenario(db, autopay=True, due_on=date(2025, 2, 1))
    save_card(db, fake, s)
    fake.fail_next("POST /v1/payment_intents", "lock_timeout")
    assert run_autopay(db, now=NOW).charged == 1
    keys = [call.idempotency_key for call in fake.calls("POST /v1/payment_intents")]
    assert keys == [f"autopay-{s.invoice.id}-1"] * 2
    assert len(fake.of_kind("pi_")) == 1


def test_a_stripe_error_is_replayed_for_its_key_and_the_next_run_takes_a_new_key(db, fake):
    s = scenario(db, autopay=True, due_on=date(2025, 2, 1))
    save_card(db, fake, s)
    fake.fail_next("POST /v1/payment_intents", "server_error")
    report = run_autopay(db, now=NOW)
    assert (report.charged, report.failed) == (0, 0)
    assert "will retry" in report.lines[-1]
    assert [call.replayed for call in fake.calls("POST /v1/payment_intents")] == [False, True]
    assert [a.status for a in attempts(db)] == ["expired"]
    assert autopay_status(db, s.principal).last_problem == ""  # not the card's fault: nothing to tell the customer

    assert run_autopay(db, now=NOW).charged == 1
    keys = [call.idempotency_key for call in fake.calls("POST /v1/payment_intents")]
    assert keys == [f"autopay-{s.invoice.id}-1"] * 2 + [f"autopay-{s.invoice.id}-2"]
    assert [a.status for a in attempts(db)] == ["expired", "succeeded"]
    assert len(db.exec(select(Payment)).all()) == 1


def test_unreachable_stripe_leaves_the_attempt_for_the_next_run_with_the_same_key(db, fake, monkeypatch):
    from portal_app.config import settings

    s = scenario(db, autopay=True, due_on=date(2025, 2, 1))
    save_card(db, fake, s)
    base = settings().stripe_api_base
    monkeypatch.setenv("PORTAL_STRIPE_API_BASE", "http://127.0.0.1:9")
    settings.cache_clear()
    assert run_autopay(db, now=NOW).charged == 0
    monkeypatch.setenv("PORTAL_STRIPE_API_BASE", base)
    settings.cache_clear()
    assert run_autopay(db, now=NOW).charged == 1
    assert [call.idempotency_key for call in fake.calls("POST /v1/payment_intents")] == [f"autopay-{s.invoice.id}-1"]
    assert len(attempts(db)) == 1


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("pm_card_chargeDeclined", "Your card was declined."),
        ("pm_card_authenticationRequired", "This transaction requires authentication."),
    ],
)
def test_declined_or_authentication_required_keeps_the_invoice_open_and_emails_the_customer(db, fake, card, reason):
    s = scenario(db, autopay=True, due_on=date(2025, 2, 1), total_minor=3_000)
    save_card(db, fake, s, card=card)

    report = run_autopay(db, now=NOW)
    assert (report.charged, report.failed) == (0, 1)
    [attempt] = attempts(db)
    assert attempt.status == "failed"
    assert reason in attempt.failure_reason
    assert attempt.stripe_payment_intent_id
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 0
    [failed] = db.exec(select(Payment)).all()  # billing history shows the declined payment, with the reason
    assert (failed.status, failed.amount_minor, failed.stripe_payment_intent_id) == (
        PaymentStatus.FAILED,
        3_000,
        attempt.stripe_payment_intent_id,
    )
    assert failed.reference == attempt.stripe_payment_intent_id
    assert reason in failed.failure_reason
    [mail] = sent_mail()
    assert mail["To"] == "owner@riverside.example.com"
    assert "Automatic payment failed" in mail["Subject"]
    body = mail.get_content()
    assert f"{RETURN}/portal/billing" in body
    assert reason in body
    assert reason in autopay_status(db, s.principal).last_problem

    assert run_autopay(db, now=NOW).failed == 0  # the same card is not tried again
    assert len(fake.calls("POST /v1/payment_intents")) == 1

    save_card(db, fake, s, card="pm_card_visa")  # a new card: the next run tries again, with a new key
    assert run_autopay(db, now=NOW).charged == 1
    keys = [call.idempotency_key for call in fake.calls("POST /v1/payment_intents")]
    assert keys == [f"autopay-{s.invoice.id}-1", f"autopay-{s.invoice.id}-2"]
    assert autopay_status(db, s.principal).last_problem == ""
    db.expire_all()
    statuses = [p.status for p in db.exec(select(Payment).order_by(col(Payment.id))).all()]
    assert statuses == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]  # the declined one stays in history


def test_no_charges_when_the_provider_switched_payments_off(db, fake):
    s = scenario(db, autopay=True, due_on=date(2025, 2, 1))
    save_card(db, fake, s)
    run_cli(["payments", "disable", "--org", s.organisation.slug])
    assert run_autopay(db, now=NOW).charged == 0
    assert fake.calls("POST /v1/payment_intents") == []


def run_cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    cli_payments.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    args.handler(args)


def test_cli_enables_and_disables_payments_for_an_organisation(db, fake, capsys):
    s = scenario(db)
    connected_account(fake, "acct_1NewAccount", charges_enabled=False, currently_due=["external_account"])
    run_cli(["payments", "enable", "--org", s.organisation.slug, "--account", "acct_1NewAccount", "--autopay"])
    db.expire_all()
    organisation = db.get(Organisation, s.organisation.id)
    assert (organisation.stripe_account_id, organisation.online_payments_enabled, organisation.autopay_allowed) == (
        "acct_1NewAccount",
        True,
        True,
    )
    assert not organisation.stripe_charges_enabled  # read from Stripe: not yet, so no card payment is offered
    out = capsys.readouterr().out
    assert "Card payments are on" in out
    assert "bank account" in out.lower()  # what Stripe still needs, in words
    run_cli(["payments", "disable", "--org", s.organisation.slug])
    db.expire_all()
    organisation = db.get(Organisation, s.organisation.id)
    assert (organisation.online_payments_enabled, organisation.autopay_allowed) == (False, False)


def test_cli_refuses_an_account_the_platform_cannot_read(db, fake):
    s = scenario(db)
    with pytest.raises(PortalError, match="not connected to the platform"):
        run_cli(["payments", "enable", "--org", s.organisation.slug, "--account", "acct_1Stranger"])
    db.expire_all()
    assert db.get(Organisation, s.organisation.id).stripe_account_id == ACCOUNT  # nothing changed


def test_cli_autopay_run_prints_what_it_did(db, fake, capsys):
    s = scenario(db, autopay=True, due_on=date(2025, 2, 1))
    save_card(db, fake, s)
    run_cli(["autopay", "run"])
    run_cli(["autopay", "run"])
    out = capsys.readouterr().out
    assert "1 charged" in out
    assert "0 charged" in out
    assert len(fake.calls("POST /v1/payment_intents")) == 1
