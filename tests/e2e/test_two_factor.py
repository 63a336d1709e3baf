"""Two-factor sign-in: turned on in Profile with an authenticator app, then password + code or a recovery code.

A dedicated person (not demo@example.com) so other tests keep signing in with a password only.
Codes are computed with pyotp from the key the page shows, for a time step the server has not
seen used yet (it accepts the next step too, so a code never races the 30-second boundary).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, at_path, check_page, h1, page_problems, sign_in, wait_hydrated

PERSON = "two.factor@example.com"
CODE_STEP = "Enter your sign-in code"


@pytest.fixture
def person(portal_db: Path) -> Iterator[int]:
    """Casey, linked to the demo customer, with the demo password and two-factor sign-in off."""
    with sqlite3.connect(portal_db) as db:
        db.execute(
            "INSERT OR IGNORE INTO portaluser (email, name, password_hash, is_active, created_at) "
            "SELECT ?, 'Casey Quinn', password_hash, 1, created_at FROM portaluser WHERE email = ?",
            (PERSON, DEMO),
        )
        (user_id,) = db.execute("SELECT id FROM portaluser WHERE email = ?", (PERSON,)).fetchone()
        db.execute(
            "INSERT INTO membership (portal_user_id, customer_id, created_at) "
            "SELECT ?, customer_id, created_at FROM membership WHERE portal_user_id = "
            "(SELECT id FROM portaluser WHERE email = ?) AND NOT EXISTS "
            "(SELECT 1 FROM membership WHERE portal_user_id = ?) LIMIT 1",
            (user_id, DEMO, user_id),
        )
    _reset(portal_db, user_id)
    yield user_id
    _reset(portal_db, user_id)


def _reset(portal_db: Path, user_id: int) -> None:
    with sqlite3.connect(portal_db) as db:
        for table in ("twofactor", "recoverycode", "pendingsignin", "authsession"):
            db.execute(f"DELETE FROM {table} WHERE portal_user_id = ?", (user_id,))
        db.execute("DELETE FROM auththrottle WHERE key = ?", (f"account:{PERSON}",))


def fresh_code(secret: str, portal_db: Path, user_id: int) -> str:
    """The app's code for the current time step, or the next one when the current one was used."""
    with sqlite3.connect(portal_db) as db:
        row = db.execute("SELECT last_used_step FROM twofactor WHERE portal_user_id = ?", (user_id,)).fetchone()
    step = max(int(time.time()) // 30, (row[0] if row else 0) + 1)
    return pyotp.TOTP(secret).at(step * 30)


def turn_on(page: Page, portal_db: Path, user_id: int, *, look: bool = False) -> tuple[str, list[str]]:
    """Sign in, turn two-factor sign-in on in Profile; returns the key and the recovery codes shown."""
    sign_in(page, PERSON, DEMO_PASSWORD)
    page.goto("/portal/profile")
    wait_hydrated(page, "#name")
    box = page.get_by_role("heading", name="Two-factor authentication").locator("xpath=../..")
    expect(box.get_by_text("Off", exact=True)).to_be_visible()
    box.get_by_role("button", name="Turn on two-factor authentication").click()

    expect(page.get_by_role("img", name="QR code that adds this portal to an authenticator app")).to_be_visible()
    secret = page.locator("#two-factor-key").inner_text().replace(" ", "")
    assert len(secret) == 32, secret
    problems = page_problems(page, "profile-two-factor-setup") if look else []

    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.locator("#setup_code-error")).to_contain_text("That code is not correct")
    expect(page.locator("#setup_code")).to_be_focused()
    page.get_by_label("Code from the app").fill(fresh_code(secret, portal_db, user_id))
    page.get_by_role("button", name="Confirm and turn on").click()

    expect(page.get_by_role("status").filter(has_text="Two-factor authentication is on")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10, codes
    expect(page.get_by_text("They will not be shown again")).to_be_visible()
    if look:
        problems += page_problems(page, "profile-two-factor-codes")
    page.get_by_role("button", name="I have saved my codes").click()
    expect(box.get_by_text("On", exact=True)).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes")).to_have_count(0)
    expect(page.locator("#two-factor-key")).to_have_count(0)  # the key is not shown again
    if look:
        problems += page_problems(page, "profile-two-factor-on")
    assert not problems, "\n".join(problems)
    page.get_by_role("button", name="Log out").click()
    expect(h1(page, "Sign in")).to_be_visible()
    return secret, [code.strip() for code in codes]


def password_step(page: Page, *, remember: bool = False) -> None:
    """Enter the right password and wait for the code step."""
    sign_in(page, PERSON, DEMO_PASSWORD, remember=remember, heading=CODE_STEP)
    wait_hydrated(page, "#code")


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Verify").click()


def test_turn_on_then_sign_in_with_password_and_app_code(page: Page, portal_db: Path, person: int) -> None:
    secret, _codes = turn_on(page, portal_db, person, look=True)

    password_step(page, remember=True)
    expect(page.get_by_text("Enter the 6-digit code from your authenticator app")).to_be_visible()
    page.goto("/portal")  # the password alone signed nobody in
    expect(page).to_have_url(at_path("/portal/login", r"next=%2Fportal%2F?"))
    password_step(page, remember=True)
    check_page(page, "login-code-step")

    enter_code(page, "000000")
    expect(page.locator("#code-error")).to_contain_text("That code is not correct")
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    expect(h1(page, CODE_STEP)).to_be_visible()
    check_page(page, "login-code-wrong")

    enter_code(page, fresh_code(secret, portal_db, person))
    expect(h1(page, "Overview")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies.get("portal_remember", {}).get("value"), "Remember me did not carry through the code step"
    assert not cookies.get("portal_session", {}).get("value")


def test_recovery_code_works_once_and_turning_off_needs_the_password(page: Page, portal_db: Path, person: int) -> None:
    _secret, codes = turn_on(page, portal_db, person)

    password_step(page)
    enter_code(page, codes[0].upper())
    expect(h1(page, "Overview")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    password_step(page)
    enter_code(page, codes[0])
    expect(page.locator("#code-error")).to_contain_text("That code is not correct")
    page.get_by_role("button", name="Back to sign in").click()
    expect(h1(page, "Sign in")).to_be_visible()

    password_step(page)
    enter_code(page, codes[1])
    expect(h1(page, "Overview")).to_be_visible()
    page.goto("/portal/profile")
    wait_hydrated(page, "#off_proof")
    expect(page.get_by_text("Unused recovery codes: 8")).to_be_visible()
    page.locator("#off_proof").fill("not-the-password")
    page.get_by_role("button", name="Turn off two-factor authentication").click()
    expect(page.locator("#off_proof-error")).to_contain_text("neither your current password")
    page.locator("#off_proof").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Turn off two-factor authentication").click()
    expect(page.get_by_role("status").filter(has_text="Two-factor authentication is off")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    sign_in(page, PERSON, DEMO_PASSWORD)  # the password alone is enough again
