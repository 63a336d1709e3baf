"""Numbers from URLs, events, CSV cells and Stripe metadata: only ASCII digits, within SQLite's integers.

"²".isdigit() is True but int("²") raises ValueError, and an id past 2**63 - 1 makes SQLite raise
OverflowError: every reader goes through inputs.parse_id, so such text is simply not a number.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from factories import make_customer, make_organisation, make_user
from hostile_input import fuzz, hostile_value
from hypothesis import example, given
from starlette.testclient import TestClient
from test_handler_guards import fresh_state

from portal_app.api import api_app
from portal_app.errors import PortalError
from portal_app.services.access import check_pdf_link, stripe_customer, stripe_invoice
from portal_app.services.accounts import customer_admin, sessions
from portal_app.services.common.inputs import MAX_ID, parse_id
from portal_app.services.common.pagination import PageRequest, parse_page
from portal_app.services.imports import values as import_values
from portal_app.state.payments import _digits
from portal_app.state.session import SessionState
from portal_app.state.staff_articles import route_article_id

NOT_NUMBERS = ["²", "١٢", "12²", "-3", "+3", " 4", "4.0", "0x1f", "", "0", "00", str(MAX_ID + 1), "9" * 40, "9" * 5000]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("0012", 12), (str(MAX_ID), MAX_ID), *[(bad, None) for bad in NOT_NUMBERS], (None, None), (7, None)],
)
def test_parse_id_takes_only_ascii_digits_within_sqlites_integers(text, expected):
    assert parse_id(text) == expected


def test_parse_id_honours_a_smaller_maximum():
    assert parse_id("50", 50) == 50
    assert parse_id("51", 50) is None
    assert parse_id("0050", 50) == 50


@fuzz(300)
@given(text=hostile_value)
@example(text="²")
@example(text="9" * 5000)  # past Python's int() digit limit: refused before converting
def test_parse_id_never_raises_and_returns_only_what_the_digits_say(text):
    number = parse_id(text)
    assert number is None or (1 <= number <= MAX_ID and str(number) == text.lstrip("0"))


@pytest.mark.parametrize("bad", NOT_NUMBERS)
def test_page_numbers_and_sizes_from_the_url_fall_back_to_defaults(bad):
    assert parse_page(bad, bad) == PageRequest(1, 10)
    assert parse_page("2", "25") == PageRequest(2, 25)


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), ("new", 0), ("²", None), ("9" * 20, None), ("0", None)])
def test_the_article_editor_reads_only_ids_from_the_url(raw, expected):
    page = SimpleNamespace(router=SimpleNamespace(page=SimpleNamespace(params={"article_id": raw})))
    assert route_article_id(page) == expected


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (" 12 ", 12), (12, 12), ("²", None), ("9" * 20, None)])
def test_payment_ids_from_the_url_or_an_event(raw, expected):
    assert _digits(raw) == expected


@pytest.mark.parametrize("exp", ["²" * 10, "9" * 40, "-1", ""])
def test_an_invoice_pdf_link_with_an_unreadable_expiry_is_refused(exp):
    principal = SimpleNamespace(user_id=1, customer_id=11)
    assert not check_pdf_link(principal, 42, exp, "sig", now=datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("raw_id", ["²", "9" * 19, "9" * 40])
def test_the_invoice_pdf_route_answers_not_found_for_an_unreadable_id(db, raw_id):
    customer = make_customer(db, make_organisation(db))
    token = sessions.open_session(db, make_user(db, customer=customer).id, remember=False)
    db.commit()
    client = TestClient(api_app, cookies={"portal_session": token})
    assert client.get(f"/api/invoices/{raw_id}/pdf?exp=1&sig=x").status_code == 404


@pytest.mark.parametrize("raw", ["²", "9" * 40, "0"])
def test_an_unreadable_import_quantity_is_a_clear_cell_error(raw):
    with pytest.raises(import_values.BadValue, match="not a whole number from 1 to 1,000,000"):
        import_values.quantity(raw)


def test_deleting_a_customer_by_an_oversized_id_is_a_clear_refusal(db):
    make_organisation(db, slug="acme", name="Acme")
    with pytest.raises(PortalError, match=f"Acme has no customer '{'9' * 40}'"):
        customer_admin.delete_customer(db, "acme", "9" * 40)


@pytest.mark.parametrize("raw", ["²", "9" * 40])
def test_stripe_metadata_with_unreadable_ids_is_ignored(db, raw):
    assert stripe_invoice(db, {"invoice_id": raw, "customer_id": "1"}, None) is None
    assert stripe_invoice(db, {"invoice_id": "1", "customer_id": raw}, None) is None
    assert stripe_customer(db, {"customer_id": raw}, "acct_1") is None


@pytest.mark.parametrize("raw", ["²", "9" * 40, 7, ["1"]])
def test_switching_to_an_unreadable_organisation_is_refused_with_a_toast(db, raw):
    customer = make_customer(db, make_organisation(db))
    token = sessions.open_session(db, make_user(db, customer=customer).id, remember=False)
    db.commit()
    state = fresh_state(SessionState, token)
    refusal = asyncio.run(SessionState.event_handlers["switch_organisation"].fn(state, raw))
    assert "That organisation is not available." in str(refusal)
    assert sessions.resolve(db, token).customer_id == customer.id
