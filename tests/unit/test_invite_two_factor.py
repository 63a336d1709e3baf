"""An invitation link never skips the second sign-in step of a person who has two-factor sign-in on."""

from __future__ import annotations

from factories import make_customer, make_organisation, make_user, token_in
from sqlmodel import func, select
from totp_helpers import freeze_clock, turn_on

from portal_app.models import AuthSession, PortalUser
from portal_app.services.accounts.invites import accept_and_sign_in, invite


def test_accepting_opens_a_session_only_without_two_factor_sign_in(db, monkeypatch):
    freeze_clock(monkeypatch)
    acme = make_organisation(db, slug="acme")
    guarded = make_user(db, email="guarded@example.com", password=None, customer=make_customer(db, acme))
    plain_link = invite(db, organisation_slug="acme", customer_id=make_customer(db, acme).id, email="plain@example.com")
    guarded_link = invite(db, organisation_slug="acme", customer_id=make_customer(db, acme).id, email=guarded.email)
    db.commit()
    turn_on(db, guarded)
    guarded_sessions = sessions_of(db, guarded.id)

    assert accept_and_sign_in(db, token_in(guarded_link), "my own passphrase", "", user_agent="test") == ""
    assert accept_and_sign_in(db, token_in(plain_link), "my own passphrase", "", user_agent="test") != ""
    db.commit()

    db.expire_all()
    assert sessions_of(db, guarded.id) <= guarded_sessions
    plain = db.exec(select(PortalUser).where(PortalUser.email == "plain@example.com")).one()
    assert sessions_of(db, plain.id) == 1


def sessions_of(db, user_id: int) -> int:
    return db.exec(select(func.count()).select_from(AuthSession).where(AuthSession.portal_user_id == user_id)).one()
