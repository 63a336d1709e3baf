"""Full event round trip for a billing-history page in a real browser, first vs last page.

Needs a running portal (`make run`) with the demo data; signs in as bulk@example.com (20,000
invoices) and flips between two neighbouring pages with the pager links: each flip is a page
load event over the websocket plus the re-render, timed until "Page N of M" shows.

Run: `.venv/bin/python -m bench.history_roundtrip [BASE_URL]` (default http://localhost:3000).
"""

from __future__ import annotations

import re
import statistics
import sys
import time

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ROUNDS = 15


def _flip_ms(page: Page, there: int, back: int, pages: int) -> float:
    nav = page.get_by_role("navigation", name="Invoice pages")
    samples = []
    for _ in range(ROUNDS):
        for target, link in ((there, "Next →"), (back, "← Previous")):
            start = time.perf_counter()
            nav.get_by_role("link", name=link).click()
            expect(nav).to_contain_text(f"Page {target} of {pages}")
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(base: str) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(base_url=base)
        page.goto("/portal/login")
        page.wait_for_timeout(1500)
        page.fill("#email", "bulk@example.com")
        page.fill("#password", "portal-demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "login" not in url)
        page.goto("/portal/billing/history?invoices=1")
        nav = page.get_by_role("navigation", name="Invoice pages")
        expect(nav).not_to_contain_text("(0 in all)")
        pages = int(re.search(r"Page 1 of (\d+)", nav.inner_text()).group(1))
        first = _flip_ms(page, 2, 1, pages)
        page.goto(f"/portal/billing/history?invoices={pages - 1}")
        expect(nav).to_contain_text(f"Page {pages - 1} of {pages}")
        last = _flip_ms(page, pages, pages - 1, pages)
        browser.close()
    print("| pages flipped | median round trip (ms) |")
    print("| --- | ---: |")
    print(f"| 1 <-> 2 of {pages} | {first:.0f} |")
    print(f"| {pages - 1} <-> {pages} of {pages} | {last:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:3000")
