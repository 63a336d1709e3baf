"""Forgotten password: the emailed link (through a real SMTP server) sets a new password, once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import DEMO, MailSink, at_path, first_link, h1, page_problems, sign_in, wait_hydrated

SENT = "If an account exists for that address, we sent a link"
NEW_PASSWORD = "a-new-portal-password"


@pytest.fixture
def demo_password_restored(portal_db: Path) -> Iterator[None]:
    """Put demo@example.com's password hash back afterwards, so other tests still sign in with it."""
    with sqlite3.connect(portal_db) as db:
        (original,) = db.execute("SELECT password_hash FROM portaluser WHERE email = ?", (DEMO,)).fetchone()
    yield
    with sqlite3.connect(portal_db) as db:
        db.execute("UPDATE portaluser SET password_hash = ? WHERE email = ?", (original, DEMO))


def _ask_for_link(page: Page, email: str) -> None:
    page.goto("/portal/forgot-password")
    expect(h1(page, "Forgot password")).to_be_visible()
    wait_hydrated(page, "#email")
    page.fill("#email", email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status").filter(has_text=SENT)).to_be_visible()


def test_reset_link_sets_a_new_password_once(
    page: Page, portal: str, smtp_server: MailSink, demo_password_restored: None
) -> None:
    page.goto("/portal/login")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(at_path("/portal/forgot-password"))
    expect(h1(page, "Forgot password")).to_be_visible()
    problems = page_problems(page, "forgot-password")

    before = smtp_server.count()
    _ask_for_link(page, DEMO)
    problems += page_problems(page, "forgot-password-sent")
    mail = smtp_server.wait_for(DEMO, after=before)
    assert mail["Subject"] == "Reset your portal password"
    link = first_link(mail)
    assert link.startswith(f"{portal}/portal/reset-password?token="), link

    page.goto(link)
    expect(h1(page, "Set a new password")).to_be_visible()
    wait_hydrated(page, "#confirm")
    problems += page_problems(page, "reset-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()

    expect(page).to_have_url(at_path("/portal/login", "reset=done"))
    expect(page.get_by_role("status").filter(has_text="Your password has been changed")).to_be_visible()
    sign_in(page, DEMO, NEW_PASSWORD)

    page.goto(link)
    expect(page.get_by_role("alert").filter(has_text="This link has already been used")).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_count(0)
    problems += page_problems(page, "reset-password-used")
    assert not problems, "\n".join(problems)


def test_unknown_address_gets_the_same_answer_and_no_email(page: Page, smtp_server: MailSink) -> None:
    before = smtp_server.count()
    _ask_for_link(page, "nobody@example.com")
    _ask_for_link(page, DEMO)  # a known address afterwards: once its email is here, the first is done

    smtp_server.wait_for(DEMO, after=before)
    with pytest.raises(AssertionError, match="no email"):
        smtp_server.wait_for("nobody@example.com", after=before, timeout=0)
