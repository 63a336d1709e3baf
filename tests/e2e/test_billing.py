"""Services and Billing tabs show the database's figures; the billing history pages forward and back."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, check_page, h1, sign_in
from .portal_data import customer_facts, money

PAGE_SIZE = 10


def _counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        (customer_id,) = db.execute("SELECT id FROM customer WHERE name = 'Alex Morgan'").fetchone()
        one = lambda sql: db.execute(sql, (customer_id,)).fetchone()[0]  # noqa: E731
        return {
            "invoices": one("SELECT COUNT(*) FROM invoice WHERE customer_id = ? AND state != 'draft'"),
            "payments": one("SELECT COUNT(*) FROM payment WHERE customer_id = ?"),
            "open": one(
                "SELECT COUNT(*) FROM invoice WHERE customer_id = ? AND state = 'issued' AND total_minor > paid_minor"
            ),
            "active": one("SELECT COUNT(*) FROM service WHERE customer_id = ? AND is_active"),
            "services": one("SELECT COUNT(*) FROM service WHERE customer_id = ?"),
            "oldest_total": one(
                "SELECT total_minor FROM invoice WHERE customer_id = ? AND state != 'draft' "
                "ORDER BY issued_on, id LIMIT 1"
            ),
        }


def test_services_and_billing_cards_match_the_database(page: Page, portal_db: Path) -> None:
    facts = customer_facts(portal_db, "Alex Morgan")
    counts = _counts(portal_db)
    sign_in(page, DEMO, DEMO_PASSWORD)

    page.goto("/portal/services")
    cards = page.locator("#services-summary")
    expect(cards).to_contain_text(f"{counts['active']} of {counts['services']}")
    expect(cards).to_contain_text(facts.balance_due)
    open_card = cards.locator(".rt-Card").filter(has_text="Open invoices")
    expect(open_card).to_contain_text(f"Open invoices{counts['open']}")
    check_page(page, "services-cards")

    page.goto("/portal/billing")
    expect(h1(page, "Billing")).to_be_visible()
    summary = page.locator("#billing-summary")
    expect(summary).to_contain_text(facts.balance_due)
    expect(summary).to_contain_text(facts.last_invoice_total)
    expect(summary).to_contain_text(facts.last_payment_amount)
    notice = page.locator("#payments-notice")
    expect(notice).to_contain_text("contact us")
    expect(notice.get_by_role("link", name="support@northwind.example")).to_have_attribute(
        "href", "mailto:support@northwind.example"
    )
    expect(notice.locator("a[href^='tel:+']")).to_have_count(1)  # the phone dials on a tap
    for status in ("Issued", "Partially paid", "Overdue", "Paid"):
        expect(page.get_by_role("region", name="Recent invoices").get_by_text(status, exact=True).first).to_be_visible()
    check_page(page, "billing")


def test_history_walks_forward_and_back_with_the_position_in_the_url(page: Page, portal_db: Path) -> None:
    counts = _counts(portal_db)
    pages = -(-counts["invoices"] // PAGE_SIZE)
    assert pages > 1, "the demo customer needs more than one page of invoices"
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing")
    page.get_by_role("link", name="Billing history").click()
    expect(h1(page, "Billing history")).to_be_visible()
    invoices = page.get_by_role("navigation", name="Invoice pages")
    expect(invoices).to_contain_text(f"Page 1 of {pages}")
    first_row = page.get_by_role("region", name="All invoices").locator("tbody tr").first
    newest = first_row.locator("th").inner_text()
    check_page(page, "history")

    for number in range(2, pages + 1):
        invoices.get_by_role("link", name="Next →").click()
        expect(invoices).to_contain_text(f"Page {number} of {pages}")
        expect(page).to_have_url(re.compile(rf"/portal/billing/history/?\?invoices={number}&"))
    oldest_total = money(counts["oldest_total"], "USD", "en_US")
    expect(page.get_by_role("region", name="All invoices").locator("tbody tr").last).to_contain_text(oldest_total)

    page.reload()
    expect(invoices).to_contain_text(f"Page {pages} of {pages}")
    page.go_back()
    expect(invoices).to_contain_text(f"Page {pages - 1} of {pages}")
    invoices.get_by_role("link", name="← Previous").click()
    if pages - 2 == 1:
        expect(first_row.locator("th")).to_have_text(newest)

    payments = page.get_by_role("navigation", name="Payment pages")
    payments.get_by_role("link", name="25").click()
    expect(payments).to_contain_text(f"of {-(-counts['payments'] // 25)}")
    expect(page).to_have_url(re.compile(r"/portal/billing/history/?\?.*payment_size=25"))


def test_a_page_past_the_end_or_not_a_number_shows_the_nearest_page(page: Page, portal_db: Path) -> None:
    pages = -(-_counts(portal_db)["invoices"] // PAGE_SIZE)
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing/history?invoices=999&payments=abc")
    expect(page.get_by_role("status").filter(has_text="showing the nearest one")).to_be_visible()
    expect(page.get_by_role("navigation", name="Invoice pages")).to_contain_text(f"Page {pages} of {pages}")
    expect(page.get_by_role("navigation", name="Payment pages")).to_contain_text("Page 1 of")
