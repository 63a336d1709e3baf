"""The console's billing and projects in the browser: an admin filters the invoices, opens the PDF the customer sees,
records a manual payment (the customer's billing then shows it Paid), voids an invoice, moves one to the right
customer after confirming, and creates a project that the customer then sees on Projects."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO_PASSWORD, check_page, h1, page_problems, sign_in, wait_hydrated

ADMIN = "admin@example.com"


def _customer(db: sqlite3.Connection, name: str, now: str) -> int:
    (organisation_id,) = db.execute("SELECT id FROM organisation WHERE slug = 'northwind'").fetchone()
    return db.execute(
        "INSERT INTO customer (organisation_id, name, email, phone, address, locale, currency, "
        "online_payments_allowed, created_at) VALUES (?, ?, '', '', '1 Quay Street', 'en_US', 'USD', 1, ?)",
        (organisation_id, name, now),
    ).lastrowid


def _invoice(db: sqlite3.Connection, customer: int, number: str, now: str) -> None:
    today = datetime.now(UTC).date()
    invoice = db.execute(
        "INSERT INTO invoice (customer_id, number, state, issued_on, due_on, currency, total_minor, paid_minor, "
        "created_at) VALUES (?, ?, 'issued', ?, ?, 'USD', 12050, 0, ?)",
        (customer, number, today.isoformat(), (today + timedelta(days=14)).isoformat(), now),
    ).lastrowid
    db.execute(
        "INSERT INTO invoiceline (invoice_id, position, description, quantity, unit_price_minor, amount_minor, "
        "tax_rate_bp, tax_minor) VALUES (?, 0, 'Fibre 500', 1, 12050, 12050, 0, 0)",
        (invoice,),
    )


def _bakery_with_invoices(portal_db: Path, tag: str) -> tuple[str, str, str]:
    """A Northwind customer with a person who signs in and three invoices, and a second customer; their names and
    the person's email."""
    now = datetime.now(UTC).isoformat(sep=" ")
    bakery, cafe = f"Quay Bakery {tag}", f"Harbour Cafe {tag}"
    person = f"owner-{tag}@quay-bakery.example"
    password = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    with sqlite3.connect(portal_db) as db:
        customer = _customer(db, bakery, now)
        _customer(db, cafe, now)
        user = db.execute(
            "INSERT INTO portaluser (email, name, password_hash, is_active, created_at) VALUES (?, 'Quinn', ?, 1, ?)",
            (person, password, now),
        ).lastrowid
        db.execute(
            "INSERT INTO membership (portal_user_id, customer_id, created_at) VALUES (?, ?, ?)", (user, customer, now)
        )
        for n in (1, 2, 3):
            _invoice(db, customer, f"QB-{tag}-{n}", now)
    return bakery, cafe, person


def _status_of(page: Page, number: str):
    return page.get_by_role("region", name="Invoices").locator("tr", has_text=number)


def test_admin_bills_and_plans_and_the_customer_sees_it(
    page: Page, portal_db: Path, open_context: Callable[..., BrowserContext]
) -> None:
    tag = uuid.uuid4().hex[:6]
    bakery, cafe, person = _bakery_with_invoices(portal_db, tag)
    paid, voided, moved = (f"QB-{tag}-{n}" for n in (1, 2, 3))
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    sign_in(page, ADMIN, DEMO_PASSWORD, heading="Support inbox")

    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Invoices", exact=True).click()
    expect(h1(page, "Invoices")).to_be_visible()
    wait_hydrated(page, "#filter-customer")
    page.fill("#filter-customer", bakery)
    page.select_option("#filter-status", "Issued")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/invoices/?\?status=Issued&customer=Quay"))
    rows = page.get_by_role("region", name="Invoices").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(_status_of(page, paid)).to_contain_text("Issued")
    pdf = _status_of(page, paid).get_by_role("link", name="View invoice").get_attribute("href")
    answer = page.request.get(pdf)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    check_page(page, "console-invoices")

    page.fill("#filter-from", "2001-02-03")
    page.fill("#filter-to", "2001-02-01")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.locator("#filter-to-error")).to_have_text("The end of the range is before its start.")

    _status_of(page, paid).get_by_role("link", name=paid).click()
    expect(h1(page, f"Invoice {paid}")).to_be_visible()
    wait_hydrated(page, "#payment-amount")
    page.fill("#payment-amount", "200")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#payment-amount-error")).to_contain_text("more than the balance of $120.50")
    page.fill("#payment-amount", "120.50")
    page.select_option("#payment-method", "bank_transfer")
    page.fill("#payment-reference", f"BT-{tag}")
    check_page(page, "console-invoice")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status").filter(has_text=f"$120.50 was recorded against {paid}.")).to_be_visible()
    expect(page.get_by_role("region", name="Payments of this invoice")).to_contain_text(f"Bank transfer, ref BT-{tag}")
    expect(page.get_by_text(f"{paid} is paid in full.")).to_be_visible()
    expect(page.get_by_text(f"{paid} has payments received against it", exact=False)).to_be_visible()

    page.goto(f"/staff/invoices?customer={bakery.replace(' ', '+')}")
    _status_of(page, voided).get_by_role("link", name=voided).click()
    expect(h1(page, f"Invoice {voided}")).to_be_visible()
    wait_hydrated(page, "#void-reason")
    page.fill("#void-reason", "Billed twice")
    page.get_by_role("button", name="Void invoice").click()
    expect(page.get_by_role("status").filter(has_text=f"{voided} is void")).to_be_visible()

    page.goto(f"/staff/invoices?customer={bakery.replace(' ', '+')}")
    _status_of(page, moved).get_by_role("link", name=moved).click()
    expect(h1(page, f"Invoice {moved}")).to_be_visible()
    wait_hydrated(page, "#move-customer")
    page.locator("#move-customer").press_sequentially(cafe[:14], delay=30)
    page.get_by_role("list", name="Matching customers").get_by_role("button", name=re.compile(re.escape(cafe))).click()
    page.get_by_role("button", name="Move…").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text(f"Move {moved} from {bakery} to {cafe}?")
    check_page(page, "console-invoice-move")
    question.get_by_role("button", name="Move invoice").click()
    expect(page.get_by_role("status").filter(has_text=f"Moved {moved} from {bakery} to {cafe}.")).to_be_visible()

    page.goto("/staff/projects")
    expect(h1(page, "Projects")).to_be_visible()
    page.get_by_role("link", name="New project").click()
    expect(h1(page, "New project")).to_be_visible()
    wait_hydrated(page, "#project-customer")
    page.locator("#project-customer").press_sequentially(bakery[:14], delay=30)
    page.get_by_role("list", name="Matching customers").get_by_role(
        "button", name=re.compile(re.escape(bakery))
    ).click()
    page.fill("#project-name", f"Oven wiring {tag}")
    page.select_option("#project-status", "In progress")
    page.fill("#project-progress", "35")
    check_page(page, "console-new-project")
    page.get_by_role("button", name="Create project").click()
    expect(h1(page, f"Oven wiring {tag}")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=f"{bakery} sees it")).to_be_visible()
    check_page(page, "console-project")
    page.goto("/staff/projects")
    expect(page.get_by_role("region", name="Projects").locator("tr", has_text=f"Oven wiring {tag}")).to_contain_text(
        "35%"
    )
    check_page(page, "console-projects")

    page.goto("/staff/audit")
    log = page.get_by_role("region", name="Audit log")
    for action in ("Recorded a payment", "Voided invoice", "Moved invoice", "Created project"):
        expect(log.locator("tr", has_text=action).filter(has_text=tag).first).to_be_visible()

    customer = open_context().new_page()
    sign_in(customer, person, DEMO_PASSWORD)
    customer.goto("/portal/billing/history")
    invoices = customer.get_by_role("region", name="All invoices")
    expect(invoices.locator("tr", has_text=paid)).to_contain_text("Paid")
    expect(invoices.locator("tr", has_text=voided)).to_contain_text("Void")
    expect(invoices.locator("tr", has_text=moved)).to_have_count(0)
    expect(customer.get_by_role("region", name="Payments")).to_contain_text(f"Bank transfer, ref BT-{tag}")
    customer.goto("/portal/projects")
    expect(customer.get_by_role("heading", name=f"Oven wiring {tag}")).to_be_visible()
    expect(customer.get_by_text("35%")).to_be_visible()


def test_the_billing_and_project_pages_pass_axe_in_dark_mode(open_context: Callable[..., BrowserContext]) -> None:
    page = open_context(color_scheme="dark").new_page()
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    sign_in(page, ADMIN, DEMO_PASSWORD, heading="Support inbox")
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)dark(\s|$)"))
    page.goto("/staff/invoices")
    first = page.get_by_role("region", name="Invoices").locator("tbody tr th a").first
    invoice = first.get_attribute("href")
    problems: list[str] = []
    for path, name in (
        ("/staff/invoices", "dark-console-invoices"),
        (invoice, "dark-console-invoice"),
        ("/staff/projects", "dark-console-projects"),
        ("/staff/projects/new", "dark-console-new-project"),
    ):
        page.goto(path)
        expect(page.locator(".page-root[data-hydrated='true']")).to_have_count(1)
        expect(page.locator(".page-skeleton")).to_have_count(0)
        problems += page_problems(page, name)
    assert not problems, "\n".join(problems)
