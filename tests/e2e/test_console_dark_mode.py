"""Every console page in dark mode, at desktop and phone width, as an administrator: axe-core finds nothing serious,
nothing scrolls sideways, and each page is screenshotted (test-artifacts/screenshots/dark-staff-*). The pointer
rests on the navigation's first link while axe runs, so a hovered link's colours are judged too."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from .helpers import DEMO_PASSWORD, page_problems, sign_in

ADMIN = "admin@example.com"
CONSOLE_PAGES = (
    "/staff",
    "/staff/articles",
    "/staff/reports/csat",
    "/staff/customers",
    "/staff/customers/new-user",
    "/staff/invoices",
    "/staff/projects",
    "/staff/projects/new",
    "/staff/imports",
    "/staff/settings/company",
    "/staff/settings/payments",
    "/staff/settings/users",
    "/staff/settings/emails",
    "/staff/audit",
)


def test_every_console_page_passes_axe_in_dark_mode_on_desktop_and_phone(
    open_context: Callable[..., BrowserContext],
) -> None:
    page = open_context(color_scheme="dark").new_page()
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    sign_in(page, ADMIN, DEMO_PASSWORD, heading="Support inbox")
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)dark(\s|$)"))
    problems: list[str] = []
    for path in CONSOLE_PAGES:
        page.goto(path)
        expect(page.locator(".page-root[data-hydrated='true']")).to_have_count(1)
        expect(page.locator(".page-skeleton")).to_have_count(0)
        expect(page.get_by_text("Loading…")).to_have_count(0)
        expect(page.locator("#not-admin")).to_have_count(0)
        page.get_by_role("navigation", name="Staff area").get_by_role("link").first.hover()
        problems += page_problems(page, "dark-" + path.strip("/").replace("/", "-"))
    assert not problems, "\n".join(problems)
