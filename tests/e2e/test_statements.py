"""Billing history offers the statement of account as a PDF and the whole history as CSV downloads."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .helpers import DEMO, DEMO_PASSWORD, check_page, h1, sign_in, wait_hydrated
from .portal_data import customer_facts

BOM = b"\xef\xbb\xbf"
BULK = "bulk@example.com"


def _history(page: Page) -> None:
    page.goto("/portal/billing/history")
    expect(h1(page, "Billing history")).to_be_visible()
    wait_hydrated(page, "#statement-from")


def _download(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as download:
        page.get_by_role("button", name=button).click()
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def _count(db_path: Path, sql: str, email: str) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        (customer_id,) = db.execute(
            "SELECT m.customer_id FROM membership m JOIN portaluser u ON u.id = m.portal_user_id WHERE u.email = ?",
            (email,),
        ).fetchone()
        return db.execute(sql, (customer_id,)).fetchone()[0]


def test_the_statements_closing_balance_is_the_balance_due_billing_shows(page: Page, portal_db: Path) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing")
    balance_due = customer_facts(portal_db, "Alex Morgan").balance_due
    expect(page.locator("#billing-summary")).to_contain_text(balance_due)
    _history(page)
    today = date.today()
    expect(page.locator("#statement-from")).to_have_value(today.replace(month=1, day=1).isoformat())
    expect(page.locator("#statement-to")).to_have_value(today.isoformat())
    check_page(page, "history-statement")

    name, pdf = _download(page, "Download statement (PDF)")

    assert name == f"statement-Alex-Morgan-{today.year}-01-01-{today.isoformat()}.pdf"
    reader = PdfReader(io.BytesIO(pdf))
    first = " ".join(reader.pages[0].extract_text().split())
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "Statement" in first and "Alex Morgan" in first and "Northwind Fiber" in first
    assert f"CLOSING BALANCE {balance_due}" in first
    assert f"Closing balance {balance_due}" in last
    assert "Over 90 days" in last


def test_a_bad_period_says_why_and_downloads_nothing(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    _history(page)
    page.fill("#statement-from", "2026-06-01")
    page.fill("#statement-to", "2026-01-01")
    downloads: list[object] = []

    def saw(download: object) -> None:  # playwright takes Python functions only, not list.append
        downloads.append(download)

    page.on("download", saw)

    page.get_by_role("button", name="Download statement (PDF)").click()

    expect(page.get_by_role("alert")).to_contain_text("The statement's start date is after its end date.")
    assert downloads == []
    check_page(page, "history-statement-refused")


def test_the_exports_hold_the_whole_history_with_a_bom(page: Page, portal_db: Path) -> None:
    invoices = _count(portal_db, "SELECT COUNT(*) FROM invoice WHERE customer_id = ? AND state != 'draft'", DEMO)
    payments = _count(portal_db, "SELECT COUNT(*) FROM payment WHERE customer_id = ?", DEMO)
    sign_in(page, DEMO, DEMO_PASSWORD)
    _history(page)

    invoice_name, invoice_csv = _download(page, "Export invoices (CSV)")
    payment_name, payment_csv = _download(page, "Export payments (CSV)")

    today = date.today().isoformat()
    assert (invoice_name, payment_name) == (f"invoices-Alex-Morgan-{today}.csv", f"payments-Alex-Morgan-{today}.csv")
    assert invoice_csv.startswith(BOM) and payment_csv.startswith(BOM)
    invoice_rows = list(csv.reader(io.StringIO(invoice_csv.decode("utf-8-sig"))))
    payment_rows = list(csv.reader(io.StringIO(payment_csv.decode("utf-8-sig"))))
    assert invoice_rows[0][:3] == ["Number", "Issued", "Due"]
    assert (len(invoice_rows) - 1, len(payment_rows) - 1) == (invoices, payments)
    assert payment_rows[0] == ["Date", "Amount", "Currency", "Status", "Paid with", "Invoice"]


def test_20000_invoices_download_as_one_csv(page: Page, portal_db: Path) -> None:
    invoices = _count(portal_db, "SELECT COUNT(*) FROM invoice WHERE customer_id = ? AND state != 'draft'", BULK)
    assert invoices == 20_000
    sign_in(page, BULK, DEMO_PASSWORD)
    _history(page)

    _, data = _download(page, "Export invoices (CSV)")

    assert data.startswith(BOM)
    assert data.count(b"\r\n") == invoices + 1
