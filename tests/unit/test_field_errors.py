"""A refusal about one input names it (the service's argument), so the page shows it at that field; a wrong email or
password at sign-in names none: it must not say which of the two is wrong."""

from __future__ import annotations

import pytest
from factories import make_customer, make_organisation, make_user, sent_mail, token_in
from support_fixtures import open_ticket, set_status
from totp_helpers import freeze_clock, principal_of, turn_on

from portal_app.errors import PortalError
from portal_app.models import TicketStatus
from portal_app.services.accounts import auth, invites, password_reset, profile, two_factor
from portal_app.services.support import tickets

PASSWORD = "correct horse battery"  # factories.make_user's


def refusal(call, *args, **kwargs) -> PortalError:
    with pytest.raises(PortalError) as refused:
        call(*args, **kwargs)
    return refused.value


def test_a_refusal_names_no_field_unless_told():
    assert PortalError("No.").field == ""
    assert PortalError("No.", field="subject").field == "subject"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": " "}, "subject"),
        ({"subject": "x" * 121}, "subject"),
        ({"subject": ["not text"]}, "subject"),
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"priority": "Urgent"}, "priority"),
        ({"submission_key": "\x00"}, ""),
    ],
)
def test_new_ticket_refusals_name_their_field(db, bea, fields, field):
    values = {"subject": "Slow", "description": "Since Monday.", "priority": "Low", "submission_key": "k"} | fields

    assert refusal(tickets.open_ticket, db, bea, **values).field == field


def test_reply_and_rating_refusals_name_their_field(db, bea):
    ticket_id = open_ticket(db, bea)
    assert refusal(tickets.reply, db, bea, ticket_id, " ").field == "body"
    assert refusal(tickets.reply, db, bea, ticket_id, "x" * 5001).field == "body"
    set_status(db, ticket_id, TicketStatus.RESOLVED)
    assert refusal(tickets.rate_ticket, db, bea, ticket_id, 6).field == "rating"
    assert refusal(tickets.rate_ticket, db, bea, ticket_id, 5, "x" * 1001).field == "comment"


@pytest.fixture
def ann(db):
    user = make_user(db, email="ann@example.com", name="Ann", customer=make_customer(db))
    return user, principal_of(db, user)


def test_profile_refusals_name_their_field(db, ann):
    _, principal = ann
    assert refusal(profile.change_name, db, principal, " ").field == "name"
    assert refusal(profile.change_name, db, principal, 5).field == "name"
    assert refusal(profile.change_password, db, principal, "wrong password", "a-new-password-1").field == "current"
    assert refusal(profile.change_password, db, principal, PASSWORD, "short").field == "new"
    assert refusal(profile.request_email_change, db, principal, "not an address", PASSWORD).field == "new_email"
    assert refusal(profile.request_email_change, db, principal, "ann@example.com", PASSWORD).field == "new_email"
    assert refusal(profile.request_email_change, db, principal, "new@example.com", "wrong").field == "password"


def test_email_change_without_the_app_code_names_the_code(db, ann, monkeypatch):
    freeze_clock(monkeypatch)
    user, _ = ann
    turn_on(db, user)
    principal = principal_of(db, user)

    assert refusal(profile.request_email_change, db, principal, "new@example.com", PASSWORD, "").field == "code"


def test_two_factor_refusals_name_their_field(db, ann, monkeypatch):
    freeze_clock(monkeypatch)
    user, principal = ann
    two_factor.start_setup(db, principal)
    assert refusal(two_factor.confirm_setup, db, principal, "000000").field == "code"
    two_factor.cancel_setup(db, principal)
    turn_on(db, user)
    assert refusal(two_factor.disable, db, principal, "wrong password").field == "proof"
    assert refusal(two_factor.renew_recovery_codes, db, principal, "wrong password").field == "proof"


def test_a_too_short_new_password_is_about_the_new_password(db):
    make_user(db, email="bob@example.com")
    password_reset.request_reset(db, "bob@example.com")
    db.commit()
    token = token_in(sent_mail()[-1].get_content())

    assert refusal(password_reset.complete_reset, db, token, "short").field == "new_password"


def test_invitation_refusals_name_their_field(db):
    organisation = make_organisation(db, slug="acme")
    customer = make_customer(db, organisation)
    link = invites.invite(db, organisation_slug="acme", customer_id=customer.id, email="bob@example.com")
    db.commit()

    assert refusal(invites.accept_invite, db, token_in(link), "short").field == "password"
    assert refusal(invites.accept_invite, db, token_in(link), "a long passphrase", "\x00 ").field == "name"


def test_sign_in_names_the_missing_field_but_never_which_one_is_wrong(db):
    make_user(db, email="ann@example.com")

    def sign_in(email: str, password: str) -> PortalError:
        return refusal(
            auth.sign_in, auth.SignInAttempt(email=email, password=password, remember=False, client_ip="203.0.113.5")
        )

    assert sign_in("", "").field == "email"
    assert sign_in("ann@example.com", "").field == "password"
    wrong_password, unknown = sign_in("ann@example.com", "not the password"), sign_in("bob@example.com", PASSWORD)
    assert (wrong_password.field, unknown.field) == ("", "")
    assert wrong_password.message == unknown.message == auth.WRONG_CREDENTIALS
