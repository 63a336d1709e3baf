"""Password change signs out the person's other browsers; an email change takes effect from its link."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import DEMO_PASSWORD, MailSink, first_link, h1, sign_in

PERSON = "unlinked@example.com"  # Jordan Lee: no customer record, so no other test depends on their data


@pytest.fixture
def person_restored(portal_db: Path) -> Iterator[None]:
    """Start with none of the person's sessions; put their email and password back afterwards."""
    with sqlite3.connect(portal_db) as db:
        (user_id, original) = db.execute(
            "SELECT id, password_hash FROM portaluser WHERE email = ?", (PERSON,)
        ).fetchone()
        db.execute("DELETE FROM authsession WHERE portal_user_id = ?", (user_id,))
    yield
    with sqlite3.connect(portal_db) as db:
        db.execute("UPDATE portaluser SET email = ?, password_hash = ? WHERE id = ?", (PERSON, original, user_id))


def test_password_change_signs_out_the_other_browser(page: Page, open_context, person_restored: None) -> None:
    other = open_context().new_page()
    sign_in(other, PERSON, DEMO_PASSWORD, heading=None)
    sign_in(page, PERSON, DEMO_PASSWORD, heading=None)
    page.goto("/portal/profile")
    expect(h1(page, "Profile settings")).to_be_visible()
    expect(page.get_by_role("region", name="Active sessions").locator("tbody tr")).to_have_count(2)

    page.get_by_label("Current password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("New password", exact=True).fill("jordan-new-password")
    page.get_by_label("Repeat the new password").fill("jordan-new-password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="1 other session was signed out")).to_be_visible()

    other.goto("/portal/profile")
    expect(other).to_have_url(re.compile(r"/portal/login/?\?next=%2Fportal%2Fprofile"))
    page.reload()
    expect(h1(page, "Profile settings")).to_be_visible()


def test_one_other_browser_is_signed_out_from_the_list(page: Page, open_context, person_restored: None) -> None:
    other = open_context().new_page()
    sign_in(other, PERSON, DEMO_PASSWORD, heading=None)
    sign_in(page, PERSON, DEMO_PASSWORD, heading=None)
    page.goto("/portal/profile")
    sessions = page.get_by_role("region", name="Active sessions").locator("tbody tr")
    expect(sessions).to_have_count(2)
    expect(sessions.first).to_contain_text("This browser")

    sessions.nth(1).get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").filter(has_text="Signed out Chrome on Linux")).to_be_visible()
    expect(sessions).to_have_count(1)
    other.goto("/portal/profile")
    expect(other).to_have_url(re.compile(r"/portal/login"))


def test_email_change_takes_effect_from_the_link(page: Page, smtp_server: MailSink, person_restored: None) -> None:
    sign_in(page, PERSON, DEMO_PASSWORD, heading=None)
    page.goto("/portal/profile")
    before = smtp_server.count()
    page.get_by_label("New sign-in email").fill("jordan.lee@example.com")
    page.get_by_label("Your current password").fill("not my password")
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.locator("#password-error")).to_have_text("Your current password is not correct.")
    page.get_by_label("New sign-in email").fill("jordan.lee@example.com")
    page.get_by_label("Your current password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Send confirmation link").click()
    link = first_link(smtp_server.wait_for("jordan.lee@example.com", after=before))

    page.goto(link)
    expect(
        page.get_by_role("status").filter(has_text="Your sign-in email is now jordan.lee@example.com")
    ).to_be_visible()
    smtp_server.wait_for(PERSON, after=before)
    page.context.clear_cookies()
    sign_in(page, "jordan.lee@example.com", DEMO_PASSWORD, heading=None)
    page.goto("/portal/profile")
    expect(page.get_by_text("jordan.lee@example.com").first).to_be_visible()


def test_the_old_address_undoes_a_change_made_with_a_stolen_session(
    page: Page, open_context, smtp_server: MailSink, person_restored: None
) -> None:
    thief = open_context().new_page()
    sign_in(thief, PERSON, DEMO_PASSWORD, heading=None)
    thief.goto("/portal/profile")
    before = smtp_server.count()
    thief.get_by_label("New sign-in email").fill("thief@example.net")
    thief.get_by_label("Your current password").fill(DEMO_PASSWORD)
    thief.get_by_role("button", name="Send confirmation link").click()
    confirm = first_link(smtp_server.wait_for("thief@example.net", after=before))
    smtp_server.wait_for(PERSON, after=before)  # "about to change"
    before = smtp_server.count()
    thief.goto(confirm)
    expect(thief.get_by_role("status").filter(has_text="now thief@example.net")).to_be_visible()
    sign_in(thief, "thief@example.net", DEMO_PASSWORD, heading=None)

    changed = smtp_server.wait_for(PERSON, after=before)
    assert "was changed" in changed["Subject"]
    page.goto(first_link(changed))
    expect(page.get_by_role("status").filter(has_text=f"Your sign-in email is {PERSON} again")).to_be_visible()
    expect(page.get_by_role("link", name="Set a new password")).to_be_visible()

    thief.goto("/portal/profile")
    expect(thief).to_have_url(re.compile(r"/portal/login"))
    sign_in(page, PERSON, DEMO_PASSWORD, heading=None)
