"""Signing out (or another person signing in on the same tab) resets every per-person state of the tab.

The browser-level check over the websocket is tests/e2e/test_sign_out_forgets.py; this one runs every page's
load handler in one tab's state tree, in process, and looks at every var of every state afterwards.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user
from reflex.state import State
from test_handler_guards import cookies_of

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from portal_app.models import Invoice, Project, Service, Ticket
from portal_app.services.accounts import sessions
from portal_app.state.login import LoginState
from portal_app.state.session import SessionState

SECRETS = ("Alex Secret-Customer", "alex.secret@example.com", "Secret ticket", "SECRET-INV-1", "Secret fibre plan")


def page_states(cls: type[SessionState] = SessionState) -> list[type[SessionState]]:
    return [page for sub in cls.get_substates() for page in (sub, *page_states(sub))]


def everything_in(root: State) -> str:
    """Every var of every state in the tab's tree, as text."""
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    states = [session, *(root.get_substate(s.get_full_name().split(".")[1:]) for s in page_states())]
    return repr([{name: getattr(state, name) for name in type(state).__fields__} for state in states])


async def open_every_page(root: State) -> None:
    for state_cls in page_states():
        state = root.get_substate(state_cls.get_full_name().split(".")[1:])
        for name, handler in state_cls.event_handlers.items():
            if name.startswith("load_") and name in vars(state_cls):
                result = handler.fn(state)
                if inspect.isawaitable(result):
                    await result


@pytest.fixture
def alex_token(db) -> str:
    org = make_organisation(db, name="Northwind Fiber")
    alex = make_customer(db, org, name=SECRETS[0], email=SECRETS[1])
    db.add(Ticket(customer_id=alex.id, subject=SECRETS[2], description="x"))
    db.add(
        Invoice(
            customer_id=alex.id,
            number=SECRETS[3],
            issued_on=date(2026, 1, 1),
            due_on=date(2026, 1, 15),
            currency="USD",
            total_minor=1_000,
        )
    )
    db.add(Service(customer_id=alex.id, name=SECRETS[4]))
    db.add(Project(customer_id=alex.id, name="Secret project"))
    db.commit()
    user = make_user(db, email="alex@example.com", name=SECRETS[0], customer=alex)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return token


def test_signing_out_leaves_nothing_of_the_person_in_any_state(db, alex_token):
    root = State(_reflex_internal_init=True)
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    cookies_of(session).browser_token = alex_token
    asyncio.run(open_every_page(root))
    assert all(secret in everything_in(root) for secret in SECRETS)  # the pages did show them

    asyncio.run(SessionState.event_handlers["sign_out"].fn(session))

    assert [secret for secret in SECRETS if secret in everything_in(root)] == []
    assert cookies_of(session).browser_token == ""
    assert sessions.resolve(db, alex_token) is None


def test_another_person_signing_in_on_the_tab_ends_the_first_session_and_forgets_it(db, alex_token):
    make_user(db, email="jordan@example.com", password="another good password")
    root = State(_reflex_internal_init=True)
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    cookies_of(session).browser_token = alex_token
    asyncio.run(open_every_page(root))
    login = root.get_substate(LoginState.get_full_name().split(".")[1:])

    form = {"email": "jordan@example.com", "password": "another good password"}
    asyncio.run(LoginState.event_handlers["sign_in"].fn(login, form))

    assert [secret for secret in SECRETS if secret in everything_in(root)] == []
    assert cookies_of(session).browser_token not in ("", alex_token)
    assert sessions.resolve(db, alex_token) is None
