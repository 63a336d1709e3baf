"""An administrator's customer work in the console: edit a CRM record (a duplicate reference is refused at its
field), link someone who already signs in (who then sees the organisation in their switcher), deactivate then delete
a customer after seeing the refusal, and import a customers CSV: a bad row is shown with its line and reason and
nothing is written, the fixed file is imported. Every page at desktop and phone width."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, check_page, h1, page_problems, sign_in, wait_hydrated

ADMIN = "admin@example.com"
STAMP = "'2026-01-01 09:00:00.000000'"


def _customer(db: sqlite3.Connection, org_slug: str, name: str, reference: str) -> int:
    (org,) = db.execute("SELECT id FROM organisation WHERE slug = ?", (org_slug,)).fetchone()
    return db.execute(
        "INSERT INTO customer (organisation_id, reference, name, email, phone, address, locale, currency, "
        f"online_payments_allowed, created_at) VALUES (?, ?, ?, '', '555-0142', '', 'en_US', 'USD', 1, {STAMP})",
        (org, reference, name),
    ).lastrowid


def _member(db: sqlite3.Connection, customer_id: int, email: str) -> None:
    """A person who signs in with the demo password, linked to the customer."""
    (password_hash,) = db.execute("SELECT password_hash FROM portaluser WHERE email = ?", (DEMO,)).fetchone()
    user_id = db.execute(
        f"INSERT INTO portaluser (email, name, password_hash, is_active, created_at) VALUES (?, '', ?, 1, {STAMP})",
        (email, password_hash),
    ).lastrowid
    db.execute(
        f"INSERT INTO membership (portal_user_id, customer_id, created_at) VALUES (?, ?, {STAMP})",
        (user_id, customer_id),
    )


def _staff_signs_in(page: Page, email: str = ADMIN) -> None:
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    sign_in(page, email, DEMO_PASSWORD, heading="Support inbox")


def _open_customer(page: Page, customer_id: int, name: str) -> None:
    page.goto(f"/staff/customers/{customer_id}")
    expect(h1(page, name)).to_be_visible()
    wait_hydrated(page, "#link-email")


def _confirm(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).first.click()
    page.get_by_role("alertdialog").get_by_role("button", name=button, exact=True).click()


def test_admin_edits_a_record_and_links_someone_who_already_signs_in(
    page: Page, portal_db: Path, open_context: Callable[..., BrowserContext]
) -> None:
    tag = uuid.uuid4().hex[:6]
    name, taken = f"Edit Works {tag}", f"EW-{tag}-TAKEN"
    person = f"two-providers-{tag}@example.com"
    with sqlite3.connect(portal_db) as db:
        customer_id = _customer(db, "northwind", name, f"EW-{tag}")
        _customer(db, "northwind", f"Other Works {tag}", taken)
        _member(db, _customer(db, "harbor", f"Harbor client {tag}", f"HW-{tag}"), person)
    _staff_signs_in(page)
    _open_customer(page, customer_id, name)

    page.get_by_role("button", name="Edit record").click()
    wait_hydrated(page, "#record-reference")
    page.fill("#record-reference", taken)
    page.fill("#record-phone", "555-0177")
    page.fill("#record-address", "4 Quay Street\nPortsmouth")
    page.get_by_role("button", name="Save record").click()
    expect(page.locator("#record-reference-error")).to_contain_text(f"already has the reference {taken}")
    expect(page.locator("#record-reference")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#record-reference")).to_be_focused()
    check_page(page, "console-customer-edit-refused")
    page.fill("#record-reference", f"EW-{tag}-2")
    page.get_by_role("button", name="Save record").click()
    expect(page.get_by_role("status").filter(has_text=f"The record of {name} is saved.")).to_be_visible()
    record = page.locator("dl.details")
    expect(record).to_contain_text("555-0177")
    expect(record).to_contain_text(f"EW-{tag}-2")

    page.fill("#link-email", f"nobody-{tag}@example.com")
    page.get_by_role("button", name="Link user").click()
    expect(page.locator("#link-email-error")).to_contain_text(f"No one signs in with nobody-{tag}@example.com")
    page.fill("#link-email", person.upper())
    page.get_by_role("button", name="Link user").click()
    expect(page.get_by_role("status").filter(has_text=f"{person} is now linked to {name}")).to_be_visible()
    people = page.get_by_role("region", name="Portal users")
    expect(people.locator("tr", has_text=person)).to_contain_text("Active")
    check_page(page, "console-customer-linked")

    page.goto("/staff/audit")
    log = page.get_by_role("region", name="Audit log").locator("tbody tr")
    expect(log.nth(0)).to_contain_text("Linked existing user")
    expect(log.nth(0)).to_contain_text(person)
    expect(log.nth(1)).to_contain_text("Edited customer")
    expect(log.nth(1)).to_contain_text("Phone: '555-0142' → '555-0177'")

    customer_page = open_context().new_page()
    sign_in(customer_page, person, DEMO_PASSWORD)
    switcher = customer_page.get_by_role("combobox", name="Organisation")
    switcher.click()
    expect(customer_page.get_by_role("option", name=f"Northwind Fiber ({name})")).to_be_visible()
    expect(customer_page.get_by_role("option", name=f"Harbor Web Studio (Harbor client {tag})")).to_be_visible()


def test_admin_sees_the_refusal_then_deactivates_and_deletes(page: Page, portal_db: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    name, member = f"Closing Works {tag}", f"last-{tag}@closing-works.example"
    with sqlite3.connect(portal_db) as db:
        customer_id = _customer(db, "northwind", name, f"CW-{tag}")
        _member(db, customer_id, member)
    _staff_signs_in(page)
    _open_customer(page, customer_id, name)
    _confirm(page, "Delete customer")
    expect(page.get_by_role("alert")).to_contain_text(
        f"still has an active portal user ({member}); deactivate the user first."
    )
    _confirm(page, "Deactivate")
    expect(page.get_by_role("status").filter(has_text=f"{member} is deactivated")).to_be_visible()
    _confirm(page, "Delete customer")
    expect(h1(page, "Customer deleted")).to_be_visible()
    with sqlite3.connect(portal_db) as db:
        assert db.execute("SELECT count(*) FROM customer WHERE id = ?", (customer_id,)).fetchone() == (0,)


def _upload(page: Page, name: str, text: str) -> None:
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    expect(page.locator("#import-chosen")).to_contain_text(name)
    page.get_by_role("button", name="Check file").click()


def test_admin_imports_customers_after_fixing_the_bad_row(page: Page, portal_db: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    header = "reference,name,email,phone\n"
    good = f"IM-{tag}-1,Imported Deli {tag},deli-{tag}@example.com,555-0101\n"
    bad = header + good + f"IM-{tag}-2,,not-an-email,555-0102\n"
    fixed = header + good + f"IM-{tag}-2,Imported Books {tag},books-{tag}@example.com,555-0102\n"
    _staff_signs_in(page)
    page.goto("/staff/imports")
    expect(h1(page, "Imports")).to_be_visible()
    wait_hydrated(page, "input[type=file]")
    expect(page.get_by_role("radio", name="Customers")).to_be_checked()
    expect(page.locator("#import-columns")).to_contain_text("reference, name (required)")
    check_page(page, "console-imports")

    _upload(page, "customers.csv", bad)
    problems = page.get_by_role("region", name="Rows that cannot be imported")
    expect(problems.locator("tbody tr")).to_have_count(2)
    expect(problems.locator("tbody tr").first).to_contain_text("3")
    expect(problems).to_contain_text("name is required")
    expect(problems).to_contain_text("email 'not-an-email' is not a valid email address")
    expect(page.get_by_role("alert")).to_contain_text("2 rows cannot be imported. Nothing was written")
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    check_page(page, "console-imports-bad-rows")
    with sqlite3.connect(portal_db) as db:
        assert db.execute("SELECT count(*) FROM customer WHERE reference LIKE ?", (f"IM-{tag}-%",)).fetchone() == (0,)

    _upload(page, "customers-fixed.csv", fixed)
    expect(page.locator("#import-ready")).to_contain_text("customers-fixed.csv is fine. Importing it creates 2")
    with sqlite3.connect(portal_db) as db:
        assert db.execute("SELECT count(*) FROM customer WHERE reference LIKE ?", (f"IM-{tag}-%",)).fetchone() == (0,)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text="customers-fixed.csv is imported: 2 created, 0 updated")
    ).to_be_visible()
    check_page(page, "console-imports-done")
    with sqlite3.connect(portal_db) as db:
        names = db.execute("SELECT name FROM customer WHERE reference LIKE ? ORDER BY reference", (f"IM-{tag}-%",))
        assert [row[0] for row in names] == [f"Imported Deli {tag}", f"Imported Books {tag}"]

    page.goto("/staff/audit")
    first = page.get_by_role("region", name="Audit log").locator("tbody tr").first
    expect(first).to_contain_text("Imported CSV")
    expect(first).to_contain_text("Customers from customers-fixed.csv: 2 created, 0 updated, 0 skipped")


def test_an_agent_is_refused_the_imports_page(page: Page) -> None:
    _staff_signs_in(page, "staff@example.com")
    page.goto("/staff/imports")
    expect(h1(page, "Administrators only")).to_be_visible()
    expect(page.locator("input[type=file]")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/staff/imports"))


def test_the_record_form_and_the_import_problems_in_dark_mode(
    open_context: Callable[..., BrowserContext], portal_db: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    with sqlite3.connect(portal_db) as db:
        customer_id = _customer(db, "northwind", f"Dark Works {tag}", f"DW-{tag}")
    page = open_context(color_scheme="dark").new_page()
    _staff_signs_in(page)
    _open_customer(page, customer_id, f"Dark Works {tag}")
    page.get_by_role("button", name="Edit record").click()
    wait_hydrated(page, "#record-currency")
    page.fill("#record-currency", "ZZZ")
    page.get_by_role("button", name="Save record").click()
    expect(page.locator("#record-currency-error")).to_contain_text("Currency 'ZZZ' is not an ISO 4217 currency code.")
    problems = page_problems(page, "dark-console-customer-edit")

    page.goto("/staff/imports")
    wait_hydrated(page, "input[type=file]")
    _upload(page, "customers.csv", "reference,name\nDW-1,\n")
    expect(page.get_by_role("region", name="Rows that cannot be imported")).to_contain_text("name is required")
    problems += page_problems(page, "dark-console-imports")
    assert not problems, "\n".join(problems)
