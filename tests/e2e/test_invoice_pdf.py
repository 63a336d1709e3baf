"""Invoice PDFs open from Billing in a new tab; the link works only for the signed-in owner."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal_app.services.access import pdf_link
from portal_app.services.accounts.sessions import Principal

from .conftest import SECRET_KEY
from .helpers import DEMO, DEMO_PASSWORD, MULTI, at_path, sign_in


def test_view_invoice_opens_the_pdf_in_a_new_tab_and_download_offers_a_file(page: Page, portal: str) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing")
    table = page.get_by_role("region", name="Recent invoices")
    first = table.locator("tbody tr").first
    number = first.locator("th").inner_text()
    view = first.get_by_role("link", name=f"View invoice {number} (PDF, opens in a new tab)")
    expect(view).to_have_attribute("target", "_blank")

    response = page.request.get(view.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'inline; filename="{number}.pdf"'
    assert response.body().startswith(b"%PDF")

    with page.expect_popup() as popup:
        view.click()
    assert "/api/invoices/" in popup.value.url

    download = first.get_by_role("link", name=f"Download PDF of invoice {number}").get_attribute("href")
    response = page.request.get(download)
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'


def test_another_customer_or_a_signed_out_visitor_cannot_open_the_link(page: Page, open_context) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing")
    link = page.get_by_role("region", name="Recent invoices").locator("tbody tr").first.get_by_role("link").first
    href = link.get_attribute("href")

    stranger = open_context().new_page()
    response = stranger.request.get(href)
    assert response.status == 403
    assert b"%PDF" not in response.body()

    sign_in(stranger, MULTI, DEMO_PASSWORD)
    response = stranger.request.get(href)
    assert response.status == 404
    assert "Invoice not found." in response.text()

    tampered = href.replace("sig=", "sig=0")
    assert page.request.get(tampered).status == 404


def _alex(portal_db: Path, invoice_id: int) -> Principal:
    """The demo customer as the server sees them when they open the invoice."""
    with sqlite3.connect(portal_db) as db:
        user_id, name = db.execute("SELECT id, name FROM portaluser WHERE email = ?", (DEMO,)).fetchone()
        customer_id, organisation_id = db.execute(
            "SELECT c.id, c.organisation_id FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE i.id = ?",
            (invoice_id,),
        ).fetchone()
    return Principal(0, user_id, name, DEMO, customer_id, organisation_id)


def test_an_invoice_link_from_a_page_left_open_for_an_hour_still_opens(
    page: Page, portal_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing")
    href = page.get_by_role("region", name="Recent invoices").locator("tbody tr").first.get_by_role("link").first
    invoice_id = int(re.search(r"/api/invoices/(\d+)/pdf", href.get_attribute("href")).group(1))
    monkeypatch.setenv("PORTAL_SECRET_KEY", SECRET_KEY)
    stale = pdf_link(_alex(portal_db, invoice_id), invoice_id, now=datetime.now(UTC) - timedelta(hours=1))

    response = page.request.get(stale)  # the server answers with a freshly signed link, followed here
    assert response.status == 200
    assert response.body().startswith(b"%PDF")
    assert response.url != page.url and "/api/invoices/" in response.url

    page.context.clear_cookies()  # signed out meanwhile: a page that says so, with the way back
    page.goto(stale)
    expect(page.get_by_role("heading", name="Please sign in to view this invoice.")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(at_path("/portal/login", r"next=%2Fportal%2Fbilling"))
    sign_in(page, DEMO, DEMO_PASSWORD, heading="Billing")
