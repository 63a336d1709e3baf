"""Stripe's minimum charge: the test server refuses smaller amounts like Stripe; the portal never asks for them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import requests
import stripe
from sqlmodel import select
from stripe_fake import ACCOUNT, MINIMUM_CHARGE, SECRET_KEY, StripeFake, scenario

from portal_app.models import Invoice, PaymentAttempt
from portal_app.payments.gateway import PaymentError, client, options
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import start_card_setup
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.invoices import invoice_row
from portal_app.services.billing.minimums import MINIMUM_CHARGE as PORTAL_TABLE
from portal_app.services.billing.minimums import TOO_SMALL, below_minimum, minimum_charge
from portal_app.services.billing.screens import billing_page, history_page
from portal_app.services.billing.stripe_events import handle_event
from portal_app.services.common.pagination import PageRequest

RETURN = "https://portal.example.com"
NOW = datetime(2025, 2, 15, 6, 0, tzinfo=UTC).replace(tzinfo=None)
TODAY = date(2025, 2, 15)


@pytest.fixture
def server():
    fake = StripeFake()
    fake.start()
    yield fake
    fake.stop()


def post(server: StripeFake, path: str, data: dict[str, str]):
    headers = {"Authorization": f"Bearer {SECRET_KEY}", "Stripe-Account": ACCOUNT}
    return requests.post(server.url + path, data=data, headers=headers, timeout=10)


# -- the table ----------------------------------------------------------------------------------------------------


def test_the_portal_and_the_test_server_carry_the_same_table_from_stripes_docs():
    assert PORTAL_TABLE == MINIMUM_CHARGE
    assert (PORTAL_TABLE["USD"], PORTAL_TABLE["EUR"], PORTAL_TABLE["GBP"], PORTAL_TABLE["JPY"]) == (50, 50, 30, 50)
    assert all(isinstance(v, int) and v > 0 for v in PORTAL_TABLE.values())  # integer minor units, never floats
    assert minimum_charge("eur") == 50
    assert minimum_charge("XYZ") == 1  # Stripe publishes none: whatever is positive is offered
    assert below_minimum(49, "EUR") and not below_minimum(50, "EUR") and not below_minimum(0, "EUR")
    assert below_minimum(29, "gbp") and not below_minimum(30, "GBP")
    assert below_minimum(17_499, "HUF") and not below_minimum(1, "ISK")


# -- the test server refuses like Stripe -------------------------------------------------------------------------


@pytest.mark.parametrize(("currency", "amount", "shown"), [("eur", 49, "0.50"), ("gbp", 29, "0.30"), ("jpy", 49, "50")])
def test_a_payment_intent_under_the_minimum_gets_amount_too_small(server, currency, amount, shown):
    response = post(server, "/v1/payment_intents", {"amount": str(amount), "currency": currency})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "code": "amount_too_small",
        "param": "amount",
        "message": f"Amount must be at least {shown} {currency}",
        "doc_url": "https://stripe.com/docs/error-codes/amount-too-small",
    }
    assert server.objects == {}
    at_minimum = post(server, "/v1/payment_intents", {"amount": str(MINIMUM_CHARGE[currency.upper()]),
                                                      "currency": currency})  # fmt: skip
    assert at_minimum.status_code == 200, at_minimum.text


def test_a_payment_mode_checkout_session_under_the_minimum_is_refused_setup_mode_is_not(server):
    form = {"mode": "payment", "success_url": f"{RETURN}/ok", "line_items[0][quantity]": "1",
            "line_items[0][price_data][currency]": "usd", "line_items[0][price_data][unit_amount]": "49",
            "line_items[0][price_data][product_data][name]": "Invoice 1"}  # fmt: skip
    response = post(server, "/v1/checkout/sessions", form)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("amount_too_small", "line_items[0][price_data][unit_amount]")
    assert "at least 0.50 usd" in error["message"]
    twice = post(server, "/v1/checkout/sessions", {**form, "line_items[0][quantity]": "2"})
    assert twice.status_code == 200  # 0.98 in all
    setup = post(server, "/v1/checkout/sessions", {"mode": "setup", "currency": "usd", "success_url": f"{RETURN}/ok"})
    assert setup.status_code == 200, setup.text


def test_the_sdk_sees_stripes_invalid_request_error(fake):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client().v1.payment_intents.create({"amount": 10, "currency": "eur"}, options(ACCOUNT, "k-1"))
    assert (refused.value.http_status, refused.value.code, refused.value.param) == (400, "amount_too_small", "amount")
    fake.refused.clear()  # the point of this test


# -- the portal offers no card payment under it ------------------------------------------------------------------


def test_a_row_under_the_minimum_has_no_pay_button_but_says_why():
    def row(total: int, paid: int = 0, currency: str = "EUR"):
        invoice = Invoice(id=1, customer_id=1, number="INV-1", issued_on=TODAY, due_on=TODAY, currency=currency,
                          total_minor=total, paid_minor=paid)  # fmt: skip
        return invoice_row(invoice, "en_US", TODAY)

    assert (row(49).has_balance, row(49).too_small) == (True, True)
    assert row(50).too_small is False
    assert row(5_000, paid=4_980).too_small is True  # a partial payment left 0.20
    assert row(5_000, paid=5_000).too_small is False  # nothing to pay is not "too small"
    assert row(29, currency="GBP").too_small is True
    assert row(30, currency="GBP").too_small is False


def test_billing_and_history_pages_mark_the_small_balance(db, fake):
    s = scenario(db, total_minor=40)
    big = Invoice(customer_id=s.customer.id, number="INV-BIG", issued_on=date(2025, 1, 2), due_on=date(2025, 2, 1),
                  currency="EUR", total_minor=5_000)  # fmt: skip
    db.add(big)
    db.commit()
    tab = billing_page(db, s.principal, "")
    assert {r.number: r.too_small for r in tab.invoices} == {s.invoice.number: True, "INV-BIG": False}
    assert tab.options.online is True
    history = history_page(db, s.principal, PageRequest(1, 10), PageRequest(1, 10), "")
    assert {r.number: r.too_small for r in history.invoices} == {s.invoice.number: True, "INV-BIG": False}


def test_the_row_draws_the_explanation_instead_of_the_button():
    from portal_app.pages import billing as pages
    from portal_app.state.billing import HistoryState

    drawn = str(pages._pay_button(HistoryState.invoices[0], HistoryState.online))
    assert TOO_SMALL in drawn
    assert "Pay with Stripe" in drawn
    assert TOO_SMALL == "This balance is too small to pay by card: please pay by bank transfer or contact us."


def test_start_checkout_refuses_it_without_calling_stripe(db, fake):
    s = scenario(db, total_minor=5_000, paid_minor=4_951)
    with pytest.raises(PaymentError) as refused:
        start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert str(refused.value) == TOO_SMALL
    assert fake.requests == []
    assert db.exec(select(PaymentAttempt)).all() == []


def test_automatic_payments_skip_it_with_one_line_and_never_call_stripe(db, fake):
    s = scenario(db, autopay=True, currency="GBP", total_minor=1_000, paid_minor=975, due_on=date(2025, 2, 1))
    due = Invoice(customer_id=s.customer.id, number="INV-DUE", issued_on=date(2025, 1, 5), due_on=date(2025, 2, 5),
                  currency="GBP", total_minor=2_000)  # fmt: skip
    db.add(due)
    db.commit()
    url = start_card_setup(db, s.principal, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    handle_event(db, json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))

    for run in (1, 2):
        report = run_autopay(db, now=NOW)
        assert (report.charged, report.too_small) == ((1, 1) if run == 1 else (0, 1))
        skipped = [line for line in report.lines if s.invoice.number in line]
        assert skipped == [
            f"Invoice {s.invoice.number}: not charged, its balance of £0.25 is below Stripe's minimum charge of £0.30;"
            " to be paid by bank transfer."
        ]
    [charge] = fake.calls("POST /v1/payment_intents")  # only the invoice above the minimum, once
    assert charge.form["metadata[invoice_id]"] == str(due.id)
    kept = db.exec(select(PaymentAttempt).where(PaymentAttempt.invoice_id == s.invoice.id)).all()
    assert kept == []  # nothing to retry: no attempt is made for it


def test_the_demo_data_keeps_its_pay_buttons(db):
    from portal_app.demo import seed_demo
    from portal_app.models import InvoiceState

    seed_demo(db)
    open_balances = [
        (i.number, i.total_minor - i.paid_minor, i.currency)
        for i in db.exec(select(Invoice).where(Invoice.state == InvoiceState.ISSUED)).all()
        if i.total_minor > i.paid_minor
    ]
    assert open_balances
    assert [b for b in open_balances if below_minimum(b[1], b[2])] == []
