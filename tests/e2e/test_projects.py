"""Projects tab: the demo customer's projects with status and progress; the Overview counts active ones."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MULTI, check_page, h1, sign_in


def test_projects_show_status_and_progress(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    expect(page.locator("#active-projects")).to_have_text("3")
    page.get_by_role("link", name="Projects", exact=True).click()
    expect(h1(page, "Projects")).to_be_visible()
    fibre = page.get_by_role("progressbar", name="Progress of Fibre installation at the garden office")
    expect(fibre).to_have_attribute("aria-valuenow", "60")
    expect(page.get_by_text("60%")).to_be_visible()
    expect(page.get_by_text("Completed", exact=True)).to_be_visible()
    check_page(page, "projects")


def test_another_customer_sees_none_of_them(page: Page) -> None:
    sign_in(page, MULTI, DEMO_PASSWORD)
    page.goto("/portal/projects")
    expect(page.get_by_text("There are no projects linked to your account.")).to_be_visible()
    expect(page.get_by_text("Fibre installation at the garden office")).to_have_count(0)
