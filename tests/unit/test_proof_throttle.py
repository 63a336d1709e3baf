"""Proofs inside a session (the current password, a code from the app) are counted like failed sign-ins.

With a stolen session, guessing the password behind it (to change it, or to turn two-factor off) used to
have no limit: 80 wrong tries, then the right one, accepted. Now the fifth wrong proof ends every session
of the person and tells them by email.
"""

from __future__ import annotations

import asyncio

import pytest
from factories import make_customer, make_user, sent_mail
from reflex.state import State
from test_handler_guards import cookies_of
from totp_helpers import freeze_clock, turn_on

from portal_app.services.accounts import profile, proofs, sessions, two_factor
from portal_app.state.profile import ProfileState
from portal_app.state.session import SessionState

PASSWORD = "correct horse battery"
ALLOWED = 5  # PORTAL_LOGIN_MAX_FAILURES' default


@pytest.fixture
def ann(db):
    return make_user(db, email="ann@example.com", name="Ann", customer=make_customer(db))


def signed_in(db, user) -> tuple[sessions.Principal, str]:
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return sessions.resolve(db, token), token


def test_the_fifth_wrong_password_ends_every_session_and_tells_the_person(db, ann):
    principal, token = signed_in(db, ann)
    _, other_browser = signed_in(db, ann)
    for _ in range(ALLOWED - 1):
        with pytest.raises(profile.ProfileError, match="current password is not correct"):
            profile.change_password(db, principal, "a wrong guess", "a-new-password-1")
    assert sessions.resolve(db, token) is not None

    with pytest.raises(proofs.TooManyWrongProofs):
        profile.change_password(db, principal, "a wrong guess", "a-new-password-1")

    db.expire_all()
    assert sessions.resolve(db, token) is None
    assert sessions.resolve(db, other_browser) is None
    assert sent_mail()[-1]["To"] == "ann@example.com"
    assert "signed out" in sent_mail()[-1]["Subject"]


def test_a_right_password_starts_the_count_again(db, ann):
    principal, token = signed_in(db, ann)
    for attempt in range(2 * (ALLOWED - 1)):
        with pytest.raises(profile.ProfileError, match="not correct"):
            profile.change_password(db, principal, "a wrong guess", "a-new-password-1")
        if attempt == ALLOWED - 2:
            profile.change_password(db, principal, PASSWORD, PASSWORD + "!")
            profile.change_password(db, principal, PASSWORD + "!", PASSWORD)
    assert sessions.resolve(db, token) is not None


def test_wrong_proofs_to_turn_two_factor_off_count_too(db, ann, monkeypatch):
    freeze_clock(monkeypatch)
    turn_on(db, ann)
    principal, token = signed_in(db, ann)
    for _ in range(ALLOWED - 1):
        with pytest.raises(two_factor.TwoFactorError):
            two_factor.disable(db, principal, "a wrong guess")
    with pytest.raises(proofs.TooManyWrongProofs):
        two_factor.renew_recovery_codes(db, principal, "000000")

    db.expire_all()
    assert sessions.resolve(db, token) is None
    assert two_factor.is_enabled(db, ann.id)


def test_the_page_sends_the_person_to_sign_in_saying_why(db, ann):
    _, token = signed_in(db, ann)
    root = State(_reflex_internal_init=True)
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    cookies_of(session).browser_token = token
    state = root.get_substate(ProfileState.get_full_name().split(".")[1:])
    form = {
        "current_password": "a wrong guess",
        "new_password": "a-new-password-1",
        "confirm_password": "a-new-password-1",
    }

    answers = [asyncio.run(ProfileState.event_handlers["change_password"].fn(state, form)) for _ in range(ALLOWED)]

    assert all("signed_out" not in str(answer) for answer in answers[:-1])  # refused at the field, still here
    assert "signed_out=safety" in str(answers[-1])
    assert cookies_of(session).browser_token == ""
