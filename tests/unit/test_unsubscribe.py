"""One-click unsubscribe (RFC 8058): POST turns off one kind for one person without signing in; GET never does."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from factories import make_customer, make_user
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.api import api_app
from portal_app.models import Membership, NotificationKind, NotificationOptOut
from portal_app.services.accounts.notification_preferences import preferences, recipients


@pytest.fixture
def http(db):
    return TestClient(api_app)


def link_for(db, customer, kind: NotificationKind, address: str) -> str:
    """The path and query of the unsubscribe link in an email of this kind to this address."""
    [recipient] = [r for r in recipients(db, customer, kind) if r.address == address]
    parts = urlsplit(recipient.unsubscribe_url)
    return f"{parts.path}?{parts.query}"


def kinds_on(db, principal) -> set[str]:
    return {row.kind for row in preferences(db, principal) if row.enabled}


def test_a_one_click_post_turns_off_only_that_kind_for_only_that_person(db, http, bea, bakery):
    make_user(db, email="sam@bakery.example", customer=bakery)
    link = link_for(db, bakery, NotificationKind.REMINDERS, "owner@bakery.example")

    answer = http.post(link, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "no longer get emails about payment reminders at owner@bakery.example" in answer.text
    assert kinds_on(db, bea) == {"invoices", "receipts", "tickets"}
    assert [r.address for r in recipients(db, bakery, NotificationKind.REMINDERS)] == ["sam@bakery.example"]

    assert http.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: still fine
    assert len(db.exec(select(NotificationOptOut)).all()) == 1


def test_a_get_shows_a_button_and_changes_nothing(db, http, bea, bakery):
    link = link_for(db, bakery, NotificationKind.INVOICES, "owner@bakery.example")

    answer = http.get(link)
    assert answer.status_code == 200
    assert "Stop emails about new invoices to owner@bakery.example?" in answer.text
    assert '<form method="post"' in answer.text and "Unsubscribe from new invoices</button>" in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert kinds_on(db, bea) == {"invoices", "reminders", "receipts", "tickets"}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(".invoices.", ".receipts."),  # another kind
        lambda t: t.replace("token=u", "token=u1"),  # another person
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # another signature
        lambda t: t[:-5],  # cut short
        lambda t: t.split("?")[0],  # no token at all
    ],
)
def test_a_tampered_link_changes_nothing_and_says_so(db, http, bea, bakery, tamper):
    link = tamper(link_for(db, bakery, NotificationKind.INVOICES, "owner@bakery.example"))

    for answer in (http.post(link), http.get(link)):
        assert answer.status_code == 400
        assert "not valid" in answer.text and "Nothing was changed" in answer.text
    assert db.exec(select(NotificationOptOut)).all() == []


def test_a_customer_without_people_unsubscribes_its_record_address(db, http):
    shop = make_customer(db, name="Corner Shop", email="owner@corner.example")
    link = link_for(db, shop, NotificationKind.INVOICES, "owner@corner.example")

    assert http.post(link).status_code == 200
    assert recipients(db, shop, NotificationKind.INVOICES) == []
    assert len(recipients(db, shop, NotificationKind.RECEIPTS)) == 1


def test_a_link_of_a_deleted_person_says_so(db, http, bakery):
    person = make_user(db, email="gone@bakery.example", customer=bakery)
    link = link_for(db, bakery, NotificationKind.INVOICES, "gone@bakery.example")
    db.delete(db.exec(select(Membership).where(Membership.portal_user_id == person.id)).one())
    db.delete(person)
    db.commit()

    answer = http.post(link)
    assert answer.status_code == 400
    assert "no longer exists" in answer.text
