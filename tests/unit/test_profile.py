"""Profile settings: name, password with the current one, email change confirmed by link, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_customer, make_user, sent_mail, token_in
from sqlmodel import select
from totp_helpers import STEP, freeze_clock, turn_on

from portal_app.errors import PortalError
from portal_app.models import AuthSession, PortalUser
from portal_app.models.base import utcnow
from portal_app.services.accounts import profile, sessions, totp
from portal_app.services.common.tokens import token_hash

PASSWORD = "correct horse battery"


@pytest.fixture
def person(db):
    return make_user(db, email="ann@example.com", name="Ann", customer=make_customer(db))


def signed_in(db, user, agent=""):
    token = sessions.open_session(db, user.id, remember=False, user_agent=agent)
    db.commit()
    return sessions.resolve(db, token), token


def test_name_is_cleaned_and_bounded(db, person):
    principal, _ = signed_in(db, person)
    assert profile.change_name(db, principal, "  Ann\x00 Smith\u202e ") == "Ann Smith"
    with pytest.raises(profile.ProfileError, match="Enter your name"):
        profile.change_name(db, principal, " \x07 ")
    with pytest.raises(profile.ProfileError, match="at most 120"):
        profile.change_name(db, principal, "x" * 121)


def test_password_change_needs_the_current_one_and_signs_out_other_sessions(db, person):
    principal, token = signed_in(db, person)
    _, other = signed_in(db, person)
    with pytest.raises(profile.ProfileError, match="current password is not correct"):
        profile.change_password(db, principal, "wrong", "a-new-password-1")
    with pytest.raises(profile.ProfileError, match="at least"):
        profile.change_password(db, principal, PASSWORD, "short")
    assert profile.change_password(db, principal, PASSWORD, "a-new-password-1") == 1
    db.commit()
    assert sessions.resolve(db, token) is not None
    assert sessions.resolve(db, other) is None


def test_email_changes_only_after_the_new_address_confirms_and_the_old_one_is_told(db, person):
    principal, token_of_this_browser = signed_in(db, person)
    assert profile.request_email_change(db, principal, " Ann.New@Example.com ", PASSWORD) == "ann.new@example.com"
    db.expire_all()
    assert db.get(PortalUser, person.id).email == "ann@example.com"
    confirm, notice = sent_mail()
    assert confirm["To"] == "ann.new@example.com"
    assert notice["To"] == "ann@example.com"
    token = token_in(confirm.get_body().get_content())
    assert profile.confirm_email_change(db, token) == "ann.new@example.com"
    db.expire_all()
    assert db.get(PortalUser, person.id).email == "ann.new@example.com"
    assert sessions.resolve(db, token_of_this_browser) is None  # everyone signs in again, with the new address
    changed = sent_mail()[-1]
    assert changed["To"] == "ann@example.com"
    assert "/portal/undo-email-change?token=" in changed.get_body().get_content()
    with pytest.raises(PortalError, match="already been used"):
        profile.confirm_email_change(db, token)


def test_changing_the_email_needs_the_current_password(db, person):
    principal, _ = signed_in(db, person)
    with pytest.raises(profile.ProfileError, match="current password is not correct"):
        profile.request_email_change(db, principal, "thief@example.com", "a guess")
    assert sent_mail() == []


def test_the_answer_does_not_tell_whether_the_new_address_has_an_account(db, person):
    make_user(db, email="taken@example.com")
    principal, _ = signed_in(db, person)
    assert profile.request_email_change(db, principal, "taken@example.com", PASSWORD) == "taken@example.com"
    assert profile.request_email_change(db, principal, "free@example.com", PASSWORD) == "free@example.com"
    to_taken, _notice, to_free, _notice_again = sent_mail()
    assert to_taken["To"] == "taken@example.com" and "token=" not in to_taken.get_body().get_content()
    assert to_free["To"] == "free@example.com" and "token=" in to_free.get_body().get_content()


def test_the_old_address_puts_the_email_back_and_everybody_is_signed_out(db, person):
    """A thief with a stolen session changed the email: the owner's link undoes it and ends the thief's session."""
    thief, thief_token = signed_in(db, person)
    profile.request_email_change(db, thief, "thief@example.com", PASSWORD)
    profile.confirm_email_change(db, token_in(sent_mail()[0].get_body().get_content()))
    thief_again = sessions.open_session(db, person.id, remember=True)  # signs in with the new address
    db.commit()
    undo = token_in(sent_mail()[-1].get_body().get_content())

    assert profile.undo_email_change(db, undo) == "ann@example.com"

    db.expire_all()
    assert db.get(PortalUser, person.id).email == "ann@example.com"
    assert sessions.resolve(db, thief_again) is None
    assert sessions.resolve(db, thief_token) is None
    with pytest.raises(PortalError, match="already been used"):
        profile.undo_email_change(db, undo)


def test_email_change_refuses_bad_or_same_addresses(db, person):
    principal, _ = signed_in(db, person)
    for bad, message in (("not-an-email", "valid email"), ("ann@example.com", "already your sign-in email")):
        with pytest.raises(profile.ProfileError, match=message):
            profile.request_email_change(db, principal, bad, PASSWORD)
    assert sent_mail() == []


def test_sessions_are_listed_with_devices_and_others_can_be_ended(db, person):
    chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
    principal, _ = signed_in(db, person, chrome)
    signed_in(db, person, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit Safari/604.1")
    rows = profile.active_sessions(db, principal)
    assert {r.device for r in rows} == {"Chrome on Windows", "Safari on iPhone"}
    assert [r.current for r in rows].count(True) == 1
    assert profile.end_other_sessions(db, principal) == 1
    assert len(profile.active_sessions(db, principal)) == 1


def test_this_browser_comes_first_and_lapsed_sessions_are_pruned(db, person):
    _, old = signed_in(db, person, "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    principal, _ = signed_in(db, person, "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0")
    _, newest = signed_in(db, person, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit Safari/604.1")
    for token, age in ((old, timedelta(days=400)), (newest, timedelta(0))):
        row = db.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).one()
        row.last_seen_at = utcnow() - age
        db.add(row)
    db.commit()

    rows = profile.active_sessions(db, principal)

    assert [(r.device, r.current) for r in rows] == [("Chrome on Linux", True), ("Safari on iPhone", False)]
    db.expire_all()
    assert db.exec(select(AuthSession).where(AuthSession.token_hash == token_hash(old))).first() is None


def test_one_other_browser_can_be_signed_out_but_not_someone_elses(db, person):
    principal, _ = signed_in(db, person, "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0")
    _, phone = signed_in(db, person, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit Safari/604.1")
    stranger, _ = signed_in(db, make_user(db, email="zed@example.com", customer=make_customer(db)))
    phone_row = next(r for r in profile.active_sessions(db, principal) if not r.current)
    this_row = next(r for r in profile.active_sessions(db, principal) if r.current)

    with pytest.raises(PortalError, match="already ended"):
        profile.end_one_session(db, stranger, phone_row.id)
    with pytest.raises(profile.ProfileError, match="use Log out"):
        profile.end_one_session(db, principal, this_row.id)
    assert profile.end_one_session(db, principal, phone_row.id) == "Safari on iPhone"
    db.commit()
    assert sessions.resolve(db, phone) is None
    assert [r.current for r in profile.active_sessions(db, principal)] == [True]


def test_with_two_factor_on_changing_the_email_needs_a_code_too(db, person, monkeypatch):
    freeze_clock(monkeypatch)
    secret, _codes = turn_on(db, person)
    principal, _ = signed_in(db, person)

    with pytest.raises(profile.ProfileError, match="code from your authenticator app"):
        profile.request_email_change(db, principal, "ann.new@example.com", PASSWORD)
    freeze_clock(monkeypatch, STEP + 1)
    code = totp.code_at(secret, STEP + 1)
    assert profile.request_email_change(db, principal, "ann.new@example.com", PASSWORD, code) == "ann.new@example.com"
