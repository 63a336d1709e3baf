"""The provider console in the browser: an admin links a person to a customer record found by search and invites
them, resends a pending invite, deactivates then deletes a customer, checks the Stripe status; every action is in
the audit log. An agent sees no admin page."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .conftest import STRIPE_ACCOUNT
from .helpers import DEMO_PASSWORD, MailSink, check_page, first_link, h1, sign_in, wait_hydrated

ADMIN = "admin@example.com"
AGENT = "staff@example.com"
ORG = "northwind"


def _customer(portal_db: Path, name: str, *, member: str = "") -> int:
    """A new customer of Northwind (with an active portal user when `member` is given); its id."""
    with sqlite3.connect(portal_db) as db:
        (org,) = db.execute("SELECT id FROM organisation WHERE slug = ?", (ORG,)).fetchone()
        customer_id = db.execute(
            "INSERT INTO customer (organisation_id, reference, name, email, phone, address, locale, currency, "
            "online_payments_allowed, created_at) VALUES (?, ?, ?, '', '555-0142', '', 'en_US', 'USD', 1, "
            "'2026-01-01 09:00:00.000000')",
            (org, f"CON-{uuid.uuid4().hex[:6]}", name),
        ).lastrowid
        if member:
            user_id = db.execute(
                "INSERT INTO portaluser (email, name, password_hash, is_active, created_at) "
                "VALUES (?, 'Console member', 'not-a-real-hash', 1, '2026-01-01 09:00:00.000000')",
                (member,),
            ).lastrowid
            db.execute(
                "INSERT INTO membership (portal_user_id, customer_id, created_at) "
                "VALUES (?, ?, '2026-01-01 09:00:00.000000')",
                (user_id, customer_id),
            )
    return customer_id


def _admin_signs_in(page: Page) -> None:
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    expect(h1(page, "Staff sign-in")).to_be_visible()
    expect(page.get_by_text("Staff area", exact=True)).to_be_visible()  # not "Customer portal" above the card
    sign_in(page, ADMIN, DEMO_PASSWORD, heading="Support inbox")
    expect(page.get_by_text("Staff · Northwind Fiber")).to_be_visible()


def _confirm(page: Page, button: str) -> None:
    """Click a button that asks first, then confirm in the dialog."""
    page.get_by_role("button", name=button, exact=True).first.click()
    page.get_by_role("alertdialog").get_by_role("button", name=button, exact=True).click()


def _open_customer(page: Page, name: str) -> None:
    page.goto("/staff/customers")
    wait_hydrated(page, "#customer-search")
    page.fill("#customer-search", name)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/customers/?\?q="))
    page.get_by_role("region", name="Customers").get_by_role("link", name=name).click()
    expect(h1(page, name)).to_be_visible()


def test_admin_links_by_search_and_invites_then_resends_the_pending_invite(
    page: Page, portal_db: Path, smtp_server: MailSink
) -> None:
    name = f"Console Cafe {uuid.uuid4().hex[:6]}"
    email = f"owner-{uuid.uuid4().hex[:6]}@console-cafe.example"
    _customer(portal_db, name)
    _admin_signs_in(page)
    nav = page.get_by_role("navigation", name="Staff area")
    for link in ("Inbox", "Help articles", "Customers", "Settings", "Audit log"):
        expect(nav.get_by_role("link", name=link, exact=True)).to_be_visible()

    expect(nav.get_by_role("link", name="Customers")).to_have_attribute("href", "/staff/customers")
    page.goto("/staff/customers")
    expect(h1(page, "Customers")).to_be_visible()
    expect(page.get_by_role("region", name="Customers")).to_contain_text("Alex Morgan")
    check_page(page, "console-customers")

    page.get_by_role("link", name="Create a client user").click()
    expect(h1(page, "Create a client user")).to_be_visible()
    wait_hydrated(page, "#customer-lookup")
    page.fill("#new-user-email", email)
    page.locator("#customer-lookup").press_sequentially(name[:12], delay=30)
    choices = page.get_by_role("list", name="Matching customers")
    choices.get_by_role("button", name=re.compile(re.escape(name))).click()
    expect(page.locator("#customer-lookup-chosen")).to_contain_text(name)
    check_page(page, "console-new-user")
    before = smtp_server.count()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").filter(has_text=f"Invitation sent to {email} for {name}.")).to_be_visible()
    assert "/portal/accept-invite?token=" in first_link(smtp_server.wait_for(email, after=before))

    _open_customer(page, name)
    people = page.get_by_role("region", name="Portal users")
    expect(people.locator("tr", has_text=email)).to_contain_text("Invite pending")
    before = smtp_server.count()
    people.get_by_role("button", name="Resend invite").click()
    expect(page.get_by_role("status").filter(has_text=f"A new invitation link was sent to {email}.")).to_be_visible()
    assert "/portal/accept-invite?token=" in first_link(smtp_server.wait_for(email, after=before))
    check_page(page, "console-customer")

    page.goto("/staff/audit")
    log = page.get_by_role("region", name="Audit log")
    expect(log.locator("tbody tr").first).to_contain_text("Resent invite")
    expect(log.locator("tr", has_text="Invited").filter(has_text=email)).to_have_count(1)
    expect(log.locator("tbody tr").first).to_contain_text(ADMIN)


def test_admin_deactivates_then_deletes_a_customer(page: Page, portal_db: Path) -> None:
    name = f"Closing Shop {uuid.uuid4().hex[:6]}"
    member = f"last-{uuid.uuid4().hex[:6]}@closing-shop.example"
    _customer(portal_db, name, member=member)
    _admin_signs_in(page)
    _open_customer(page, name)
    people = page.get_by_role("region", name="Portal users")
    expect(people.locator("tr", has_text=member)).to_contain_text("Active")

    _confirm(page, "Delete customer")
    expect(page.get_by_role("alert")).to_contain_text(f"still has an active portal user ({member})")
    expect(h1(page, name)).to_be_visible()

    people.get_by_role("button", name="Deactivate").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status").filter(has_text=f"{member} is deactivated")).to_be_visible()
    expect(people.locator("tr", has_text=member)).to_contain_text("Deactivated")

    _confirm(page, "Delete customer")
    expect(h1(page, "Customer deleted")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Customer {name} and everything linked to it were deleted.")
    with sqlite3.connect(portal_db) as db:
        assert db.execute("SELECT count(*) FROM customer WHERE name = ?", (name,)).fetchone() == (0,)

    page.goto("/staff/audit")
    rows = page.get_by_role("region", name="Audit log").locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Deleted customer")
    expect(rows.nth(0)).to_contain_text(name)
    expect(rows.nth(1)).to_contain_text("Deactivated")
    expect(rows.nth(1)).to_contain_text(member)
    check_page(page, "console-audit")


@pytest.fixture
def linked_stripe_account(portal_db: Path) -> Iterator[None]:
    """Northwind's connected account set (not yet read from Stripe) for the test, then its settings as before."""
    with sqlite3.connect(portal_db) as db:
        db.row_factory = sqlite3.Row
        before = dict(db.execute("SELECT * FROM organisation WHERE slug = ?", (ORG,)).fetchone())
        db.execute("UPDATE organisation SET stripe_account_id = ? WHERE slug = ?", (STRIPE_ACCOUNT, ORG))
    yield
    with sqlite3.connect(portal_db) as db:
        db.execute(
            f"UPDATE organisation SET {', '.join(f'{column} = ?' for column in before)} WHERE slug = ?",
            (*before.values(), ORG),
        )


def test_admin_checks_the_stripe_status_and_switches_online_payments(page: Page, linked_stripe_account) -> None:
    _admin_signs_in(page)
    page.goto("/staff/settings/payments")
    expect(h1(page, "Settings → Payments")).to_be_visible()
    status = page.locator("#stripe-status")
    expect(status).to_contain_text(f"Stripe account {STRIPE_ACCOUNT}: not checked yet")

    page.get_by_role("button", name="Refresh status").click()
    expect(page.get_by_role("status").filter(has_text="Stripe's status was read just now.")).to_be_visible()
    expect(status).to_contain_text("Card payments: enabled.")
    check_page(page, "console-payments")

    page.get_by_label("Automatic payments allowed").check()
    page.get_by_role("button", name="Save payment settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Automatic payments need online payments")
    page.get_by_label("Online payments on").check()
    page.get_by_label("Automatic payments allowed").check()
    page.get_by_role("button", name="Save payment settings").click()
    expect(page.get_by_role("status").filter(has_text="Payment settings saved.")).to_be_visible()
    expect(page.get_by_label("Online payments on")).to_be_checked()

    page.goto("/staff/audit")
    rows = page.get_by_role("region", name="Audit log").locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Online payments on, automatic payments allowed")
    expect(rows.nth(1)).to_contain_text("Refreshed Stripe status")


def test_an_agent_sees_no_admin_navigation_and_admin_pages_refuse_them(
    open_context: Callable[..., BrowserContext],
) -> None:
    page = open_context().new_page()
    page.goto("/portal/login")
    expect(h1(page, "Sign in")).to_be_visible()  # the customers' sign-in keeps its wording
    page.goto("/staff")
    expect(h1(page, "Staff sign-in")).to_be_visible()
    sign_in(page, AGENT, DEMO_PASSWORD, heading="Support inbox")
    nav = page.get_by_role("navigation", name="Staff area")
    expect(nav.get_by_role("link", name="Help articles")).to_be_visible()
    for link in ("Customers", "Settings", "Audit log"):
        expect(nav.get_by_role("link", name=link)).to_have_count(0)
    for path in ("/staff/customers", "/staff/customers/new-user", "/staff/settings/payments", "/staff/audit"):
        page.goto(path)
        expect(h1(page, "Administrators only")).to_be_visible()
        expect(page.get_by_role("region", name="Customers")).to_have_count(0)
    check_page(page, "console-not-admin")
