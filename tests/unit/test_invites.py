"""Inviting a customer's people: the link, idempotent re-invites, resending, the pending list, accepting."""

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
from portal_app.models import AuthToken, Membership, PortalUser
from portal_app.models.base import utcnow
from portal_app.services.accounts import sessions
from portal_app.services.accounts.invites import (
    InviteInfo,
    accept_invite,
    check_invite_token,
    invite,
    pending_invites,
    resend_invite,
)
from portal_app.services.accounts.passwords import verify_password

EXPIRED = "This link has expired. Ask for a new one."
USED = "This link has already been used. Ask for a new one."
INVALID = "This link is not valid. Ask for a new one."
PASSWORD = "my own passphrase"


@pytest.fixture
def acme(db):
    return make_organisation(db, slug="acme", name="Acme Broadband", email="help@acme.example.com")


@pytest.fixture
def bakery(db, acme):
    return make_customer(db, acme, name="Riverside Bakery")


def invite_bob(db, customer, **options) -> str:
    link = invite(db, organisation_slug="acme", customer_id=customer.id, email="Bob@Example.com", **options)
    db.commit()
    return link


def user_named(db, email: str) -> PortalUser:
    return db.exec(select(PortalUser).where(PortalUser.email == email)).one()


def test_invite_creates_the_account_and_emails_the_link(db, bakery):
    link = invite_bob(db, bakery, name="Bob Baker")

    assert link.startswith(f"{PUBLIC_URL}/portal/accept-invite?token=")
    [message] = sent_mail()
    assert message["To"] == "bob@example.com"
    assert message["Subject"] == "You're invited to the Acme Broadband customer portal"
    body = message.get_content()
    assert link in body
    assert "Riverside Bakery" in body
    assert "help@acme.example.com" in body
    user = user_named(db, "bob@example.com")
    assert user.name == "Bob Baker"
    assert user.password_hash is None
    assert db.exec(select(Membership.customer_id).where(Membership.portal_user_id == user.id)).all() == [bakery.id]
    assert check_invite_token(db, token_in(link)) == InviteInfo(
        email="bob@example.com",
        name="Bob Baker",
        customer_name="Riverside Bakery",
        organisation_name="Acme Broadband",
        has_password=False,
    )


def test_invite_link_lasts_seven_days(db, bakery):
    invite_bob(db, bakery)

    [row] = db.exec(select(AuthToken)).all()
    assert row.expires_at - row.created_at == timedelta(days=7)
    assert row.customer_id == bakery.id


def test_inviting_again_reuses_the_account_and_replaces_the_link(db, bakery):
    first = invite_bob(db, bakery)
    second = invite_bob(db, bakery)

    assert db.exec(select(PortalUser)).all() == [user_named(db, "bob@example.com")]
    assert len(db.exec(select(Membership)).all()) == 1
    assert check_invite_token(db, token_in(first)) == EXPIRED
    assert isinstance(check_invite_token(db, token_in(second)), InviteInfo)
    assert len(pending_invites(db)) == 1
    assert len(sent_mail()) == 2


def test_inviting_to_a_second_customer_keeps_the_first_link(db, acme, bakery):
    shop = make_customer(db, acme, name="Corner Shop")
    first = invite_bob(db, bakery)
    second = invite_bob(db, shop)

    assert isinstance(check_invite_token(db, token_in(first)), InviteInfo)
    assert isinstance(check_invite_token(db, token_in(second)), InviteInfo)
    assert {p.customer_name for p in pending_invites(db)} == {"Riverside Bakery", "Corner Shop"}


def memberships_of(db, user) -> list[int]:
    db.expire_all()
    return [m.customer_id for m in db.exec(select(Membership).where(Membership.portal_user_id == user.id)).all()]


def test_an_existing_account_is_linked_only_when_it_accepts_with_its_own_password(db, acme, bakery):
    user = make_user(db, email="bob@example.com", name="Bob")
    password_hash = user.password_hash

    link = invite_bob(db, bakery, name="Robert")

    info = check_invite_token(db, token_in(link))
    assert info.has_password
    assert info.name == "Bob"
    assert "sign in with your password" in sent_mail()[-1].get_body().get_content()
    assert memberships_of(db, user) == []  # nothing of the bakery's until Bob accepts
    assert [p.email for p in pending_invites(db)] == ["bob@example.com"]

    with pytest.raises(PortalError, match="not the password of this account"):
        accept_invite(db, token_in(link), "a-new-password-of-my-choice")
    db.rollback()
    assert memberships_of(db, user) == []

    assert accept_invite(db, token_in(link), "correct horse battery") == user.id
    db.commit()
    db.expire_all()
    assert db.get(PortalUser, user.id).password_hash == password_hash  # an invitation never sets a password
    assert memberships_of(db, user) == [bakery.id]
    assert pending_invites(db) == []


def test_wrong_passwords_on_an_invitation_count_towards_the_sign_in_lock(db, acme, bakery):
    make_user(db, email="bob@example.com", name="Bob")
    token = token_in(invite_bob(db, bakery))

    for _ in range(5):
        with pytest.raises(PortalError, match="not the password"):
            accept_invite(db, token, "a guess at bob's password")
        db.rollback()

    with pytest.raises(PortalError, match="Too many failed attempts"):
        accept_invite(db, token, "correct horse battery")


@pytest.mark.parametrize(
    ("slug", "customer", "email", "reason"),
    [
        ("nope", "bakery", "bob@example.com", "no organisation with the slug 'nope'"),
        ("acme", "other", "bob@example.com", "Acme Broadband has no customer '"),
        ("acme", "bakery", "bob at example", "is not a valid email address"),
    ],
)
def test_invite_refuses_bad_input_and_creates_nothing(db, bakery, slug, customer, email, reason):
    other = make_customer(db, make_organisation(db, slug="globex"))
    customer_id = bakery.id if customer == "bakery" else other.id

    with pytest.raises(PortalError, match=reason):
        invite(db, organisation_slug=slug, customer_id=customer_id, email=email)
    assert db.exec(select(PortalUser)).all() == []
    assert sent_mail() == []


def test_mail_failure_keeps_the_invitation_and_reports_the_link(db, bakery, monkeypatch):
    from portal_app.config import settings
    from portal_app.mail import MailError

    monkeypatch.setenv("PORTAL_SMTP_URL", "smtp://127.0.0.1:1")
    settings.cache_clear()

    with pytest.raises(MailError, match=r"Could not send the email to bob@example\.com") as refused:
        invite_bob(db, bakery)
    db.rollback()

    link = refused.value.message.rsplit(" ", 1)[1]
    assert isinstance(check_invite_token(db, token_in(link)), InviteInfo)
    assert [p.email for p in pending_invites(db)] == ["bob@example.com"]


def test_deactivated_account_is_not_invited(db, bakery):
    make_user(db, email="bob@example.com", is_active=False)

    with pytest.raises(PortalError, match="deactivated"):
        invite_bob(db, bakery)


def test_accepting_sets_password_and_name_once(db, bakery):
    link = invite_bob(db, bakery)

    user_id = accept_invite(db, token_in(link), PASSWORD, name="  Bob Baker ")
    db.commit()

    user = user_named(db, "bob@example.com")
    assert user.id == user_id
    assert user.name == "Bob Baker"
    assert verify_password(PASSWORD, user.password_hash)
    assert sessions.open_session(db, user_id, remember=False)
    assert pending_invites(db) == []
    assert check_invite_token(db, token_in(link)) == USED
    with pytest.raises(PortalError, match=USED):
        accept_invite(db, token_in(link), "another passphrase")


def test_accepting_without_a_name_keeps_the_invited_name(db, bakery):
    link = invite_bob(db, bakery, name="Bob Baker")

    accept_invite(db, token_in(link), PASSWORD)

    assert user_named(db, "bob@example.com").name == "Bob Baker"


@pytest.mark.parametrize(
    ("password", "message"),
    [("too short", "Use at least 10 characters."), ("ü" * 40, "Use at most 72 bytes")],
)
def test_accepting_with_a_bad_password_explains_and_keeps_the_link(db, bakery, password, message):
    link = invite_bob(db, bakery)

    with pytest.raises(PortalError, match=message):
        accept_invite(db, token_in(link), password)
    assert isinstance(check_invite_token(db, token_in(link)), InviteInfo)


@pytest.mark.parametrize("token", ["", "made-up", "x" * 1000])
def test_wrong_token_is_refused(db, bakery, token):
    invite_bob(db, bakery)

    assert check_invite_token(db, token) == INVALID
    with pytest.raises(PortalError, match=INVALID):
        accept_invite(db, token, PASSWORD)


def test_reset_token_is_not_an_invitation(db):
    from portal_app.services.accounts.password_reset import request_reset

    make_user(db, email="bob@example.com")
    request_reset(db, "bob@example.com")

    assert check_invite_token(db, token_in(sent_mail()[0].get_content())) == INVALID


def test_expired_invite_is_listed_as_expired_and_can_be_resent(db, bakery):
    link = invite_bob(db, bakery)
    db.exec(update(AuthToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()

    assert check_invite_token(db, token_in(link)) == EXPIRED
    with pytest.raises(PortalError, match=EXPIRED):
        accept_invite(db, token_in(link), PASSWORD)
    [pending] = pending_invites(db)
    assert pending.expired
    assert (pending.email, pending.customer_name, pending.organisation_name) == (
        "bob@example.com",
        "Riverside Bakery",
        "Acme Broadband",
    )

    fresh = resend_invite(db, organisation_slug="acme", email=" BOB@example.com")
    db.commit()

    assert fresh != link
    assert sent_mail()[-1].get_content().count(fresh) == 1
    [pending] = pending_invites(db)
    assert not pending.expired
    assert pending.expires_at > utcnow() + timedelta(days=6)
    assert isinstance(check_invite_token(db, token_in(fresh)), InviteInfo)


def test_resend_replaces_the_previous_link(db, bakery):
    link = invite_bob(db, bakery)

    resend_invite(db, organisation_slug="acme", email="bob@example.com")

    assert check_invite_token(db, token_in(link)) == EXPIRED


def test_resend_needs_a_pending_invite_in_that_organisation(db, bakery):
    link = invite_bob(db, bakery)
    make_organisation(db, slug="globex", name="Globex")

    with pytest.raises(PortalError, match="no pending invitation to Globex"):
        resend_invite(db, organisation_slug="globex", email="bob@example.com")
    with pytest.raises(PortalError, match="no pending invitation"):
        resend_invite(db, organisation_slug="acme", email="someone@example.com")
    accept_invite(db, token_in(link), PASSWORD)
    with pytest.raises(PortalError, match="no pending invitation"):
        resend_invite(db, organisation_slug="acme", email="bob@example.com")
    with pytest.raises(PortalError, match="no organisation"):
        resend_invite(db, organisation_slug="nope", email="bob@example.com")


def test_pending_list_can_be_limited_to_one_organisation(db, bakery):
    globex = make_organisation(db, slug="globex", name="Globex")
    invite_bob(db, bakery)
    invite(db, organisation_slug="globex", customer_id=make_customer(db, globex).id, email="eve@example.com")

    assert [p.email for p in pending_invites(db, "acme")] == ["bob@example.com"]
    assert [p.email for p in pending_invites(db, "globex")] == ["eve@example.com"]
    assert {p.email for p in pending_invites(db)} == {"bob@example.com", "eve@example.com"}
    with pytest.raises(PortalError):
        pending_invites(db, "nope")


def test_removed_membership_drops_the_invite_from_the_list(db, bakery):
    invite_bob(db, bakery)
    db.delete(db.exec(select(Membership)).one())
    db.commit()

    assert pending_invites(db) == []


def test_two_simultaneous_accepts_only_one_wins(db, bakery, monkeypatch):
    slow_hashing(monkeypatch)  # both calls pass the token check before either marks it used
    token = token_in(invite_bob(db, bakery))

    def accept(password: str):
        with session_scope() as session:
            return accept_invite(session, token, password)

    results = run_concurrently(lambda: accept("first passphrase"), lambda: accept("second passphrase"))

    assert len([r for r in results if isinstance(r, int)]) == 1
    assert [r.message for r in results if isinstance(r, PortalError)] == [USED]
    db.expire_all()
    assert db.exec(select(AuthToken).where(col(AuthToken.used_at).is_not(None))).one()
