"""Every customer page loads and hydrates without a JavaScript error (e.g. React's hydration
mismatch #418, which invalid HTML nesting such as a <p> inside a <p> causes)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .helpers import CUSTOMER_PAGES, DEMO, DEMO_PASSWORD, at_path, sign_in, wait_hydrated

PAGES = [*CUSTOMER_PAGES, "/portal/help?q=zzzz-no-such-article"]


def test_customer_pages_hydrate_without_errors(page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    sign_in(page, DEMO, DEMO_PASSWORD)
    for path in PAGES:
        page.goto(path)
        expect(page).to_have_url(at_path(*path.split("?")))
        wait_hydrated(page, "h1")
    assert errors == []
