"""Device cookies: failures from browsers an account does not know lock out only those browsers.

Before, five wrong passwords from anywhere locked the account for everybody, the right password included,
and an attacker could repeat that forever. Now a browser that signed the person in carries a signed device
cookie with its own failure budget (OWASP "Slow Down Online Guessing Attacks with Device Cookies").
The same over the real websocket protocol: tests/e2e/test_lockout_device_cookie.py.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from factories import make_customer, make_user
from reflex.state import State
from sqlmodel import delete
from test_handler_guards import cookies_of
from totp_helpers import STEP, freeze_clock, turn_on

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from portal_app.models import AuthSession, AuthThrottle
from portal_app.models.base import utcnow
from portal_app.services.accounts import auth, devices, totp
from portal_app.state.login import DeviceState, LoginState
from portal_app.state.session import SessionState

PASSWORD = "correct horse battery"
ANN = "ann@example.com"
OWNER_IP = "203.0.113.5"
TOO_MANY = "Too many failed sign-in attempts"


def attempt(password: str = PASSWORD, *, device: object = "", ip: str = OWNER_IP, email: str = ANN):
    return auth.SignInAttempt(email=email, password=password, remember=False, client_ip=ip, device_cookie=device)


def attack(times: int = 5, *, device: object = "") -> None:
    """Wrong passwords for Ann, each from another address (a botnet: no client-address lock helps)."""
    for n in range(times):
        with pytest.raises(auth.SignInRefused):
            auth.sign_in(attempt("a wrong guess", device=device, ip=f"198.51.100.{n + 10}"))


def failures(db, key: str) -> tuple[int, bool]:
    db.expire_all()
    row = db.get(AuthThrottle, key)
    return (row.failures, bool(row.locked_until and row.locked_until > utcnow())) if row else (0, False)


@pytest.fixture
def ann(db):
    return make_user(db, email=ANN, customer=make_customer(db))


@pytest.fixture
def trusted(db, ann) -> str:
    """The device cookie Ann's own browser got when she last signed in."""
    cookie = auth.sign_in(attempt()).device_cookie
    assert cookie
    return cookie


def test_a_sign_in_gives_a_fresh_cookie_that_names_nobody_without_the_key(db, ann, trusted):
    again = auth.sign_in(attempt(device=trusted)).device_cookie
    assert again and again != trusted  # a new nonce each time
    for cookie in (trusted, again):
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{43}", cookie)  # a random nonce and an HMAC only
        assert devices.nonce_of(cookie, ann.id)
        assert devices.nonce_of(cookie, ann.id + 1) == ""  # bound to her
    assert auth.sign_in(attempt()).device_cookie  # an unknown browser that signs in becomes trusted


def test_an_attacker_without_the_cookie_locks_only_unknown_browsers(db, ann, trusted):
    attack()

    assert failures(db, f"account:{ANN}")[1]
    with pytest.raises(auth.SignInRefused, match=TOO_MANY):  # another browser of Ann's, never signed in before
        auth.sign_in(attempt())
    outcome = auth.sign_in(attempt(device=trusted))  # her own browser, during the attack
    assert outcome.session_token
    assert failures(db, f"account:{ANN}")[1]  # still locked for strangers
    attack(3)  # and the attack goes on against the lock, changing nothing for her
    assert auth.sign_in(attempt(device=outcome.device_cookie)).session_token


def test_a_trusted_browser_is_not_slowed_down_by_the_attack(db, ann, trusted):
    attack(4)
    assert auth.sign_in_delay(db, attempt()) > 0
    assert auth.sign_in_delay(db, attempt(device=trusted)) == 0.0


def test_the_wrong_answer_stays_the_same_for_every_browser(db, ann, trusted):
    refusals = set()
    for device in ("", trusted):
        with pytest.raises(auth.SignInRefused) as refused:
            auth.sign_in(attempt("a wrong guess", device=device))
        refusals.add(refused.value.message)
    with pytest.raises(auth.SignInRefused) as unknown:
        auth.sign_in(attempt(email="nobody@example.com", device=trusted))
    assert refusals == {unknown.value.message} == {auth.WRONG_CREDENTIALS}


def test_forged_or_borrowed_cookies_count_as_unknown_browsers(db, ann, trusted):
    ben = make_user(db, email="ben@example.com")
    bens = auth.sign_in(attempt(email="ben@example.com")).device_cookie
    nonce, _, signature = trusted.partition(".")
    forged = [
        f"{nonce}.{signature[:-2]}AA",  # bad signature
        f"{'A' * 24}.{signature}",  # another nonce under Ann's signature
        bens,  # a real cookie, but Ben's
        f"{nonce}.{devices._signature(ben.id, nonce)}",  # Ann's nonce signed for Ben
        "garbage",
        nonce,
        "\udcff.\x00",
        12345,
        None,
        {"nonce": nonce},
    ]
    for cookie in forged:
        assert devices.nonce_of(cookie, ann.id) == ""
    attack(5, device=forged[0])  # counted against unknown browsers: that locks them
    assert failures(db, f"account:{ANN}") == (0, True)
    for cookie in forged:
        with pytest.raises(auth.SignInRefused, match=TOO_MANY):
            auth.sign_in(attempt(device=cookie))
    assert auth.sign_in(attempt(device=trusted)).session_token


def test_a_trusted_browser_that_keeps_failing_is_locked_itself_and_never_trusted_again(db, ann, trusted):
    nonce = devices.nonce_of(trusted, ann.id)
    attack(5, device=trusted)

    assert failures(db, f"device:{nonce}") == (0, True)
    assert failures(db, f"account:{ANN}") == (0, False)  # its failures were its own
    with pytest.raises(auth.SignInRefused, match=TOO_MANY):
        auth.sign_in(attempt(device=trusted))
    assert auth.sign_in(attempt()).session_token  # other browsers are not locked by it

    # Its lock ends, but the cookie stays spent: replayed, it counts as an unknown browser.
    db.exec(delete(AuthThrottle).where(AuthThrottle.key == f"device:{nonce}"))
    db.commit()
    attack(5)  # strangers lock unknown browsers
    with pytest.raises(auth.SignInRefused, match=TOO_MANY):
        auth.sign_in(attempt(device=trusted))
    assert auth.sign_in_delay(db, attempt(device=trusted)) == auth.sign_in_delay(db, attempt())


def test_a_spent_cookie_signs_in_like_an_unknown_browser_and_the_new_cookie_is_trusted(db, ann, trusted):
    nonce = devices.nonce_of(trusted, ann.id)
    attack(5, device=trusted)
    row = db.get(AuthThrottle, f"device:{nonce}")
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()

    fresh = auth.sign_in(attempt(device=trusted)).device_cookie  # no attack on the account: she gets in
    attack(5)
    assert auth.sign_in(attempt(device=fresh)).session_token
    with pytest.raises(auth.SignInRefused, match=TOO_MANY):
        auth.sign_in(attempt(device=trusted))


@pytest.fixture
def ann_two_factor(db, ann, monkeypatch):
    """Ann with two-factor sign-in on and a trusted browser; the authenticator clock at STEP + 1."""
    freeze_clock(monkeypatch)
    secret, codes = turn_on(db, ann)
    db.exec(delete(AuthSession))
    db.commit()
    freeze_clock(monkeypatch, STEP + 1)
    pending = auth.sign_in(attempt()).second_step_token
    outcome = auth.finish_sign_in(pending, codes[0], OWNER_IP)
    assert outcome.session_token and not auth.sign_in(attempt()).device_cookie  # the password alone gives none
    return secret, outcome.device_cookie


def test_wrong_codes_count_for_the_same_browser_as_the_password(db, ann, ann_two_factor):
    _secret, trusted = ann_two_factor
    nonce = devices.nonce_of(trusted, ann.id)
    for _ in range(2):
        pending = auth.sign_in(attempt(device=trusted)).second_step_token
        with pytest.raises(auth.SignInRefused, match="code is not correct"):
            auth.finish_sign_in(pending, "000000", OWNER_IP, trusted)
    assert failures(db, f"device:{nonce}") == (2, False)
    assert failures(db, f"account:{ANN}") == (0, False)
    pending = auth.sign_in(attempt()).second_step_token
    with pytest.raises(auth.SignInRefused, match="code is not correct"):
        auth.finish_sign_in(pending, "000000", "198.51.100.9")
    assert failures(db, f"account:{ANN}") == (1, False)


def test_with_two_factor_the_trusted_browser_signs_in_during_an_attack(db, ann, ann_two_factor):
    secret, trusted = ann_two_factor
    for n in range(5):  # the attacker knows the password, not the code
        pending = auth.sign_in(attempt(ip=f"198.51.100.{n + 10}")).second_step_token
        with pytest.raises(auth.SignInRefused):
            auth.finish_sign_in(pending, "000000", f"198.51.100.{n + 10}")
    with pytest.raises(auth.SignInRefused, match=TOO_MANY):
        auth.sign_in(attempt())
    pending = auth.sign_in(attempt(device=trusted)).second_step_token
    with pytest.raises(auth.SignInRefused, match=TOO_MANY):  # the code step answers to the same rule
        auth.finish_sign_in(pending, totp.code_at(secret, STEP + 1), "198.51.100.99")
    outcome = auth.finish_sign_in(pending, totp.code_at(secret, STEP + 1), OWNER_IP, trusted)
    assert outcome.session_token and devices.nonce_of(outcome.device_cookie, ann.id)


def tab() -> tuple[State, LoginState, DeviceState]:
    root = State(_reflex_internal_init=True)
    return (
        root,
        root.get_substate(LoginState.get_full_name().split(".")[1:]),
        root.get_substate(DeviceState.get_full_name().split(".")[1:]),
    )


def test_the_tab_keeps_its_device_cookie_after_signing_out(db, ann):
    root, login, device = tab()
    asyncio.run(LoginState.event_handlers["sign_in"].fn(login, {"email": ANN, "password": PASSWORD}))
    cookie = device.device_cookie
    assert devices.nonce_of(cookie, ann.id)
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    asyncio.run(SessionState.event_handlers["sign_out"].fn(session))
    assert cookies_of(session).browser_token == ""
    assert device.device_cookie == cookie

    attack()
    asyncio.run(LoginState.event_handlers["sign_in"].fn(login, {"email": ANN, "password": PASSWORD}))
    assert login.error == ""
    assert cookies_of(session).browser_token
    assert device.device_cookie not in ("", cookie)

    _root, stranger, _device = tab()
    asyncio.run(LoginState.event_handlers["sign_in"].fn(stranger, {"email": ANN, "password": PASSWORD}))
    assert stranger.error.startswith(TOO_MANY)
