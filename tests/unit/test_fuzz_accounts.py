"""Property-based tests: hostile payloads at the account handlers and the password rules behind them.

A client can call any handler by name with any JSON: the form may hold lone surrogates ("\\ud800", which
UTF-8 and so bcrypt and SQLite refuse), numbers, lists or objects, or be no dict at all. Sign-in answers
only with its generic refusal; reset password, accept invitation, the profile's password and email and
the two-factor proofs show a clear message in the page's error field. Nothing is raised, and a refused
submission opens no session and changes no password.

Examples per property (derandomized, hostile_input.FUZZ): password rules 200, sign-in 40, reset 30,
forgot password 30, device cookie 30, invitation 30, profile password 30, profile email 20, two-factor proof 30,
two-factor code 20.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_customer, make_organisation, make_user
from hostile_input import fuzz, hostile_value, json_value
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import col, delete, select, update
from test_handler_guards import cookies_of, fresh_state, run
from totp_helpers import STEP, freeze_clock, turn_on

from portal_app.config import settings
from portal_app.models import AuthSession, AuthThrottle, Membership, PortalUser, TokenPurpose, TwoFactor
from portal_app.services.accounts import auth, devices, sessions, single_use_links, two_factor
from portal_app.services.accounts.passwords import NOT_TEXT, UNUSABLE_CHARACTER, password_problem, verify_password
from portal_app.state import recovery
from portal_app.state.login import LoginState
from portal_app.state.profile import ProfileState
from portal_app.state.recovery import AcceptInviteState, ForgotPasswordState, ResetPasswordState
from portal_app.state.two_factor import TwoFactorState

PASSWORD = "correct horse battery"
EMAIL = "ann@example.com"
UNENCODABLE = "\ud800" * 12  # twelve characters, so only the character rule can refuse it


def call(state, name: str, *args) -> None:
    run(type(state).event_handlers[name], state, list(args))


def sessions_open(db) -> int:
    return db.exec(select(func.count()).select_from(AuthSession)).one()


def password_hash_of(db, user_id: int) -> str | None:
    db.expire_all()
    return db.get(PortalUser, user_id).password_hash


def refusal(state, form_message: str = "error") -> str:
    """The refusal the page shows: the form's own message, or the messages at its fields (state.field_errors)."""
    return " ".join([getattr(state, form_message), *state.field_errors.values()]).strip()


def same_twice(value: object) -> dict[str, object]:
    """A set-password form whose two fields agree, so the service's own checks are reached."""
    return {"password": value, "confirm": value, "name": ""}


@pytest.fixture
def ann(db, monkeypatch):
    """Ann, a customer's person with a password, no sessions; sign-in never sleeps."""
    return make_user(db, email=EMAIL, customer=make_customer(db, make_organisation(db, name="Northwind Fiber")))


# --- the password rules ----------------------------------------------------------------------------


@fuzz(200)
@given(value=hostile_value)
@example(value="\ud800")
@example(value=UNENCODABLE)
@example(value="good password \udfff")
@example(value=12345678901)
@example(value=["correct horse battery"])
@example(value=None)
def test_password_rules_answer_any_value_without_raising(env, value):  # env: cheap bcrypt
    problem = password_problem(value)
    assert problem is None or (isinstance(problem, str) and problem.strip())
    assert verify_password(value, None) is False
    if problem is None:
        assert isinstance(value, str) and value.encode("utf-8")


def test_unusable_passwords_get_a_clear_reason():
    assert password_problem(UNENCODABLE) == UNUSABLE_CHARACTER
    assert password_problem("good password \x00") == UNUSABLE_CHARACTER
    assert password_problem(12345678901) == NOT_TEXT
    assert password_problem(["a list"]) == NOT_TEXT
    assert password_problem("\ud800" * 80).startswith("Use at most 72 bytes")


def test_verify_password_refuses_what_cannot_be_a_password(db):
    stored = make_user(db, email="bo@example.com").password_hash
    assert verify_password(PASSWORD, stored)
    for value in ("\ud800", UNENCODABLE, PASSWORD + "\ud800", 42, None, [PASSWORD], {"p": PASSWORD}):
        assert verify_password(value, stored) is False


# --- sign-in (public) ------------------------------------------------------------------------------

sign_in_forms = st.one_of(
    st.fixed_dictionaries(
        {"email": st.one_of(st.just(EMAIL), hostile_value), "password": hostile_value},
        optional={"remember": hostile_value},
    ),
    json_value,
)
SIGN_IN_ANSWERS = {auth.WRONG_CREDENTIALS, auth.ENTER_EMAIL, auth.ENTER_PASSWORD}


@fuzz(40)
@given(form=sign_in_forms)
@example(form={"email": EMAIL, "password": "\ud800"})
@example(form={"email": EMAIL, "password": UNENCODABLE})
@example(form={"email": EMAIL, "password": 12345678901})
@example(form={"email": EMAIL, "password": [PASSWORD]})
@example(form={"email": "ann\ud800@example.com", "password": PASSWORD})
@example(form={"email": 7, "password": PASSWORD})
@example(form=["not", "a", "form"])
def test_sign_in_refuses_any_hostile_payload_with_the_generic_answer(db, ann, form):
    state = fresh_state(LoginState)
    call(state, "sign_in", form)
    assert refusal(state) in SIGN_IN_ANSWERS or state.error.startswith("Too many failed sign-in attempts")
    assert not state.second_step and cookies_of(state).browser_token == cookies_of(state).remembered_token == ""
    assert sessions_open(db) == 0


@pytest.mark.parametrize("password", ["\ud800", UNENCODABLE, 12345678901, [PASSWORD], {"p": PASSWORD}])
def test_a_wrong_typed_or_unencodable_password_is_simply_incorrect(db, ann, password):
    state = fresh_state(LoginState)
    call(state, "sign_in", {"email": EMAIL, "password": password})
    assert state.error == auth.WRONG_CREDENTIALS


def test_sign_in_still_works_after_a_hostile_payload(db, ann):
    state = fresh_state(LoginState)
    call(state, "sign_in", "not a form")
    call(state, "sign_in", {"email": EMAIL, "password": PASSWORD})
    assert state.error == "" and cookies_of(state).browser_token and sessions_open(db) == 1


@fuzz(30)
@given(cookie=hostile_value)
@example(cookie="\ud800.\ud800")
@example(cookie="A" * 24 + "." + "\x00" * 43)
@example(cookie=["x.y"])
def test_a_hostile_device_cookie_counts_as_an_unknown_browser(db, ann, cookie):
    """Any client can send any device cookie value: it is never trusted and never breaks the sign-in."""
    user = db.exec(select(PortalUser).where(PortalUser.email == EMAIL)).one()
    assert devices.nonce_of(cookie, user.id) == ""
    try:
        auth.sign_in(auth.SignInAttempt(email=EMAIL, password="a wrong guess", remember=False, device_cookie=cookie))
    except auth.SignInRefused as refused:
        assert refused.message == auth.WRONG_CREDENTIALS or refused.message.startswith("Too many")
    db.exec(delete(AuthThrottle))
    db.commit()


@pytest.mark.parametrize("form", [["x"], {"code": 123456}, {"code": ["123456"]}, {"code": "\ud800" * 6}])
def test_the_second_step_refuses_any_hostile_code_with_a_message(db, ann, monkeypatch, form):
    freeze_clock(monkeypatch)
    turn_on(db, ann)
    freeze_clock(monkeypatch, STEP + 1)
    state = fresh_state(LoginState)
    call(state, "sign_in", {"email": EMAIL, "password": PASSWORD})
    assert state.second_step
    before = sessions_open(db)
    call(state, "finish_sign_in", form)
    assert refusal(state) and sessions_open(db) == before


@fuzz(30)
@given(form=st.one_of(st.fixed_dictionaries({"email": hostile_value}), json_value))
@example(form={"email": "ann\ud800@example.com"})
@example(form={"email": 5})
@example(form=["not", "a", "form"])
def test_forgot_password_answers_any_payload_with_a_notice_or_a_message(db, ann, form):
    state = fresh_state(ForgotPasswordState)
    call(state, "request_link", form)
    assert bool(state.notice) != bool(refusal(state))


def test_forgot_password_refuses_an_unencodable_address_clearly(db, ann):
    state = fresh_state(ForgotPasswordState)
    call(state, "request_link", {"email": "ann\ud800@example.com"})
    assert refusal(state) == "Enter a valid email address." and state.notice == ""


# --- reset password and accept invitation (public) -------------------------------------------------

set_password_forms = st.one_of(st.builds(same_twice, hostile_value), json_value)


def link_for(db, monkeypatch, user_id: int, purpose: TokenPurpose) -> None:
    """Issue a fresh single-use link and make the page's URL carry it (an invitation names the person's customer)."""
    customer_id = db.exec(select(Membership.customer_id).where(Membership.portal_user_id == user_id)).first()
    token = single_use_links.issue(
        db, user_id=user_id, purpose=purpose, lifetime=timedelta(hours=1), customer_id=customer_id
    )
    db.commit()
    monkeypatch.setattr(recovery, "_token_from_url", lambda _state: token)


def check_set_password(db, monkeypatch, user_id: int, state, handler: str, purpose: TokenPurpose, form) -> None:
    """Refused: a message and the same password; accepted: exactly the sent password is stored."""
    link_for(db, monkeypatch, user_id, purpose)
    before = password_hash_of(db, user_id)
    state.error, state.field_errors = "", {}
    call(state, handler, form)
    stored = password_hash_of(db, user_id)
    if refusal(state):
        assert stored == before
        return
    assert password_problem(form["password"]) is None and verify_password(form["password"], stored)


@fuzz(30)
@given(form=set_password_forms)
@example(form=same_twice(UNENCODABLE))
@example(form=same_twice(12345678901))
@example(form=["not", "a", "form"])
def test_reset_password_shows_a_message_for_any_payload(db, ann, monkeypatch, form):
    check_set_password(
        db, monkeypatch, ann.id, fresh_state(ResetPasswordState), "set_password", TokenPurpose.RESET, form
    )


@pytest.fixture
def newcomer(db):
    """A person invited to a customer's portal who has no password yet (the invitation sets it)."""
    customer = make_customer(db, make_organisation(db, name="Harbor Web Studio"))
    return make_user(db, email="newcomer@example.com", password=None, customer=customer)


@fuzz(30)
@given(form=set_password_forms, name=hostile_value)
@example(form=same_twice(UNENCODABLE), name="Ann")
@example(form=same_twice("a good passphrase"), name=["Ann"])
@example(form=same_twice("a good passphrase"), name="x" * 121)
def test_accepting_an_invitation_shows_a_message_for_any_payload(db, newcomer, monkeypatch, form, name):
    if isinstance(form, dict):
        form = form | {"name": name}
    state = fresh_state(AcceptInviteState)
    check_set_password(db, monkeypatch, newcomer.id, state, "accept", TokenPurpose.INVITE, form)
    # An accepted invitation sets the password and signs in: the next example starts from a newcomer again.
    db.exec(delete(AuthSession))
    db.exec(update(PortalUser).where(col(PortalUser.id) == newcomer.id).values(password_hash=None))
    db.commit()


@pytest.mark.parametrize(
    ("handler", "purpose", "form", "message"),
    [
        ("set_password", TokenPurpose.RESET, same_twice(UNENCODABLE), UNUSABLE_CHARACTER),
        ("set_password", TokenPurpose.RESET, same_twice(12345678901), NOT_TEXT),
        ("accept", TokenPurpose.INVITE, same_twice("\ud800 a good passphrase"), UNUSABLE_CHARACTER),
        (
            "accept",
            TokenPurpose.INVITE,
            same_twice("a good passphrase") | {"name": 5},
            "Enter your name as plain text.",
        ),
        (
            "accept",
            TokenPurpose.INVITE,
            same_twice("a good passphrase") | {"name": "x" * 121},
            "Use at most 120 characters for your name.",
        ),
    ],
)
def test_set_password_pages_name_the_problem(db, ann, newcomer, monkeypatch, handler, purpose, form, message):
    state = fresh_state(ResetPasswordState if handler == "set_password" else AcceptInviteState)
    link_for(db, monkeypatch, (ann if handler == "set_password" else newcomer).id, purpose)
    call(state, handler, form)
    assert refusal(state) == message


# --- the profile's password and email --------------------------------------------------------------


@pytest.fixture
def proofs_unlimited(monkeypatch):
    """Hundreds of wrong proofs in one session: the allowance (tests/unit/test_proof_throttle.py) would end it."""
    monkeypatch.setenv("PORTAL_LOGIN_MAX_FAILURES", "1000000")
    settings.cache_clear()


@pytest.fixture
def ann_token(db, ann):
    token = sessions.open_session(db, ann.id, remember=False)
    db.commit()
    return token


@fuzz(30)
@given(
    form=st.one_of(
        st.builds(
            lambda current, new: {"current_password": current, "new_password": new, "confirm_password": new},
            st.one_of(st.just(PASSWORD), hostile_value),
            hostile_value,
        ),
        json_value,
    )
)
@example(form={"current_password": PASSWORD, "new_password": UNENCODABLE, "confirm_password": UNENCODABLE})
@example(form={"current_password": "\ud800", "new_password": "another passphrase", "confirm_password": "x"})
@example(form=["not", "a", "form"])
def test_profile_password_form_shows_a_message_for_any_payload(db, ann, ann_token, proofs_unlimited, form):
    state = fresh_state(ProfileState, ann_token)
    before = password_hash_of(db, ann.id)
    call(state, "change_password", form)
    assert bool(state.password_notice) != bool(refusal(state, "password_error"))
    if refusal(state, "password_error"):
        assert password_hash_of(db, ann.id) == before
        return
    assert verify_password(form["new_password"], password_hash_of(db, ann.id))
    holder = db.get(PortalUser, ann.id)
    holder.password_hash = before  # the next example starts from the known password again
    db.commit()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"current_password": PASSWORD, "new_password": UNENCODABLE, "confirm_password": UNENCODABLE},
            UNUSABLE_CHARACTER,
        ),
        ({"current_password": PASSWORD, "new_password": 12345678901, "confirm_password": 12345678901}, NOT_TEXT),
        (
            {"current_password": "\ud800", "new_password": "x", "confirm_password": "x"},
            "Your current password is not correct.",
        ),
    ],
)
def test_profile_password_problems_are_named(db, ann, ann_token, form, message):
    state = fresh_state(ProfileState, ann_token)
    call(state, "change_password", form)
    assert refusal(state, "password_error") == message


@fuzz(20)
@given(form=st.one_of(st.fixed_dictionaries({"new_email": hostile_value}), json_value))
def test_profile_email_and_name_forms_take_any_payload(db, ann, ann_token, proofs_unlimited, form):
    state = fresh_state(ProfileState, ann_token)
    call(state, "change_email", form)
    assert bool(state.email_notice) != bool(refusal(state, "email_error"))
    state.field_errors = {}
    call(state, "save_name", form)
    assert bool(state.name_notice) != bool(refusal(state, "name_error"))


# --- two-factor proofs -----------------------------------------------------------------------------


@pytest.fixture
def ann_with_two_factor(db, ann, ann_token, monkeypatch):
    freeze_clock(monkeypatch)
    turn_on(db, ann)
    freeze_clock(monkeypatch, STEP + 1)
    return ann_token


@fuzz(30)
@given(proof=hostile_value, handler=st.sampled_from(["disable", "renew_recovery_codes"]), wrap=st.booleans())
@example(proof="\ud800", handler="disable", wrap=True)
@example(proof=UNENCODABLE, handler="renew_recovery_codes", wrap=True)
@example(proof=123456, handler="disable", wrap=True)
@example(proof=["not a form"], handler="disable", wrap=False)
def test_two_factor_proofs_refuse_any_hostile_payload_with_a_message(
    db, ann, ann_with_two_factor, proofs_unlimited, proof, handler, wrap
):
    field = "off_proof" if handler == "disable" else "renew_proof"
    state = fresh_state(TwoFactorState, ann_with_two_factor)
    call(state, handler, {field: proof} if wrap else proof)
    assert refusal(state) == two_factor.WRONG_PROOF and state.notice == ""
    assert two_factor.is_enabled(db, ann.id)


@fuzz(20)
@given(form=st.one_of(st.fixed_dictionaries({"setup_code": hostile_value}), json_value))
@example(form={"setup_code": 123456})
@example(form=["not a form"])
def test_two_factor_setup_code_refuses_any_hostile_payload_with_a_message(db, ann, ann_token, form):
    state = fresh_state(TwoFactorState, ann_token)
    call(state, "start_setup")
    call(state, "confirm_setup", form)
    assert refusal(state) and state.notice == ""
    db.expire_all()
    assert db.get(TwoFactor, ann.id).secret is None
