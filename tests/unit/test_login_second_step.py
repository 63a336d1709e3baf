"""The sign-in page's second step, driven through LoginState as a browser's events would drive it.

LoginState.finish_sign_in and restart_sign_in are public (a signed-out visitor calls them by
design): these tests show they open a session only for a pending sign-in this state started.
"""

from __future__ import annotations

import asyncio

import pytest
from factories import make_customer, make_user
from reflex.state import State
from sqlmodel import delete, select
from test_handler_guards import cookies_of
from totp_helpers import STEP, freeze_clock, turn_on

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from portal_app.models import AuthSession, PendingSignIn
from portal_app.services.accounts import auth, totp
from portal_app.state.login import LoginState

PASSWORD = "correct horse battery"


def login_state() -> LoginState:
    """The sign-in page's state as a new tab has it."""
    root = State(_reflex_internal_init=True)
    return root.get_substate(LoginState.get_full_name().split(".")[1:])


def call(state: LoginState, handler: str, *args) -> None:
    result = LoginState.event_handlers[handler].fn(state, *args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def open_sessions(db) -> list[AuthSession]:
    db.expire_all()
    return db.exec(select(AuthSession)).all()


@pytest.fixture
def person(db, monkeypatch):
    """Ann with two-factor sign-in on, no sessions; the authenticator clock at STEP + 1."""
    freeze_clock(monkeypatch)
    user = make_user(db, email="ann@example.com", customer=make_customer(db))
    secret, codes = turn_on(db, user)
    db.exec(delete(AuthSession))
    db.commit()
    freeze_clock(monkeypatch, STEP + 1)
    return secret, codes


def test_the_password_leads_to_the_code_step_without_a_session(db, person):
    state = login_state()
    call(state, "sign_in", {"email": "ann@example.com", "password": PASSWORD, "remember": "on"})

    assert state.second_step is True
    assert state.error == ""
    assert cookies_of(state).browser_token == cookies_of(state).remembered_token == ""
    pending = state._second_step_token  # a backend-only var: never sent to the browser
    assert pending
    assert pending not in str(state.dict())
    assert open_sessions(db) == []


def test_the_right_code_opens_the_remembered_session(db, person):
    secret, _codes = person
    state = login_state()
    call(state, "sign_in", {"email": "ann@example.com", "password": PASSWORD, "remember": "on"})
    call(state, "finish_sign_in", {"code": totp.code_at(secret, STEP + 1)})

    assert state.second_step is False
    assert cookies_of(state).browser_token == ""
    assert cookies_of(state).remembered_token
    (session,) = open_sessions(db)
    assert session.remember is True


def test_a_wrong_code_stays_on_the_step_with_a_message(db, person):
    _secret, codes = person
    state = login_state()
    call(state, "sign_in", {"email": "ann@example.com", "password": PASSWORD})
    call(state, "finish_sign_in", {"code": "123456"})
    assert state.field_errors == {"code": auth.WRONG_CODE}  # shown at the code field, which gets the focus
    assert state.error == ""
    assert state.second_step is True
    call(state, "finish_sign_in", {"code": codes[0]})
    assert cookies_of(state).browser_token
    assert len(open_sessions(db)) == 1


def test_a_visitor_without_a_pending_sign_in_gets_nothing(db, person):
    secret, codes = person
    state = login_state()
    for code in (totp.code_at(secret, STEP + 1), codes[0]):
        call(state, "finish_sign_in", {"code": code, "email": "ann@example.com", "password": PASSWORD})
        assert state.error == auth.SECOND_STEP_ENDED
        assert state.second_step is False
    assert cookies_of(state).browser_token == cookies_of(state).remembered_token == ""
    assert open_sessions(db) == []


def test_going_back_forgets_the_pending_sign_in(db, person):
    secret, _codes = person
    state = login_state()
    call(state, "sign_in", {"email": "ann@example.com", "password": PASSWORD})
    call(state, "restart_sign_in")
    assert state.second_step is False
    call(state, "finish_sign_in", {"code": totp.code_at(secret, STEP + 1)})
    assert state.error == auth.SECOND_STEP_ENDED
    assert open_sessions(db) == []
    assert len(db.exec(select(PendingSignIn)).all()) == 1  # it simply expires
