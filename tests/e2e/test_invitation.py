"""Invitation: a provider invites a customer's email from the CLI; the link sets a password and lands in the portal."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import REPO, _env
from .helpers import MailSink, at_path, first_link, h1, page_problems, sign_in, wait_hydrated

INVITED = "frontdesk@lakeside-dental.example"
PASSWORD = "lakeside-portal-2026"


def _invite(
    portal: str, portal_db: Path, smtp_server: MailSink, email: str = INVITED, customer: str = "Lakeside Dental Clinic"
) -> subprocess.CompletedProcess[str]:
    with sqlite3.connect(portal_db) as db:
        (customer_id,) = db.execute("SELECT id FROM customer WHERE name = ?", (customer,)).fetchone()
    env = _env(
        REFLEX_DB_URL=f"sqlite:///{portal_db}",
        PORTAL_SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        PORTAL_PUBLIC_URL=portal,
    )
    command = [sys.executable, "-m", "portal_app.cli", "invite", "--org", "northwind", "--customer", str(customer_id)]
    command += ["--email", email, "--name", "Lakeside front desk"]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)


def test_invitation_link_sets_a_password_and_lands_in_the_portal(
    page: Page, portal: str, portal_db: Path, smtp_server: MailSink
) -> None:
    before = smtp_server.count()
    done = _invite(portal, portal_db, smtp_server)
    assert done.returncode == 0, done.stderr
    mail = smtp_server.wait_for(INVITED, after=before)
    assert "Northwind Fiber" in mail["Subject"]
    link = first_link(mail)
    assert link.startswith(f"{portal}/portal/accept-invite?token="), link

    page.goto(link)
    expect(h1(page, "Welcome to your customer portal")).to_be_visible()
    wait_hydrated(page, "#confirm")
    expect(page.get_by_text(INVITED)).to_be_visible()
    problems = page_problems(page, "accept-invite")

    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Set password and continue").click()
    expect(page.locator("#password-error")).to_have_text("Use at least 10 characters.")
    expect(page.locator("#password")).to_be_focused()
    problems += page_problems(page, "accept-invite-field-error")

    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Set password and continue").click()
    expect(page).to_have_url(at_path("/portal/"))
    expect(page.get_by_text("Lakeside Dental Clinic").first).to_be_visible()
    expect(page.get_by_text("Business Fiber 500 Mbps").first).to_be_visible()

    page.goto(link)
    expect(page.get_by_role("alert").filter(has_text="already been used")).to_be_visible()
    problems += page_problems(page, "accept-invite-used")

    page.context.clear_cookies()
    sign_in(page, INVITED, PASSWORD)
    expect(page.get_by_text("Lakeside Dental Clinic").first).to_be_visible()
    assert not problems, "\n".join(problems)


def test_a_forged_invitation_link_is_refused(page: Page) -> None:
    page.goto("/portal/accept-invite?token=not-a-real-token")
    expect(page.get_by_role("alert").filter(has_text="not valid")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()


def test_an_existing_account_accepts_with_its_own_password_which_stays_as_it_was(
    page: Page, portal: str, portal_db: Path, smtp_server: MailSink
) -> None:
    email, password = "bookkeeper@lakeside-dental.example", "bookkeeper-portal-2026"
    before = smtp_server.count()
    assert _invite(portal, portal_db, smtp_server, email).returncode == 0
    page.goto(first_link(smtp_server.wait_for(email, after=before)))
    wait_hydrated(page, "#confirm")
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Repeat the new password").fill(password)
    page.get_by_role("button", name="Set password and continue").click()
    expect(page).to_have_url(at_path("/portal/"))

    before = smtp_server.count()
    assert _invite(portal, portal_db, smtp_server, email, "Bulk Test Ltd").returncode == 0
    mail = smtp_server.wait_for(email, after=before)
    assert "sign in with your password" in mail.get_body().get_content()
    page.context.clear_cookies()
    page.goto(first_link(mail))
    expect(page.get_by_text("You already have a portal account")).to_be_visible()
    wait_hydrated(page, "#password")
    expect(page.get_by_label("Repeat the new password")).to_have_count(0)  # no password is chosen here
    problems = page_problems(page, "accept-invite-existing")

    page.get_by_label("Password", exact=True).fill("someone-elses-new-password")
    page.get_by_role("button", name="Sign in and add it to my account").click()
    expect(page.locator("#password-error")).to_contain_text("not the password of this account")
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in and add it to my account").click()
    expect(page).to_have_url(at_path("/portal/"))
    page.locator("#org-switcher").click()  # both providers are in the switcher's list now
    expect(page.get_by_role("option", name="Bulk Test Ltd")).to_be_visible()
    page.keyboard.press("Escape")

    page.context.clear_cookies()
    sign_in(page, email, password)  # the password is the one the person chose, not the one typed at the invitation
    page.locator("#org-switcher").click()
    expect(page.get_by_role("option", name="Lakeside Dental Clinic")).to_be_visible()
    assert not problems, "\n".join(problems)
