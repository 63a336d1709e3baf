"""Pay with Stripe: who is offered card payments, the Checkout Session we create, and the success return."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, run_concurrently
from sqlmodel import Session, select
from stripe_fake import ACCOUNT, scenario

from portal_app import db as portal_db
from portal_app.config import settings
from portal_app.errors import NotFound
from portal_app.models import Invoice, InvoiceState, Payment, PaymentAttempt, PaymentStatus
from portal_app.payments.gateway import COULD_NOT_START, PaymentError
from portal_app.services.access import NotLinked
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.checkout import checkout_return, start_checkout
from portal_app.services.billing.eligibility import payment_options

RETURN = "https://portal.example.com"


def test_online_payments_need_the_key_the_providers_account_and_the_customer(db, fake, monkeypatch):
    s = scenario(db, autopay=True)
    options = payment_options(db, s.principal)
    assert (options.online, options.autopay_allowed) == (True, True)
    assert (options.contact_email, options.contact_phone) == ("billing@acme.example.com", "+1 555 0100")

    s.customer.online_payments_allowed = False
    db.add(s.customer)
    db.commit()
    assert payment_options(db, s.principal).online is False
    assert payment_options(db, s.principal).autopay_allowed is False
    with pytest.raises(PaymentError, match="contact your provider"):
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)

    s.customer.online_payments_allowed = True
    s.organisation.stripe_account_id = None
    db.add_all([s.customer, s.organisation])
    db.commit()
    assert payment_options(db, s.principal).online is False

    s.organisation.stripe_account_id = ACCOUNT
    db.add(s.organisation)
    db.commit()
    monkeypatch.setenv("PORTAL_STRIPE_SECRET_KEY", "")
    settings.cache_clear()
    assert payment_options(db, s.principal).online is False
    with pytest.raises(PaymentError):
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("currency", "total", "paid", "charged"),
    [
        ("EUR", 12_345, 0, 12_345),  # EUR 123.45 in cents
        ("USD", 10_000, 2_550, 7_450),  # the balance, not the total
        ("JPY", 5_000, 0, 5_000),  # zero-decimal: 5,000 yen is 5000, not 500000
        ("KWD", 12_340, 0, 12_340),  # three decimals: 12.340 KWD in fils
    ],
)
def test_checkout_charges_the_balance_in_minor_units_on_the_connected_account(db, fake, currency, total, paid, charged):
    s = scenario(db, currency=currency, total_minor=total, paid_minor=paid)

    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN + "/")

    [call] = fake.calls("POST /v1/checkout/sessions")
    assert url == f"{fake.url}/pay/{fake.of_kind('cs_')[0]['id']}"
    assert call.account == ACCOUNT
    assert call.idempotency_key == f"checkout-{s.invoice.id}-1-{charged}"
    form = call.form
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == str(charged)
    assert form["line_items[0][price_data][currency]"] == currency.lower()
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[invoice_id]"] == str(s.invoice.id)
    assert form["metadata[customer_id]"] == str(s.customer.id)
    assert form["payment_intent_data[metadata][invoice_id]"] == str(s.invoice.id)
    assert form["success_url"] == f"{RETURN}/portal/billing?paid={s.invoice.id}&session_id={{CHECKOUT_SESSION_ID}}"
    assert form["cancel_url"] == f"{RETURN}/portal/billing?cancelled={s.invoice.id}"
    attempt = db.exec(select(PaymentAttempt)).one()
    assert (attempt.amount_minor, attempt.currency, attempt.status) == (charged, currency, "open")


def test_double_click_reuses_the_open_session(db, fake):
    s = scenario(db)
    first = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    second = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert first == second
    assert len(fake.calls("POST /v1/checkout/sessions")) == 1
    assert len(db.exec(select(PaymentAttempt)).all()) == 1


def test_two_tabs_at_once_get_one_session(db, fake):
    s = scenario(db)

    def pay() -> str:
        with Session(portal_db.engine(), expire_on_commit=False) as session:
            return start_checkout(session, s.principal, s.invoice.id, return_base=RETURN)

    first, second = run_concurrently(pay, pay)
    assert first == second
    assert isinstance(first, str)
    assert len(fake.of_kind("cs_")) == 1
    keys = {call.idempotency_key for call in fake.calls("POST /v1/checkout/sessions")}
    assert keys == {f"checkout-{s.invoice.id}-1-5000"}
    assert len(db.exec(select(PaymentAttempt)).all()) == 1


def test_a_changed_balance_starts_a_new_attempt_with_a_new_key(db, fake):
    s = scenario(db, total_minor=9_000)
    start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    s.invoice.paid_minor = 4_000  # a manual payment arrived meanwhile
    db.add(s.invoice)
    db.commit()
    start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    keys = [call.idempotency_key for call in fake.calls("POST /v1/checkout/sessions")]
    assert keys == [f"checkout-{s.invoice.id}-1-9000", f"checkout-{s.invoice.id}-2-5000"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state": InvoiceState.VOID}, "void"),
        ({"paid_minor": 5_000}, "no balance"),
        ({"paid_minor": 5_001}, "no balance"),
    ],
)
def test_refuses_invoices_with_nothing_to_pay(db, fake, change, message):
    s = scenario(db, total_minor=5_000, **change)
    with pytest.raises(PaymentError, match=message):
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert fake.requests == []


def test_refuses_a_three_decimal_amount_stripe_cannot_charge(db, fake):
    s = scenario(db, currency="KWD", total_minor=12_345)
    with pytest.raises(PaymentError, match="cannot be paid by card"):
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)


def test_another_customers_or_a_draft_invoice_is_not_found(db, fake):
    s = scenario(db)
    other = make_customer(db, s.organisation, name="Other Ltd")
    theirs = Invoice(
        customer_id=other.id, issued_on=date(2025, 1, 1), due_on=date(2025, 2, 1), currency="EUR", total_minor=100
    )
    draft = Invoice(
        customer_id=s.customer.id,
        state=InvoiceState.DRAFT,
        issued_on=date(2025, 1, 1),
        due_on=date(2025, 2, 1),
        currency="EUR",
        total_minor=100,
    )
    db.add_all([theirs, draft])
    db.commit()
    for invoice_id in (theirs.id, draft.id, 999_999):
        with pytest.raises(NotFound):
            start_checkout(db, s.principal, invoice_id, return_base=RETURN)
    assert fake.requests == []


def test_stripe_busy_once_is_retried_with_the_same_key(db, fake):
    s = scenario(db)
    fake.fail_next("POST /v1/checkout/sessions", "lock_timeout")  # refused before running: nothing stored
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    calls = fake.calls("POST /v1/checkout/sessions")
    assert len(calls) == 2
    assert calls[0].idempotency_key == calls[1].idempotency_key
    assert url.startswith(fake.url)
    assert len(fake.of_kind("cs_")) == 1


def test_a_failed_create_is_replayed_for_its_key_and_a_new_click_takes_a_new_key(db, fake):
    s = scenario(db)
    fake.fail_next("POST /v1/checkout/sessions", "server_error")
    with pytest.raises(PaymentError) as refused:
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert refused.value.message == COULD_NOT_START
    first, retry = fake.calls("POST /v1/checkout/sessions")
    assert first.idempotency_key == retry.idempotency_key == f"checkout-{s.invoice.id}-1-5000"
    assert retry.replayed  # Stripe stored the 500 under the key: retrying it can only get the 500 again
    [failed] = db.exec(select(PaymentAttempt)).all()
    assert (failed.status, failed.stripe_checkout_session_id) == ("failed", None)

    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert url.startswith(fake.url)
    assert fake.calls("POST /v1/checkout/sessions")[-1].idempotency_key == f"checkout-{s.invoice.id}-2-5000"
    assert [a.status for a in db.exec(select(PaymentAttempt).order_by(PaymentAttempt.id)).all()] == ["failed", "open"]
    assert start_checkout(db, s.principal, s.invoice.id, return_base=RETURN) == url  # the open one is reused


@pytest.mark.parametrize("kind", ["idempotency_error", "unreachable"])
def test_stripe_failure_tells_the_customer_nothing_was_charged(db, fake, monkeypatch, kind):
    s = scenario(db)
    if kind == "unreachable":
        monkeypatch.setenv("PORTAL_STRIPE_API_BASE", "http://127.0.0.1:9")
        settings.cache_clear()
    else:
        fake.fail_next("POST /v1/checkout/sessions", kind)
    with pytest.raises(PaymentError) as refused:
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert refused.value.message == COULD_NOT_START
    # Nothing open: an error Stripe answered is kept as a failed attempt (its key is used up), no answer leaves none.
    statuses = [a.status for a in db.exec(select(PaymentAttempt)).all()]
    assert statuses == (["failed"] if kind == "idempotency_error" else [])
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 0


def test_success_return_shows_processing_until_paid_then_records_one_payment(db, fake):
    s = scenario(db, total_minor=7_500)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session_id = url.rsplit("/", 1)[1]
    assert checkout_return(db, s.principal, s.invoice.id, session_id) == "processing"

    fake.complete_session(session_id)
    assert checkout_return(db, s.principal, s.invoice.id, session_id) == "paid"
    assert checkout_return(db, s.principal, s.invoice.id, session_id) == "paid"

    [payment] = db.exec(select(Payment)).all()
    assert (payment.amount_minor, payment.currency, payment.status) == (7_500, "EUR", PaymentStatus.SUCCEEDED)
    assert payment.stripe_payment_intent_id == fake.of_kind("pi_")[0]["id"]
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 7_500
    assert db.exec(select(PaymentAttempt)).one().status == "succeeded"
    with pytest.raises(PaymentError, match="no balance"):
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)


def test_success_return_for_someone_elses_session_is_not_found(db, fake):
    s = scenario(db)
    other = scenario(db)
    url = start_checkout(db, other.principal, other.invoice.id, return_base=RETURN)
    session_id = url.rsplit("/", 1)[1]
    fake.complete_session(session_id)
    with pytest.raises(NotFound):
        checkout_return(db, s.principal, other.invoice.id, session_id)
    with pytest.raises(NotFound):
        checkout_return(db, s.principal, s.invoice.id, session_id)
    assert db.exec(select(Payment)).all() == []


def test_unlinked_principal_is_refused(db, fake):
    s = scenario(db)
    stranger = Principal(session_id=0, user_id=0, user_name="", user_email="", customer_id=None, organisation_id=None)
    with pytest.raises(NotLinked):
        start_checkout(db, stranger, s.invoice.id, return_base=RETURN)
    assert fake.requests == []
