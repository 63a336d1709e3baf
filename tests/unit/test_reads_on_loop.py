"""With SQLite, a page read marked `database_only` runs on the event loop, not on a worker thread (issue 16: the
thread hop cost more than many reads). What it would write after all (the session's last-seen touch) is refused
before it reaches the database, and the read runs again on a worker thread, which then writes it once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from factories import make_user
from sqlmodel import select
from test_handler_guards import fresh_state, run

from portal_app import db as portal_db
from portal_app.db import WouldWrite, reading_only, session_scope
from portal_app.models import AuthSession, Service
from portal_app.models.base import utcnow
from portal_app.services.access import customer_scope
from portal_app.services.accounts import sessions
from portal_app.services.accounts.overview import overview
from portal_app.services.billing.screens import billing_page
from portal_app.services.common.reads import database_only, is_database_only
from portal_app.state import session as session_state
from portal_app.state.overview import OverviewState
from portal_app.state.session import SessionState


@pytest.fixture
def token(db, bakery):
    user = make_user(db, email="reader@example.com", customer=bakery)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return token


@pytest.fixture
def threads(monkeypatch):
    """The work handed to a worker thread, by name (the thread still runs it)."""
    handed: list[str] = []
    real = session_state.asyncio.to_thread

    async def counted(fn, *args, **kwargs):
        handed.append(args[1].__name__ if len(args) > 1 and callable(args[1]) else fn.__name__)
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(session_state.asyncio, "to_thread", counted)
    return handed


def _last_seen(db, token: str):
    db.expire_all()
    return db.exec(select(AuthSession.last_seen_at).where(AuthSession.token_hash == sessions.token_hash(token))).one()


def _age_session(db, token: str, by: timedelta) -> None:
    row = db.exec(select(AuthSession).where(AuthSession.token_hash == sessions.token_hash(token))).one()
    row.last_seen_at = utcnow() - by
    db.add(row)
    db.commit()


def test_reading_only_refuses_a_write_before_sqlite_sees_it(db, bakery):
    with pytest.raises(WouldWrite), reading_only(), session_scope() as session:
        session.add(Service(customer_id=bakery.id, name="Never saved"))
        session.flush()
    db.expire_all()
    assert db.exec(select(Service).where(Service.name == "Never saved")).first() is None


def test_reading_only_lets_reads_through_and_ends_with_its_block(db, bakery):
    with reading_only(), session_scope() as session:
        assert session.exec(select(Service)).all() == []
    with session_scope() as session:  # outside the block, writes go through again
        session.add(Service(customer_id=bakery.id, name="Saved"))
    assert db.exec(select(Service.name)).all() == ["Saved"]


def test_a_page_read_runs_on_the_loop_when_the_session_was_seen_just_now(db, token, threads):
    assert portal_db.is_embedded() and is_database_only(overview)
    state = fresh_state(OverviewState, token)

    run(OverviewState.event_handlers["load_overview"], state, [])

    assert (state.client_name, state.loaded, state.header_loaded) == ("Riverside Bakery", True, True)
    assert threads == []


def test_a_stale_last_seen_sends_the_read_to_a_worker_thread_which_records_it(db, token, threads):
    _age_session(db, token, timedelta(minutes=5))
    before = _last_seen(db, token)
    state = fresh_state(OverviewState, token)

    run(OverviewState.event_handlers["load_overview"], state, [])

    assert state.client_name == "Riverside Bakery"
    assert threads == ["header_and_page"]
    assert _last_seen(db, token) > before


def test_a_marked_read_that_writes_after_all_writes_once_on_a_worker_thread(db, token, threads):
    @database_only
    def read_that_writes(session, principal):
        customer = customer_scope(session, principal).customer
        session.add(Service(customer_id=customer.id, name="Written by a read"))
        session.flush()
        return customer.name

    state = fresh_state(OverviewState, token)

    assert run_open_page(state, read_that_writes) == "Riverside Bakery"
    assert threads == ["header_and_page"]
    db.expire_all()
    assert db.exec(select(Service.name)).all() == ["Written by a read"]


def test_reads_not_marked_stay_on_a_worker_thread(db, token, threads):
    assert not is_database_only(billing_page)  # it may ask Stripe: never on the loop
    state = fresh_state(OverviewState, token)

    run_open_page(state, lambda session, principal: customer_scope(session, principal).customer.name)

    assert threads == ["header_and_page"]


def test_a_signed_out_browser_is_still_refused_on_the_loop(db, threads):
    state = fresh_state(OverviewState, "no-such-token")

    run(OverviewState.event_handlers["load_overview"], state, [])

    assert (state.loaded, state.client_name, threads) == (False, "", [])


def run_open_page(state: SessionState, read):
    return asyncio.run(state._open_page(read))
