"""Settings → Users & roles and Reports → CSAT in the console: an administrator invites an agent (the email arrives
at the SMTP server; the invitee chooses a password on the invitation page and works in the staff area), changes
their role and deactivates them (which signs them out); an agent reads the CSAT report with the demo's rating and
gets a clear message for a bad date range. Every page at desktop and phone width."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MailSink, first_link, h1, page_problems, sign_in, wait_hydrated

ADMIN = "admin@example.com"
AGENT = "staff@example.com"
USERS = "/staff/settings/users"
CSAT = "/staff/reports/csat"


def _signs_in_at(page: Page, path: str) -> None:
    """Open a console page signed out and wait for the sign-in page that leads back to it."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next="))


def _row(page: Page, email: str):
    return page.get_by_role("region", name="Staff users").locator("tr", has_text=email)


def _status(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def test_admin_invites_an_agent_changes_the_role_and_deactivates(
    page: Page, smtp_server: MailSink, open_context: Callable[..., BrowserContext]
) -> None:
    tag = uuid.uuid4().hex[:6]
    invitee, password = f"casey-{tag}@northwind.example", f"casey-{tag}-password"
    _signs_in_at(page, USERS)
    sign_in(page, ADMIN, DEMO_PASSWORD, heading="Settings → Users & roles")
    wait_hydrated(page, "#staff-invite-email")
    expect(_row(page, ADMIN)).to_contain_text("Admin")
    expect(_row(page, AGENT)).to_contain_text("Active")
    expect(page.get_by_role("navigation", name="Settings").locator("[aria-current=page]")).to_have_text("Users & roles")
    problems = page_problems(page, "console-staff-users")

    page.fill("#staff-invite-email", DEMO)  # a customer's sign-in
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#staff-invite-email-error")).to_contain_text("signs in to the customer portal")
    expect(page.locator("#staff-invite-email")).to_be_focused()
    problems += page_problems(page, "console-staff-users-refused")

    before = smtp_server.count()
    page.fill("#staff-invite-email", invitee)
    page.fill("#staff-invite-name", "Casey Quinn")
    page.select_option("#staff-invite-role", "agent")
    page.get_by_role("button", name="Send invitation").click()
    expect(_status(page, f"Invitation sent to {invitee} as Agent.")).to_be_visible()
    expect(_row(page, invitee)).to_contain_text("Invite pending")
    expect(page.locator("#staff-invite-email-error")).to_have_text("")
    mail = smtp_server.wait_for(invitee, after=before)
    assert "Northwind Fiber console" in mail["Subject"]

    casey = open_context().new_page()
    casey.goto(first_link(mail))
    wait_hydrated(casey, "#confirm")
    expect(casey.get_by_text(invitee)).to_be_visible()
    casey.get_by_label("New password", exact=True).fill(password)
    casey.get_by_label("Repeat the new password").fill(password)
    casey.get_by_role("button", name="Set password and continue").click()
    expect(casey).not_to_have_url(re.compile("accept-invite"))
    casey.goto("/staff")
    expect(h1(casey, "Support inbox")).to_be_visible()  # signed in, as staff
    casey.goto(USERS)
    expect(h1(casey, "Administrators only")).to_be_visible()

    page.reload()
    wait_hydrated(page, "#staff-invite-email")
    expect(_row(page, invitee)).to_contain_text("Active")
    _row(page, invitee).get_by_role("button", name=f"Make admin: {invitee}").click()
    expect(_status(page, f"{invitee} is now an Admin.")).to_be_visible()
    expect(_row(page, invitee)).to_contain_text("Admin")
    _row(page, invitee).get_by_role("button", name="Deactivate").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Deactivate").click()
    expect(_status(page, f"{invitee} is deactivated")).to_be_visible()
    expect(_row(page, invitee)).to_contain_text("Deactivated")
    expect(_row(page, invitee).get_by_role("button", name=f"Reactivate {invitee}")).to_be_visible()
    problems += page_problems(page, "console-staff-users-deactivated")

    casey.goto("/staff")
    expect(casey).to_have_url(re.compile(r"/portal/login"))  # the session ended

    page.goto("/staff/audit")
    log = page.get_by_role("region", name="Audit log").locator("tbody tr")
    expect(log.nth(0)).to_contain_text("Deactivated")
    expect(log.nth(1)).to_contain_text("Changed staff role")
    expect(log.nth(2)).to_contain_text("Invited")
    expect(log.nth(2)).to_contain_text(invitee)
    assert not problems, "\n".join(problems)


def test_an_agent_reads_the_csat_report_and_a_bad_range_is_refused(page: Page) -> None:
    _signs_in_at(page, CSAT)
    sign_in(page, AGENT, DEMO_PASSWORD, heading="Reports → CSAT")
    wait_hydrated(page, "#csat-from")
    summary = page.locator("#csat-summary")
    expect(summary).to_contain_text("Ratings")
    expect(summary).to_contain_text("out of 5 stars")
    comments = page.get_by_role("region", name="Comments")
    expect(comments).to_contain_text("Quick fix, thanks!")
    expect(comments.get_by_role("link", name="Wi-Fi extender in the garage keeps disconnecting")).to_have_attribute(
        "href", re.compile(r"/staff/tickets/\d+$")
    )
    expect(comments).to_contain_text("5 of 5 stars")
    expect(page.get_by_role("region", name="Ratings by agent")).to_contain_text("Jamie Park")
    distribution = page.get_by_role("table", name="Number of ratings for each number of stars")
    expect(distribution.get_by_role("rowheader", name="5 stars")).to_be_visible()
    expect(distribution.get_by_role("rowheader", name="1 star", exact=True)).to_be_visible()
    problems = page_problems(page, "console-csat")

    page.fill("#csat-from", "2026-11-30")
    page.fill("#csat-to", "2026-11-01")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#csat-from-error")).to_have_text("The start date must be on or before the end date.")
    problems += page_problems(page, "console-csat-bad-range")

    page.goto(f"{CSAT}?from=2001-01-01&to=2001-01-31")
    expect(page.locator("#csat-summary")).to_contain_text("0")
    expect(page.get_by_role("region", name="Comments")).to_have_count(0)
    expect(page.get_by_text("No comments in this range.")).to_be_visible()
    assert not problems, "\n".join(problems)


def test_users_and_csat_pass_axe_in_dark_mode(open_context: Callable[..., BrowserContext]) -> None:
    page = open_context(color_scheme="dark").new_page()
    _signs_in_at(page, USERS)
    sign_in(page, ADMIN, DEMO_PASSWORD, heading="Settings → Users & roles")
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)dark(\s|$)"))
    problems = page_problems(page, "dark-console-staff-users")
    page.goto(CSAT)
    expect(page.get_by_role("region", name="Comments")).to_contain_text("Quick fix, thanks!")
    problems += page_problems(page, "dark-console-csat")
    assert not problems, "\n".join(problems)
