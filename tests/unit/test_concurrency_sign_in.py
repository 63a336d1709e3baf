"""Wrong passwords sent at the same moment each count: the lockout limit holds exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from factories import make_user, run_concurrently
from fault_injection import scratch_postgres
from sqlmodel import Session

from portal_app import db as portal_db
from portal_app.config import settings
from portal_app.models import AuthThrottle
from portal_app.services.accounts import auth

LIMIT = 20
EMAIL = "bea@bakery.example"
PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, env, monkeypatch):
    monkeypatch.setenv("PORTAL_LOGIN_MAX_FAILURES", str(LIMIT))
    settings.cache_clear()
    session = request.getfixturevalue("db" if request.param == "sqlite" else "postgres_db")
    make_user(session, email=EMAIL, password=PASSWORD)
    return session


@pytest.fixture
def postgres_db(monkeypatch):
    with scratch_postgres(monkeypatch) as session:
        yield session


def wrong_password() -> object:
    try:
        auth.sign_in(auth.SignInAttempt(email=EMAIL, password="wrong guess", remember=False))
    except auth.SignInRefused as refused:
        return refused.message
    return "signed in"


def failures_counted() -> tuple[int, bool]:
    with Session(portal_db.engine()) as session:
        row = session.get(AuthThrottle, f"account:{EMAIL}")
        return (row.failures, row.locked_until is not None) if row else (0, False)


def right_password() -> str:
    try:
        auth.sign_in(auth.SignInAttempt(email=EMAIL, password=PASSWORD, remember=False))
    except auth.SignInRefused as refused:
        return refused.message
    return "signed in"


def test_one_short_of_the_limit_at_once_counts_each_and_locks_nothing(database):
    answers = run_concurrently(*[wrong_password] * (LIMIT - 1))

    assert answers == [auth.WRONG_CREDENTIALS] * (LIMIT - 1)
    assert failures_counted() == (LIMIT - 1, False)
    assert right_password() == "signed in"


def test_the_limit_reached_at_once_locks_the_account(database):
    answers = run_concurrently(*[wrong_password] * LIMIT)

    assert answers == [auth.WRONG_CREDENTIALS] * LIMIT
    assert failures_counted() == (0, True)  # locked, with a fresh budget for after the lock
    assert right_password().startswith("Too many failed sign-in attempts")
