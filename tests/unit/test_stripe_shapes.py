"""The test server answers with the shapes of the SDK's resource classes: ids with Stripe's prefixes, an `object`,
only declared fields of the declared types, nested objects as ids unless `expand[]` asks for them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import stripe
from factories import make_organisation
from stripe._util import convert_to_stripe_object
from stripe_contract import RESOURCES, ShapeError, check_shape, resource_class
from stripe_fake import ACCOUNT, scenario

from portal_app.payments.gateway import client, options
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import start_card_setup
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.connect import start_onboarding
from portal_app.services.billing.stripe_events import handle_event

RETURN = "https://portal.example.com"
NOW = datetime(2025, 2, 15, 6, 0, tzinfo=UTC).replace(tzinfo=None)


def every_kind(db, fake) -> list[dict]:
    """Drive the portal through Checkout, a card setup, an automatic charge and a refund; returns the events."""
    s = scenario(db, autopay=True, total_minor=4_200, due_on=date(2025, 2, 1))
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    paid = fake.complete_session(url.rsplit("/", 1)[1])
    setup_url = start_card_setup(db, s.principal, return_base=RETURN)
    saved = fake.complete_session(setup_url.rsplit("/", 1)[1])
    events = [json.loads(fake.event("checkout.session.completed", obj, account=ACCOUNT)) for obj in (saved, paid)]
    for event in events:
        handle_event(db, event)
    s.invoice.paid_minor = 0  # owed again, for the automatic charge
    db.add(s.invoice)
    db.commit()
    assert run_autopay(db, now=NOW).charged == 1
    client().v1.refunds.create({"payment_intent": paid["payment_intent"], "amount": 100}, options(ACCOUNT, "r-1"))
    start_onboarding(db, make_organisation(db, slug="newcomer"))  # a connected account of the platform
    return events


def test_every_object_and_event_has_its_sdk_class_shape(db, fake):
    events = every_kind(db, fake)
    objects = [{k: v for k, v in obj.items() if not k.startswith("_")} for obj in fake.objects.values()]
    assert {obj["object"] for obj in objects} | {"event"} == set(RESOURCES)  # each kind is made at least once
    for obj in [*objects, *events]:
        check_shape(obj)
        sdk = convert_to_stripe_object(obj)
        assert isinstance(sdk, resource_class(obj["object"])), obj["object"]
        assert sdk.id == obj["id"] and sdk.object == obj["object"]
    for event in events:
        assert isinstance(stripe.Event.construct_from(event, "sk_test"), stripe.Event)
        check_shape(event["data"]["object"])


def test_nested_objects_are_ids_unless_expanded(db, fake):
    every_kind(db, fake)
    [session] = [o for o in fake.of_kind("cs_") if o["mode"] == "payment"]
    plain = client().v1.checkout.sessions.retrieve(session["id"], options=options(ACCOUNT))
    assert isinstance(plain.payment_intent, str) and plain.payment_intent.startswith("pi_")
    expanded = client().v1.checkout.sessions.retrieve(
        session["id"], {"expand": ["payment_intent"]}, options=options(ACCOUNT)
    )
    assert isinstance(expanded.payment_intent, stripe.PaymentIntent)
    assert expanded.payment_intent.id == plain.payment_intent
    [setup] = fake.of_kind("seti_")
    deep = client().v1.setup_intents.retrieve(setup["id"], {"expand": ["payment_method"]}, options=options(ACCOUNT))
    assert isinstance(deep.payment_method, stripe.PaymentMethod)
    assert deep.payment_method.card.last4 == "4242"
    check_shape(expanded.to_dict())
    check_shape(deep.to_dict())


@pytest.mark.parametrize(
    ("obj", "problem"),
    [
        ({"id": "pi_1", "object": "payment_intent", "amount": 1, "colour": "red"}, "has no such field"),
        ({"id": "pi_1", "object": "payment_intent", "amount": "1"}, "is not a"),
        ({"id": "ch_1", "object": "payment_intent"}, "does not start with pi_"),
        ({"id": "cs_1", "object": "checkout.session", "status": "gone"}, "is not a"),
        ({"id": "x_1", "object": "charge_thing"}, "unknown object"),
    ],
)
def test_the_shape_check_can_fail(obj, problem):
    with pytest.raises(ShapeError, match=problem):
        check_shape(obj)
