"""Invoice PDFs open from Billing in a new tab; the link works only for the signed-in owner."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MULTI, sign_in


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
    assert response.text() == "Invoice not found."

    tampered = href.replace("sig=", "sig=0")
    assert page.request.get(tampered).status == 404
