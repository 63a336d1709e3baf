"""Forgotten-password links: emailed once, single-use, short-lived, and silent about unknown accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import (
    PUBLIC_URL,
    make_customer,
    make_organisation,
    make_user,
    run_concurrently,
    sent_mail,
    slow_hashing,
    token_in,
)
from sqlmodel import col, select, update

from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.models import AuthToken, PortalUser, TokenPurpose
from portal_app.models.base import utcnow
from portal_app.services.accounts import invites, sessions
from portal_app.services.accounts.password_reset import check_reset_token, complete_reset, request_reset
from portal_app.services.accounts.passwords import verify_password

EXPIRED = "This link has expired. Ask for a new one."
USED = "This link has already been used. Ask for a new one."
INVALID = "This link is not valid. Ask for a new one."
NEW_PASSWORD = "a brand new passphrase"


def reset_token(db, email: str = "bob@example.com") -> str:
    """Ask for a reset and return the token from the email it sent."""
    request_reset(db, email)
    db.commit()
    return token_in(sent_mail()[-1].get_content())


def test_request_emails_a_link_to_the_account(db):
    make_user(db, email="bob@example.com", name="Bob")

    assert request_reset(db, "  Bob@Example.COM ") is None
    db.commit()

    [message] = sent_mail()
    assert message["To"] == "bob@example.com"
    assert message["Subject"] == "Reset your portal password"
    body = message.get_content()
    assert body.startswith("Hello Bob,")
    assert f"{PUBLIC_URL}/portal/reset-password?token=" in body
    assert check_reset_token(db, token_in(body)) is None


@pytest.mark.parametrize("email", ["nobody@example.com", "not an email", "", "x" * 300])
def test_unknown_or_invalid_address_gets_the_same_answer_and_no_mail(db, email):
    make_user(db, email="bob@example.com")

    assert request_reset(db, email) is None

    assert sent_mail() == []
    assert db.exec(select(AuthToken)).all() == []


def test_deactivated_or_never_invited_accounts_get_no_mail(db):
    make_user(db, email="gone@example.com", is_active=False)
    make_user(db, email="placeholder@example.com", password=None)

    request_reset(db, "gone@example.com")
    request_reset(db, "placeholder@example.com")

    assert sent_mail() == []


def test_invited_person_without_a_password_can_reset(db):
    customer = make_customer(db, make_organisation(db, slug="acme"))
    invites.invite(db, organisation_slug="acme", customer_id=customer.id, email="new@example.com")

    request_reset(db, "new@example.com")

    assert [m["Subject"] for m in sent_mail()][-1] == "Reset your portal password"


def test_mail_failure_is_logged_not_revealed(db, monkeypatch, caplog):
    from portal_app.config import settings

    make_user(db, email="bob@example.com")
    monkeypatch.setenv("PORTAL_SMTP_URL", "smtp://127.0.0.1:1")
    settings.cache_clear()

    assert request_reset(db, "bob@example.com") is None
    assert "could not be sent" in caplog.text


def test_complete_reset_sets_the_password_and_signs_out_everywhere(db):
    user = make_user(db, email="bob@example.com", password="old password 123")
    laptop = sessions.open_session(db, user.id, remember=True)
    phone = sessions.open_session(db, user.id, remember=False)
    db.commit()
    token = reset_token(db)

    assert complete_reset(db, token, NEW_PASSWORD) == user.id
    db.commit()

    db.refresh(user)
    assert verify_password(NEW_PASSWORD, user.password_hash)
    assert not verify_password("old password 123", user.password_hash)
    assert sessions.resolve(db, laptop) is None
    assert sessions.resolve(db, phone) is None


def test_link_works_only_once(db):
    make_user(db, email="bob@example.com")
    token = reset_token(db)
    complete_reset(db, token, NEW_PASSWORD)
    db.commit()

    assert check_reset_token(db, token) == USED
    with pytest.raises(PortalError, match=USED):
        complete_reset(db, token, "another passphrase!")


def test_expired_link_is_refused(db):
    user = make_user(db, email="bob@example.com")
    token = reset_token(db)
    db.exec(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()

    assert check_reset_token(db, token) == EXPIRED
    with pytest.raises(PortalError, match=EXPIRED):
        complete_reset(db, token, NEW_PASSWORD)
    db.refresh(user)
    assert verify_password("correct horse battery", user.password_hash)


def test_link_lasts_one_hour(db):
    make_user(db, email="bob@example.com")
    reset_token(db)

    [row] = db.exec(select(AuthToken)).all()
    assert row.expires_at - row.created_at == timedelta(hours=1)


@pytest.mark.parametrize("token", ["", "made-up-token", "x" * 5000])
def test_wrong_token_is_refused(db, token):
    make_user(db, email="bob@example.com")
    reset_token(db)

    assert check_reset_token(db, token) == INVALID
    with pytest.raises(PortalError, match=INVALID):
        complete_reset(db, token, NEW_PASSWORD)


def test_invitation_token_is_not_a_reset_token(db):
    customer = make_customer(db, make_organisation(db, slug="acme"))
    link = invites.invite(db, organisation_slug="acme", customer_id=customer.id, email="new@example.com")

    assert check_reset_token(db, token_in(link)) == INVALID


def test_stored_token_is_a_hash(db):
    make_user(db, email="bob@example.com")
    token = reset_token(db)

    stored = db.exec(select(AuthToken.token_hash)).one()
    assert token not in stored
    assert len(stored) == 64


def test_new_link_replaces_the_older_one(db):
    make_user(db, email="bob@example.com")
    first = reset_token(db)
    second = reset_token(db)

    assert check_reset_token(db, first) == EXPIRED
    assert check_reset_token(db, second) is None


def test_deactivated_account_cannot_use_its_link(db):
    user = make_user(db, email="bob@example.com")
    token = reset_token(db)
    user.is_active = False
    db.add(user)
    db.commit()

    assert check_reset_token(db, token) == INVALID


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters."),
        ("é" * 37, "Use at most 72 bytes"),  # 37 characters, 74 bytes: bcrypt would silently cut it
        ("a" * 200, "Use at most 72 bytes"),
    ],
)
def test_password_rules_give_a_message_and_keep_the_link(db, password, message):
    make_user(db, email="bob@example.com")
    token = reset_token(db)

    with pytest.raises(PortalError, match=message):
        complete_reset(db, token, password)
    assert check_reset_token(db, token) is None


def test_two_simultaneous_uses_only_one_wins(db, monkeypatch):
    slow_hashing(monkeypatch)  # both calls pass the token check before either marks it used
    user = make_user(db, email="bob@example.com")
    token = reset_token(db)

    def use(password: str):
        with session_scope() as session:
            return complete_reset(session, token, password)

    results = run_concurrently(lambda: use("first passphrase"), lambda: use("second passphrase"))

    assert [r for r in results if not isinstance(r, PortalError)] == [user.id]
    assert [r.message for r in results if isinstance(r, PortalError)] == [USED]
    db.expire_all()
    [row] = db.exec(select(AuthToken).where(col(AuthToken.purpose) == TokenPurpose.RESET)).all()
    assert row.used_at is not None
    winner = "first passphrase" if results[0] == user.id else "second passphrase"
    assert verify_password(winner, db.get(PortalUser, user.id).password_hash)
