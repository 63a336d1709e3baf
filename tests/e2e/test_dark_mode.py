"""Every customer page in dark mode, at desktop and phone width: axe-core finds nothing serious, nothing scrolls
sideways, and each page is screenshotted (test-artifacts/screenshots/dark-*)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from .helpers import CUSTOMER_PAGES, DEMO, DEMO_PASSWORD, page_problems, sign_in


def test_every_customer_page_passes_axe_in_dark_mode_on_desktop_and_phone(
    open_context: Callable[..., BrowserContext],
) -> None:
    page = open_context(color_scheme="dark").new_page()
    sign_in(page, DEMO, DEMO_PASSWORD)
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)dark(\s|$)"))
    problems: list[str] = []
    for path in CUSTOMER_PAGES:
        page.goto(path)
        expect(page.locator(".page-root[data-hydrated='true']")).to_have_count(1)
        expect(page.locator(".page-skeleton")).to_have_count(0)  # judged with its data, not its placeholder
        name = "dark-" + (path.strip("/").replace("/", "-") or "portal")
        problems += page_problems(page, name)
    assert not problems, "\n".join(problems)
