"""Server-side sessions: expiry, sign-out, and switching only between one's own customers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_customer, make_organisation, make_user
from sqlmodel import select

from portal_app.models import AuthSession, Membership
from portal_app.models.base import utcnow
from portal_app.services.accounts import sessions


def test_unknown_tampered_or_oversized_tokens_resolve_to_nobody(db):
    user = make_user(db)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    assert sessions.resolve(db, token) is not None
    assert sessions.resolve(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert sessions.resolve(db, "") is None
    assert sessions.resolve(db, "x" * 10_000) is None


def test_expired_session_resolves_to_nobody(db):
    user = make_user(db)
    token = sessions.open_session(db, user.id, remember=True)
    db.commit()
    row = db.exec(select(AuthSession)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert sessions.resolve(db, token) is None


@pytest.mark.parametrize(("remember", "idle"), [(False, timedelta(minutes=30)), (True, timedelta(days=7))])
def test_a_session_left_unused_too_long_ends(db, remember, idle):
    user = make_user(db)
    token = sessions.open_session(db, user.id, remember=remember)
    db.commit()
    row = db.exec(select(AuthSession)).one()
    row.last_seen_at = utcnow() - idle + timedelta(minutes=1)
    db.add(row)
    db.commit()
    assert sessions.resolve(db, token) is not None  # still within the idle limit: used now
    db.commit()
    row = db.exec(select(AuthSession)).one()
    row.last_seen_at = utcnow() - idle - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert sessions.resolve(db, token) is None


def test_sign_out_ends_only_that_session(db):
    user = make_user(db)
    first = sessions.open_session(db, user.id, remember=False)
    second = sessions.open_session(db, user.id, remember=False)
    sessions.end_session(db, first)
    db.commit()
    assert sessions.resolve(db, first) is None
    assert sessions.resolve(db, second) is not None


def test_deactivated_user_is_signed_out(db):
    user = make_user(db)
    token = sessions.open_session(db, user.id, remember=False)
    user.is_active = False
    db.add(user)
    db.commit()
    assert sessions.resolve(db, token) is None


def test_switching_is_limited_to_linked_customers(db):
    north, harbor = make_organisation(db, name="North"), make_organisation(db, name="Harbor")
    mine_north, mine_harbor = make_customer(db, north), make_customer(db, harbor)
    someone_else = make_customer(db, harbor, name="Someone else")
    user = make_user(db, customer=mine_north)
    db.add(Membership(portal_user_id=user.id, customer_id=mine_harbor.id))
    db.commit()
    token = sessions.open_session(db, user.id, remember=False)
    principal = sessions.resolve(db, token)
    assert principal.customer_id == mine_north.id

    assert [c.organisation_name for c in sessions.organisation_choices(db, principal)] == ["Harbor", "North"]
    assert sessions.switch_customer(db, principal, mine_harbor.id)
    db.commit()
    principal = sessions.resolve(db, token)
    assert principal.customer_id == mine_harbor.id
    assert principal.organisation_id == harbor.id

    assert not sessions.switch_customer(db, principal, someone_else.id)
    db.commit()
    assert sessions.resolve(db, token).customer_id == mine_harbor.id


def test_user_without_membership_has_no_customer(db):
    user = make_user(db)
    token = sessions.open_session(db, user.id, remember=False)
    principal = sessions.resolve(db, token)
    assert principal.customer_id is None
    assert principal.organisation_id is None


def test_only_portal_and_staff_paths_are_followed_after_sign_in():
    from portal_app.state.session import safe_next

    assert safe_next("/portal/billing/history?invoices=2") == "/portal/billing/history?invoices=2"
    assert safe_next("/staff/tickets/3") == "/staff/tickets/3"
    for hostile in ("//evil.example", "https://evil.example", "/portalx", "/portal//evil.example", "/portal\\x", ""):
        assert safe_next(hostile) == "/portal"
