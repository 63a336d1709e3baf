"""Signing in: generic refusals, no account enumeration, throttling, session lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_customer, make_user
from sqlmodel import select

from portal_app.models import AuthSession, AuthThrottle
from portal_app.models.base import utcnow
from portal_app.services.accounts import auth, sessions

PASSWORD = "correct horse battery"


def attempt(email: str, password: str = PASSWORD, *, remember: bool = False, ip: str = "203.0.113.5"):
    return auth.SignInAttempt(email=email, password=password, remember=remember, client_ip=ip)


def test_right_password_opens_a_session_the_token_resolves_to(db):
    customer = make_customer(db)
    user = make_user(db, email="ann@example.com", customer=customer)
    token = auth.sign_in(attempt("  Ann@Example.com ")).session_token
    principal = sessions.resolve(db, token)
    assert principal is not None
    assert principal.user_id == user.id
    assert principal.customer_id == customer.id
    stored = db.exec(select(AuthSession)).one()
    assert stored.token_hash != token  # only the hash is stored
    assert len(stored.token_hash) == 64


def test_wrong_password_and_unknown_email_get_the_same_message(db):
    make_user(db, email="ann@example.com")
    with pytest.raises(auth.SignInRefused) as wrong:
        auth.sign_in(attempt("ann@example.com", "not the password"))
    with pytest.raises(auth.SignInRefused) as unknown:
        auth.sign_in(attempt("nobody@example.com"))
    assert wrong.value.message == unknown.value.message == auth.WRONG_CREDENTIALS
    assert db.exec(select(AuthSession)).all() == []


def test_empty_fields_are_refused_with_a_clear_message(db):
    with pytest.raises(auth.SignInRefused, match="Enter your email address"):
        auth.sign_in(attempt("", ""))
    with pytest.raises(auth.SignInRefused, match="Enter your password"):
        auth.sign_in(attempt("ann@example.com", ""))


def test_inactive_user_cannot_sign_in(db):
    make_user(db, email="gone@example.com", is_active=False)
    with pytest.raises(auth.SignInRefused, match="incorrect"):
        auth.sign_in(attempt("gone@example.com"))


def test_repeated_failures_lock_the_account_even_with_the_right_password(db):
    make_user(db, email="ann@example.com")
    for _ in range(5):
        with pytest.raises(auth.SignInRefused, match="incorrect"):
            auth.sign_in(attempt("ann@example.com", "guess-guess-guess"))
    with pytest.raises(auth.SignInRefused, match="Too many failed sign-in attempts"):
        auth.sign_in(attempt("ann@example.com"))
    db.expire_all()
    assert db.exec(select(AuthSession)).all() == []


def test_failures_slow_down_before_the_lock(db):
    make_user(db, email="ann@example.com")
    delays = []
    for _ in range(4):
        delays.append(auth.sign_in_delay(db, attempt("ann@example.com", "guess-guess-guess")))
        with pytest.raises(auth.SignInRefused):
            auth.sign_in(attempt("ann@example.com", "guess-guess-guess"))
        db.expire_all()
    assert delays[:3] == [0.0, 0.0, 0.0]
    assert 0 < delays[3] < auth.sign_in_delay(db, attempt("ann@example.com"))  # and it keeps growing


def test_lock_ends_after_the_lockout(db):
    make_user(db, email="ann@example.com")
    for _ in range(5):
        with pytest.raises(auth.SignInRefused):
            auth.sign_in(attempt("ann@example.com", "guess-guess-guess"))
    db.expire_all()
    row = db.get(AuthThrottle, "account:ann@example.com")
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert auth.sign_in(attempt("ann@example.com"))


def test_one_client_guessing_many_accounts_is_refused(db):
    make_user(db, email="target@example.com")
    for n in range(20):
        with pytest.raises(auth.SignInRefused):
            auth.sign_in(attempt(f"guess{n}@example.com", ip="198.51.100.7"))
    with pytest.raises(auth.SignInRefused, match="Too many"):
        auth.sign_in(attempt("target@example.com", ip="198.51.100.7"))
    assert auth.sign_in(attempt("target@example.com", ip="198.51.100.8"))


def test_remember_me_lasts_thirty_days_and_a_browser_session_hours(db):
    make_user(db, email="ann@example.com")
    auth.sign_in(attempt("ann@example.com", remember=True))
    auth.sign_in(attempt("ann@example.com", remember=False))
    long, short = db.exec(select(AuthSession).order_by(AuthSession.id)).all()
    assert timedelta(days=29) < long.expires_at - long.created_at <= timedelta(days=30)
    assert short.expires_at - short.created_at <= timedelta(hours=12)


def test_oversized_password_is_refused_without_a_crash(db):
    make_user(db, email="ann@example.com")
    with pytest.raises(auth.SignInRefused, match="incorrect"):
        auth.sign_in(attempt("ann@example.com", "x" * 5000))
    with pytest.raises(auth.SignInRefused, match="incorrect"):
        auth.sign_in(attempt("ann@example.com", "é" * 60))


def test_unknown_email_costs_a_bcrypt_check_of_the_same_cost(db, monkeypatch):
    make_user(db, email="ann@example.com")
    costs: list[bytes] = []
    real_checkpw = auth.verify_password.__globals__["bcrypt"].checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        costs.append(hashed[:7])
        return real_checkpw(password, hashed)

    monkeypatch.setattr(auth.verify_password.__globals__["bcrypt"], "checkpw", spy)
    for email in ("ann@example.com", "nobody@example.com"):
        with pytest.raises(auth.SignInRefused):
            auth.sign_in(attempt(email, "wrong-password-here"))
    assert len(costs) == 2
    assert costs[0] == costs[1]
