"""Invoice emails: `notices run` mails an issued invoice with its PDF to the test SMTP server; the email's one-click
unsubscribe works without signing in and shows in Profile → Notifications; the admin's Settings → Emails saves."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
from playwright.sync_api import Page, expect

from .conftest import REPO, SECRET_KEY, _env
from .helpers import DEMO_PASSWORD, MailSink, check_page, h1, sign_in, wait_hydrated

PERSON = "accounts@notice-bakery.example"
NUMBER = "NWF-MAIL-0001"
ADMIN = "admin@example.com"


def _add_customer_with_invoice(portal_db: Path) -> None:
    """A Northwind customer of its own (other tests' numbers stay as they are), its person, and an invoice issued
    today."""
    today = datetime.now(UTC).date()
    password = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    now = datetime.now(UTC).isoformat(sep=" ")
    with sqlite3.connect(portal_db) as db:
        (organisation_id,) = db.execute("SELECT id FROM organisation WHERE slug = 'northwind'").fetchone()
        customer = db.execute(
            "INSERT INTO customer (organisation_id, name, email, phone, address, locale, currency, "
            "online_payments_allowed, created_at) VALUES (?, 'Notice Bakery', '', '', '1 Oven Lane', 'en_US', 'USD', "
            "1, ?)",
            (organisation_id, now),
        ).lastrowid
        person = db.execute(
            "INSERT INTO portaluser (email, name, password_hash, is_active, created_at) VALUES (?, 'Nora Notice', ?, "
            "1, ?)",
            (PERSON, password, now),
        ).lastrowid
        db.execute(
            "INSERT INTO membership (portal_user_id, customer_id, created_at) VALUES (?, ?, ?)",
            (person, customer, now),
        )
        invoice = db.execute(
            "INSERT INTO invoice (customer_id, number, state, issued_on, due_on, currency, total_minor, paid_minor, "
            "created_at) VALUES (?, ?, 'issued', ?, ?, 'USD', 8900, 0, ?)",
            (customer, NUMBER, today.isoformat(), (today + timedelta(days=14)).isoformat(), now),
        ).lastrowid
        db.execute(
            "INSERT INTO invoiceline (invoice_id, position, description, quantity, unit_price_minor, amount_minor, "
            "tax_rate_bp, tax_minor) VALUES (?, 0, 'Fibre 300', 1, 8900, 8900, 0, 0)",
            (invoice,),
        )


def _run_notices(portal: str, portal_db: Path, smtp_server: MailSink) -> subprocess.CompletedProcess[str]:
    env = _env(
        REFLEX_DB_URL=f"sqlite:///{portal_db}",
        PORTAL_SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        PORTAL_PUBLIC_URL=portal,
        PORTAL_SECRET_KEY=SECRET_KEY,
    )
    command = [sys.executable, "-m", "portal_app.cli", "notices", "run"]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)


def _post(url: str) -> tuple[int, str]:
    """A mail program's one-click unsubscribe (RFC 8058): a POST with no cookies."""
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def _switch(page: Page, label: str):
    return page.get_by_role("switch", name=label)


def test_an_issued_invoice_is_emailed_with_its_pdf_and_its_unsubscribe_link_works(
    page: Page, portal: str, portal_db: Path, smtp_server: MailSink
) -> None:
    _add_customer_with_invoice(portal_db)
    before = smtp_server.count()
    done = _run_notices(portal, portal_db, smtp_server)
    assert done.returncode == 0, done.stderr
    assert f"Sent the issued email of invoice {NUMBER} to 1 person." in done.stdout

    mail = smtp_server.wait_for(PERSON, after=before)
    assert mail["Subject"] == f"Invoice {NUMBER} from Northwind Fiber: $89.00"
    [pdf] = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_filename() == f"{NUMBER}.pdf"
    assert pdf.get_content().startswith(b"%PDF")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{portal}/api/unsubscribe?token=")
    assert unsubscribe in mail.get_body(preferencelist=("plain",)).get_content()

    # Other browser tests issue invoices on the same database, and the first run mails those too; a second run
    # mails nothing at all.
    after_first = smtp_server.count()
    again = _run_notices(portal, portal_db, smtp_server)
    assert "Invoice emails: 0 sent" in again.stdout  # once only
    assert smtp_server.count() == after_first

    page.goto(unsubscribe)  # what a mail scanner does: a GET changes nothing
    expect(page.get_by_role("heading", name=f"Stop emails about new invoices to {PERSON}?")).to_be_visible()
    assert _post(unsubscribe.replace(".invoices.", ".receipts."))[0] == 400  # tampered: refused
    status, text = _post(unsubscribe)
    assert status == 200 and "no longer get emails about new invoices" in text

    sign_in(page, PERSON, DEMO_PASSWORD)
    page.goto("/portal/profile")
    expect(h1(page, "Profile settings")).to_be_visible()
    expect(_switch(page, "New invoices")).to_have_attribute("aria-checked", "false")
    expect(_switch(page, "Payment reminders")).to_have_attribute("aria-checked", "true")
    expect(_switch(page, "Payment receipts")).to_have_attribute("aria-checked", "true")
    check_page(page, "profile-notifications")

    wait_hydrated(page, "#notify-receipts")
    _switch(page, "Payment receipts").click()
    expect(page.get_by_role("status").filter(has_text="Payment receipts: off. Saved.")).to_be_visible()
    page.reload()
    expect(_switch(page, "Payment receipts")).to_have_attribute("aria-checked", "false")
    expect(_switch(page, "New invoices")).to_have_attribute("aria-checked", "false")


def test_an_admin_sets_the_reminders_in_settings_emails(page: Page) -> None:
    page.goto("/portal/login?next=%2Fstaff%2Fsettings%2Femails")
    sign_in(page, ADMIN, DEMO_PASSWORD, heading="Settings → Emails")
    expect(h1(page, "Settings → Emails")).to_be_visible()
    wait_hydrated(page, "#days_before")
    expect(page.get_by_label("Invoice emails")).to_be_checked()
    expect(page.get_by_label("Reminder before the due date")).not_to_be_checked()
    check_page(page, "staff-settings-emails")

    page.get_by_label("Reminder before the due date").check()
    page.get_by_label("Days before the due date").fill("45")
    page.get_by_role("button", name="Save email settings").click()
    expect(page.locator("#days_before-error")).to_have_text("Enter a whole number of days from 1 to 30.")
    expect(page.locator("#days_before")).to_be_focused()

    page.get_by_label("Days before the due date").fill("5")
    page.get_by_role("button", name="Save email settings").click()
    expect(page.get_by_role("status").filter(has_text="Email settings saved.")).to_be_visible()
    page.reload()
    wait_hydrated(page, "#days_before")
    expect(page.get_by_label("Reminder before the due date")).to_be_checked()
    expect(page.get_by_label("Days before the due date")).to_have_value("5")

    page.get_by_label("Reminder before the due date").uncheck()  # as the demo had it
    page.get_by_label("Days before the due date").fill("3")
    page.get_by_role("button", name="Save email settings").click()
    expect(page.get_by_role("status").filter(has_text="Email settings saved.")).to_be_visible()
