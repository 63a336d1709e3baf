"""Signing in with two-factor sign-in on: password first, then an app or recovery code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_customer, make_user, run_concurrently
from sqlmodel import delete, select
from totp_helpers import STEP, freeze_clock, turn_on

from portal_app.config import settings
from portal_app.models import AuthSession, PendingSignIn
from portal_app.models.base import utcnow
from portal_app.services.accounts import auth, pending_sign_in, sessions, totp

PASSWORD = "correct horse battery"


def attempt(password: str = PASSWORD, *, remember: bool = False, ip: str = "203.0.113.5") -> auth.SignInAttempt:
    return auth.SignInAttempt(email="ann@example.com", password=password, remember=remember, client_ip=ip)


@pytest.fixture
def person(db, monkeypatch):
    """Ann, with two-factor sign-in on; the authenticator clock stands at STEP + 1."""
    freeze_clock(monkeypatch)
    user = make_user(db, email="ann@example.com", customer=make_customer(db))
    secret, codes = turn_on(db, user)
    db.exec(delete(AuthSession))  # the session the setup was made in
    db.commit()
    freeze_clock(monkeypatch, STEP + 1)
    return user, secret, codes


def sessions_of(db) -> list[AuthSession]:
    db.expire_all()
    return db.exec(select(AuthSession)).all()


def test_the_password_alone_opens_no_session(db, person):
    outcome = auth.sign_in(attempt())
    assert outcome.session_token == ""
    assert outcome.second_step_token
    assert sessions_of(db) == []
    stored = db.exec(select(PendingSignIn)).one()
    assert stored.token_hash != outcome.second_step_token  # only the hash is stored
    assert stored.expires_at - stored.created_at == timedelta(minutes=5)


def test_a_wrong_password_still_gets_the_generic_refusal(db, person):
    with pytest.raises(auth.SignInRefused, match="Email or password is incorrect"):
        auth.sign_in(attempt("not the password"))
    assert db.exec(select(PendingSignIn)).all() == []


@pytest.mark.parametrize("remember", [True, False])
def test_the_app_code_opens_the_session_and_remember_me_carries_through(db, person, remember):
    user, secret, _codes = person
    pending = auth.sign_in(attempt(remember=remember)).second_step_token

    outcome = auth.finish_sign_in(pending, totp.code_at(secret, STEP + 1), "203.0.113.5")

    assert outcome.remember is remember
    principal = sessions.resolve(db, outcome.session_token)
    assert principal is not None
    assert principal.user_id == user.id
    (stored,) = sessions_of(db)
    assert stored.remember is remember
    assert db.exec(select(PendingSignIn)).all() == []
    with pytest.raises(auth.SecondStepEnded):  # the pending sign-in works once
        auth.finish_sign_in(pending, totp.code_at(secret, STEP + 2))


def test_a_used_app_code_is_refused_on_the_next_sign_in(db, person):
    _user, secret, _codes = person
    code = totp.code_at(secret, STEP + 1)
    auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, code)
    with pytest.raises(auth.SignInRefused, match="code is not correct"):
        auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, code)
    assert len(sessions_of(db)) == 1


def test_a_recovery_code_signs_in_once(db, person):
    _user, _secret, codes = person
    assert auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, codes[3]).session_token
    with pytest.raises(auth.SignInRefused, match="code is not correct"):
        auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, codes[3])


def test_the_same_code_sent_twice_at_once_opens_one_session(db, person):
    _user, secret, _codes = person
    pending = auth.sign_in(attempt()).second_step_token
    code = totp.code_at(secret, STEP + 1)
    results = run_concurrently(lambda: auth.finish_sign_in(pending, code), lambda: auth.finish_sign_in(pending, code))
    assert sum(isinstance(r, auth.SignInOutcome) for r in results) == 1, results
    assert len(sessions_of(db)) == 1


def test_unknown_or_expired_pending_sign_ins_are_refused(db, person):
    _user, secret, _codes = person
    code = totp.code_at(secret, STEP + 1)
    for token in ("", "made-up-token", "x" * 500):
        with pytest.raises(auth.SecondStepEnded, match="Sign in again"):
            auth.finish_sign_in(token, code)

    pending = auth.sign_in(attempt()).second_step_token
    row = db.exec(select(PendingSignIn)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(auth.SecondStepEnded):
        auth.finish_sign_in(pending, code)
    assert sessions_of(db) == []


def test_a_pending_sign_in_allows_a_few_wrong_codes_only(db, person, monkeypatch):
    monkeypatch.setenv("PORTAL_LOGIN_MAX_FAILURES", "50")  # this test is about the pending sign-in's own limit
    settings.cache_clear()
    _user, secret, _codes = person
    pending = auth.sign_in(attempt()).second_step_token
    for _ in range(pending_sign_in.MAX_ATTEMPTS - 1):
        with pytest.raises(auth.SignInRefused, match="code is not correct"):
            auth.finish_sign_in(pending, "000000")
    with pytest.raises(auth.SecondStepEnded, match="too many wrong codes"):
        auth.finish_sign_in(pending, "000000")
    with pytest.raises(auth.SecondStepEnded):  # even the right code is too late now
        auth.finish_sign_in(pending, totp.code_at(secret, STEP + 1))
    assert sessions_of(db) == []


def test_wrong_codes_add_up_across_sign_ins_and_lock_the_account(db, person):
    _user, _secret, _codes = person
    for _ in range(5):  # PORTAL_LOGIN_MAX_FAILURES: a fresh pending sign-in each time, the password right
        with pytest.raises(auth.SignInRefused, match="code is not correct"):
            auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, "000000")
    with pytest.raises(auth.SignInRefused, match="Too many failed sign-in attempts"):
        auth.sign_in(attempt())
    assert sessions_of(db) == []


def test_a_pending_sign_in_started_before_the_lock_cannot_finish_during_it(db, person):
    _user, secret, _codes = person
    kept = auth.sign_in(attempt()).second_step_token
    for _ in range(5):
        with pytest.raises(auth.SignInRefused):
            auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, "000000")
    with pytest.raises(auth.SignInRefused, match="Too many failed sign-in attempts"):
        auth.finish_sign_in(kept, totp.code_at(secret, STEP + 1))
    assert sessions_of(db) == []


def test_a_right_code_clears_the_failures(db, person):
    _user, secret, _codes = person
    for _ in range(4):
        with pytest.raises(auth.SignInRefused):
            auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, "000000")
    auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, totp.code_at(secret, STEP + 1))
    with pytest.raises(auth.SignInRefused, match="code is not correct"):  # not locked by one more miss
        auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, "000000")
    with pytest.raises(auth.SignInRefused, match="code is not correct"):
        auth.finish_sign_in(auth.sign_in(attempt()).second_step_token, "000000")


def test_a_deactivated_person_cannot_finish(db, person):
    user, secret, _codes = person
    pending = auth.sign_in(attempt()).second_step_token
    user.is_active = False
    db.add(user)
    db.commit()
    with pytest.raises(auth.SecondStepEnded):
        auth.finish_sign_in(pending, totp.code_at(secret, STEP + 1))
