"""The Stripe test server keeps Stripe's contract: the SDK's own parameter types, idempotency, Stripe-Account."""

from __future__ import annotations

import inspect
import json
import re
from datetime import UTC, date, datetime

import pytest
import requests
import stripe
from factories import make_organisation
from sqlmodel import select
from stripe_contract import ROUTES, ContractError, check, decode, params_type
from stripe_fake import ACCOUNT, SECRET_KEY, StripeFake, scenario

from portal_app.models import Invoice, Payment, PaymentStatus
from portal_app.payments.gateway import client
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import card_setup_return, disable_autopay, start_card_setup
from portal_app.services.billing.checkout import checkout_return, start_checkout
from portal_app.services.billing.connect import refresh_status, start_onboarding
from portal_app.services.billing.stripe_events import handle_event

RETURN = "https://portal.example.com"
NOW = datetime(2025, 2, 15, 6, 0, tzinfo=UTC).replace(tzinfo=None)
OTHER_ACCOUNT = "acct_1OtherProvider"


@pytest.fixture
def server():
    """A fake spoken to over raw HTTP (requests outside the contract are the point here)."""
    fake = StripeFake()
    fake.start()
    yield fake
    fake.stop()


def call(server: StripeFake, method: str, path: str, data=None, *, key: str = "", account: str = ACCOUNT):
    headers = {"Authorization": f"Bearer {SECRET_KEY}", "Stripe-Account": account}
    if key:
        headers["Idempotency-Key"] = key
    if method == "GET":
        return requests.get(server.url + path, params=data, headers=headers, timeout=10)
    return requests.post(server.url + path, data=data, headers=headers, timeout=10)


def error_of(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["error"]


# -- the check can fail --------------------------------------------------------------------------------------------


def test_an_unknown_parameter_gets_stripes_400(server):
    response = call(server, "POST", "/v1/checkout/sessions", {"mode": "setup", "payment_method_types[0]": "card"})
    assert error_of(response) == {
        "type": "invalid_request_error",
        "code": "parameter_unknown",
        "param": "payment_method_types",
        "message": "Received unknown parameter: payment_method_types",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-unknown",
    }
    nested = call(server, "POST", "/v1/payment_intents", {"amount": "100", "currency": "eur", "metadata[a]": "1",
                                                          "payment_method_options[card][bogus]": "x"})  # fmt: skip
    error = error_of(nested)
    assert (error["code"], error["param"]) == ("parameter_unknown", "payment_method_options[card][bogus]")
    assert error["message"] == "Received unknown parameter: payment_method_options[card][bogus]"
    options = error_of(call(server, "POST", "/v1/customers", {"idempotency_key": "k"}))  # an SDK option, not a param
    assert (options["code"], options["param"]) == ("parameter_unknown", "idempotency_key")
    assert server.objects == {}  # refused before anything was made
    assert [error["code"] for _, error in server.refused] == ["parameter_unknown"] * 3


def test_a_missing_required_parameter_gets_stripes_400(server):
    assert error_of(call(server, "POST", "/v1/payment_intents", {"currency": "eur"})) == {
        "type": "invalid_request_error",
        "code": "parameter_missing",
        "param": "amount",
        "message": "Missing required param: amount.",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-missing",
    }
    form = {"mode": "payment", "line_items[0][quantity]": "1", "line_items[0][price_data][unit_amount]": "100",
            "line_items[0][price_data][product_data][name]": "Invoice"}  # fmt: skip
    error = error_of(call(server, "POST", "/v1/checkout/sessions", form))
    assert (error["code"], error["param"]) == ("parameter_missing", "line_items[0][price_data][currency]")
    assert error["message"] == "Missing required param: line_items[0][price_data][currency]."


@pytest.mark.parametrize(
    ("path", "form", "param", "code", "message"),
    [
        ("/v1/payment_intents", {"amount": "12.50", "currency": "eur"}, "amount", "parameter_invalid_integer",
         "Invalid integer: 12.50"),
        ("/v1/payment_intents", {"amount": "100", "currency": "eur", "confirm": "yes"}, "confirm", None,
         "Invalid boolean: yes"),
        ("/v1/payment_intents", {"amount": "100", "currency": ""}, "currency", "parameter_invalid_string_empty",
         "Invalid currency: must be a non-empty string"),
        ("/v1/payment_intents", {"amount": "100", "currency": "eur", "description": ""}, "description",
         "parameter_invalid_empty", None),
        ("/v1/refunds", {"payment_intent": "pi_1", "reason": "changed_mind"}, "reason", None,
         "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"),
        ("/v1/checkout/sessions", {"mode": "setup", "allowed_payment_method_types[0]": "cheque"},
         "allowed_payment_method_types[0]", None, None),
        ("/v1/customers", {"metadata": "customer 7"}, "metadata", None, "Invalid object"),
        ("/v1/customers", {"name": "Riverside", "name[first]": "River"}, "name", None, "Invalid hash"),
    ],
)  # fmt: skip
def test_a_wrong_type_or_a_value_outside_the_enum_gets_stripes_400(server, path, form, param, code, message):
    error = error_of(call(server, "POST", path, form))
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error.get("code") == code
    if message:
        assert error["message"] == message


def test_the_portals_old_setup_call_is_refused_through_the_sdk(server, monkeypatch):
    """The bug that hid behind the old fake: `payment_method_types` is gone from checkout.SessionCreateParams."""
    sdk = stripe.StripeClient(SECRET_KEY, base_addresses={"api": server.url}, max_network_retries=0)
    params = {"mode": "setup", "currency": "eur", "payment_method_types": ["card"], "success_url": RETURN}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.checkout.sessions.create(params, {"stripe_account": ACCOUNT})  # type: ignore[arg-type]
    assert (refused.value.http_status, refused.value.code, refused.value.param) == (
        400,
        "parameter_unknown",
        "payment_method_types",
    )
    del params["payment_method_types"]
    assert sdk.v1.checkout.sessions.create(params, {"stripe_account": ACCOUNT}).mode == "setup"


def test_an_endpoint_the_portal_does_not_use_is_not_found(server):
    response = call(server, "POST", "/v1/charges", {"amount": "100"})
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("Unrecognized request URL (POST: /v1/charges)")


def test_a_refused_request_is_not_stored_under_its_key(server):
    """Stripe stores an answer only once the endpoint runs: a request failing validation can be fixed and resent."""
    bad = call(server, "POST", "/v1/customers", {"name": "Riverside", "nickname": "River"}, key="k1")
    assert error_of(bad)["code"] == "parameter_unknown"
    good = call(server, "POST", "/v1/customers", {"name": "Riverside"}, key="k1")
    assert good.status_code == 200
    assert "Idempotent-Replayed" not in good.headers


# -- the portal's calls keep it ------------------------------------------------------------------------------------


def test_every_route_is_checked_against_the_type_the_sdks_method_takes():
    """ROUTES names, per endpoint, the params type of the SDK service method that calls it."""
    services = [stripe.checkout.SessionService, stripe.CustomerService, stripe.PaymentIntentService,
                stripe.PaymentMethodService, stripe.RefundService, stripe.SetupIntentService, stripe.AccountService,
                stripe.AccountLinkService]  # fmt: skip
    sdk: dict[tuple[str, str], str] = {}
    for service in services:
        for name, method in inspect.getmembers(service, inspect.isfunction):
            found = re.search(r'_request\(\s*"(\w+)",\s*"([^"]+)"', inspect.getsource(method))
            annotation = str(inspect.signature(method).parameters.get("params", inspect.Parameter).annotation)
            if found and not name.endswith("_async"):
                path = re.sub(r"\{\w+\}", "[^/]+", found.group(2))
                sdk[(found.group(1).upper(), path)] = re.search(r"\w+Params", annotation).group(0)
    for method, path, params in ROUTES:
        assert sdk[(method, path)] == params.__name__, (method, path)


def test_the_portals_real_calls_all_keep_the_contract(db, fake):
    """Every call the portal makes, through the real SDK: card setup and its return, checkout and its return (with
    its receipt), an automatic payment, a new card, switching off, a provider's Connect onboarding and its status.
    (`running` fails any test whose calls break the contract.)"""
    s = scenario(db, autopay=True, due_on=date(2025, 3, 1), total_minor=3_000)
    due = Invoice(customer_id=s.customer.id, issued_on=date(2025, 1, 1), due_on=date(2025, 2, 1), currency="EUR",
                  total_minor=1_200)  # fmt: skip
    db.add(due)
    db.commit()
    setup = fake.complete_session(start_card_setup(db, s.principal, return_base=RETURN).rsplit("/", 1)[1])
    assert card_setup_return(db, s.principal, setup["id"]).enabled
    paid = fake.complete_session(start_checkout(db, s.principal, s.invoice.id, return_base=RETURN).rsplit("/", 1)[1])
    assert checkout_return(db, s.principal, s.invoice.id, paid["id"]) == "paid"
    assert run_autopay(db, now=NOW).charged == 1
    second = fake.complete_session(start_card_setup(db, s.principal, return_base=RETURN).rsplit("/", 1)[1],
                                   card="pm_card_mastercard")  # fmt: skip
    handle_event(db, json.loads(fake.event("checkout.session.completed", second, account=ACCOUNT)))
    disable_autopay(db, s.principal)
    provider = make_organisation(db, slug="newcomer")
    start_onboarding(db, provider)
    refresh_status(db, provider)

    assert fake.refused == []
    used = {(r.method, params_type(r.method, r.path)) for r in fake.requests}
    names = {(method, params.__name__) for method, params in used}
    assert names == {
        ("POST", "CustomerCreateParams"),
        ("POST", "SessionCreateParams"),
        ("GET", "SessionRetrieveParams"),
        ("GET", "SetupIntentRetrieveParams"),
        ("GET", "PaymentMethodRetrieveParams"),
        ("POST", "PaymentMethodDetachParams"),
        ("POST", "PaymentIntentCreateParams"),
        ("GET", "PaymentIntentRetrieveParams"),  # the card of a receipt
        ("POST", "AccountCreateParams"),
        ("POST", "AccountLinkCreateParams"),
        ("GET", "AccountRetrieveParams"),
    }
    assert len(fake.calls("POST /v1/payment_methods/")) == 2  # the old card on update, the new one on disabling


def test_a_duplicate_payment_is_refunded_within_the_contract(db, fake):
    s = scenario(db, total_minor=2_000)
    first = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(first.rsplit("/", 1)[1])
    handle_event(db, json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
    intent = fake.of_kind("pi_")[0]
    duplicate = {**intent, "id": "pi_duplicate"}
    fake.objects["pi_duplicate"] = {**duplicate, "_account": ACCOUNT}
    handle_event(db, json.loads(fake.event("payment_intent.succeeded", duplicate, account=ACCOUNT)))
    [refund] = fake.calls("POST /v1/refunds")
    assert (refund.form["payment_intent"], refund.form["reason"]) == ("pi_duplicate", "duplicate")
    statuses = sorted(p.status for p in db.exec(select(Payment)).all())
    assert statuses == sorted([PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED])


# -- decoding Stripe's form encoding --------------------------------------------------------------------------------


def test_decoding_nested_and_array_parameters():
    pairs = [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][product_data][name]", "Invoice 7"),
        ("line_items[1][quantity]", "2"),
        ("line_items[0][quantity]", "1"),
        ("metadata[invoice_id]", "7"),
        ("metadata[0]", "zero"),
        ("expand[]", "payment_intent"),
        ("expand[]", "customer"),
        ("payment_intent_data[metadata][attempt_key]", "checkout-7-1-500"),
    ]
    assert decode(pairs) == {
        "mode": "payment",
        "line_items": [
            {"price_data": {"currency": "eur", "product_data": {"name": "Invoice 7"}}, "quantity": "1"},
            {"quantity": "2"},
        ],
        "metadata": {"invoice_id": "7", "0": "zero"},
        "expand": ["payment_intent", "customer"],
        "payment_intent_data": {"metadata": {"attempt_key": "checkout-7-1-500"}},
    }
    assert decode([("a[2]", "x"), ("a[0]", "y")]) == {"a": {"2": "x", "0": "y"}}  # not 0..n-1: stays a mapping


def test_decoded_query_strings_are_checked_like_bodies(server):
    ok = call(server, "GET", "/v1/checkout/sessions/cs_nope", {"expand[]": "payment_intent"})
    assert ok.status_code == 404  # past the contract, to the (missing) object
    assert ok.json()["error"]["code"] == "resource_missing"
    error = error_of(call(server, "GET", "/v1/checkout/sessions/cs_nope", {"expand": "payment_intent"}))
    assert (error["param"], error["message"]) == ("expand", "Invalid array")


def test_metadata_with_numeric_keys_and_empty_values_is_a_mapping():
    check(params_type("POST", "/v1/customers"), decode([("metadata[0]", "a"), ("metadata[1]", "")]))
    with pytest.raises(ContractError, match="Invalid string"):
        check(params_type("POST", "/v1/customers"), decode([("metadata[k][deep]", "a")]))


# -- idempotency like Stripe ---------------------------------------------------------------------------------------


def test_a_key_replays_its_answer_and_refuses_other_parameters(server):
    first = call(server, "POST", "/v1/customers", {"name": "Riverside"}, key="cust-1")
    again = call(server, "POST", "/v1/customers", {"name": "Riverside"}, key="cust-1")
    assert again.json() == first.json()
    assert (first.headers.get("Idempotent-Replayed"), again.headers["Idempotent-Replayed"]) == (None, "true")
    assert len(server.of_kind("cus_")) == 1

    other = call(server, "POST", "/v1/customers", {"name": "Lakeside"}, key="cust-1")
    assert other.status_code == 400
    error = other.json()["error"]
    assert error["type"] == "idempotency_error"
    assert error["message"].startswith("Keys for idempotent requests can only be used with the same parameters")
    assert len(server.of_kind("cus_")) == 1
    # Keys belong to one connected account: the same key on another account is a request of its own.
    assert call(server, "POST", "/v1/customers", {"name": "Lakeside"}, key="cust-1", account=OTHER_ACCOUNT).ok


def test_a_stored_500_is_replayed_and_a_new_key_goes_through(server):
    server.fail_next("POST /v1/customers", "server_error")
    failed = call(server, "POST", "/v1/customers", {"name": "Riverside"}, key="cust-1")
    replay = call(server, "POST", "/v1/customers", {"name": "Riverside"}, key="cust-1")
    assert (failed.status_code, replay.status_code) == (500, 500)
    assert replay.json() == failed.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert server.of_kind("cus_") == []
    assert call(server, "POST", "/v1/customers", {"name": "Riverside"}, key="cust-2").status_code == 200


def test_a_declined_charge_is_replayed_too(server):
    form = {"amount": "100", "currency": "eur", "payment_method": "pm_card_chargeDeclined", "confirm": "true"}
    first = call(server, "POST", "/v1/payment_intents", form, key="charge-1")
    again = call(server, "POST", "/v1/payment_intents", form, key="charge-1")
    assert (first.status_code, again.status_code) == (402, 402)
    assert again.json() == first.json()
    assert len(server.of_kind("pi_")) == 1


def test_the_portal_reusing_a_key_with_other_parameters_is_refused(db, fake):
    """An invoice's balance changes between two clicks that would share a key: Stripe refuses, nothing is charged."""
    s = scenario(db)
    sdk = client()
    params = {"mode": "payment", "success_url": RETURN, "line_items": [{"quantity": 1, "price_data": {
        "currency": "eur", "unit_amount": 5_000, "product_data": {"name": "Invoice"}}}]}  # fmt: skip
    sdk.v1.checkout.sessions.create(
        params, {"stripe_account": ACCOUNT, "idempotency_key": f"checkout-{s.invoice.id}-1"}
    )
    params["line_items"][0]["price_data"]["unit_amount"] = 4_000
    with pytest.raises(stripe.IdempotencyError):
        sdk.v1.checkout.sessions.create(
            params, {"stripe_account": ACCOUNT, "idempotency_key": f"checkout-{s.invoice.id}-1"}
        )
    assert len(fake.of_kind("cs_")) == 1


# -- Stripe-Account on every call ----------------------------------------------------------------------------------


def test_objects_of_another_connected_account_are_not_found(server):
    customer = call(server, "POST", "/v1/customers", {"name": "Riverside"}).json()
    assert call(server, "GET", f"/v1/customers/{customer['id']}").status_code == 200
    elsewhere = call(server, "GET", f"/v1/customers/{customer['id']}", account=OTHER_ACCOUNT)
    assert elsewhere.status_code == 404
    assert elsewhere.json()["error"] == {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "param": "id",
        "message": f"No such customer: '{customer['id']}'",
        "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
    }
    # A write naming it from another account is refused as well (400: a parameter names the missing object).
    form = {"mode": "setup", "currency": "eur", "customer": customer["id"]}
    session = call(server, "POST", "/v1/checkout/sessions", form, account=OTHER_ACCOUNT)
    assert (error_of(session)["code"], error_of(session)["param"]) == ("resource_missing", "customer")
    card = call(server, "GET", "/v1/payment_methods/pm_card_visa").json()
    assert card["card"]["last4"] == "4242"
    assert call(server, "POST", "/v1/payment_methods/pm_card_visa/detach", account=OTHER_ACCOUNT).status_code == 404


def test_the_portal_reads_sessions_on_the_invoices_account_only(db, fake):
    s = scenario(db, total_minor=2_500)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session_id = url.rsplit("/", 1)[1]
    fake.complete_session(session_id)
    s.organisation.stripe_account_id = OTHER_ACCOUNT  # the provider's account changed: the session is not there
    db.add(s.organisation)
    db.commit()
    assert checkout_return(db, s.principal, s.invoice.id, session_id) == "processing"
    [read] = fake.calls(f"GET /v1/checkout/sessions/{session_id}")
    assert read.account == OTHER_ACCOUNT
    assert db.exec(select(Payment)).all() == []

    s.organisation.stripe_account_id = ACCOUNT
    db.add(s.organisation)
    db.commit()
    assert checkout_return(db, s.principal, s.invoice.id, session_id) == "paid"
