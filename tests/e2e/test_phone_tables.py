"""At phone width (390 px) every table's rows are stacked: each value beside its column's name, all of it on screen
without scrolling sideways (a table that merely scrolls inside its box hides Status, Balance and the actions)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, PHONE, assert_accessible, h1, sign_in, snap

STAFF = "staff@example.com"
# Every cell of every table, with its column's name, and whether it fits the viewport and its scrolling box.
CELLS = """() => [...document.querySelectorAll(".data-table tbody tr > *")].map(cell => {
    const box = cell.getBoundingClientRect();
    const scroller = cell.closest(".table-scroll");
    return {
        label: cell.getAttribute("data-label"),
        shown: getComputedStyle(cell, "::before").content,
        left: box.left, right: box.right,
        boxScrolls: !!scroller && scroller.scrollWidth > scroller.clientWidth + 1,
    };
})"""


def _assert_stacked(page: Page, wanted: set[str], name: str) -> None:
    cells = page.evaluate(CELLS)
    assert cells, f"{name}: no table rows to check"
    labels = {cell["label"] for cell in cells}
    assert wanted <= labels, f"{name}: columns {wanted - labels} are not labelled"
    for cell in cells:
        assert cell["shown"] == f'"{cell["label"]}"', f"{name}: {cell['label']} is not named beside its value"
        assert cell["left"] >= 0 and cell["right"] <= PHONE["width"] + 1, f"{name}: {cell['label']} is off-screen"
        assert not cell["boxScrolls"], f"{name}: the table still scrolls sideways"
    snap(page, f"phone-table-{name}")
    assert_accessible(page)


def test_customer_tables_stack_on_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, DEMO, DEMO_PASSWORD)

    page.goto("/portal/billing")
    expect(page.locator(".data-table").first).to_be_visible()
    _assert_stacked(page, {"Number", "Status", "Balance", "Actions"}, "billing")

    page.goto("/portal/billing/history")
    expect(page.locator(".data-table").nth(1)).to_be_visible()
    _assert_stacked(page, {"Number", "Balance", "Date", "Amount", "Receipt"}, "history")

    page.goto("/portal/services")
    expect(page.locator(".data-table")).to_be_visible()
    _assert_stacked(page, {"Service", "Status"}, "services")

    page.goto("/portal/profile")
    expect(h1(page, "Profile settings")).to_be_visible()
    expect(page.locator(".data-table")).to_be_visible()
    _assert_stacked(page, {"Device", "Actions"}, "profile-sessions")


def test_the_staff_inbox_stacks_on_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/staff")  # asks to sign in, then comes back
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    sign_in(page, STAFF, DEMO_PASSWORD, heading="Support inbox")
    expect(page.locator(".data-table").first).to_be_visible()
    _assert_stacked(page, {"Subject", "Status"}, "staff-inbox")


TAP_TARGETS = """() => [...document.querySelectorAll(".portal-header a, .portal-header button, .tabs a")]
    .filter(el => el.offsetParent !== null)
    .map(el => { const box = el.getBoundingClientRect();
                 return {name: el.getAttribute("aria-label") || el.innerText.trim(), width: box.width,
                         height: box.height}; })"""


def test_the_header_fits_one_row_and_its_controls_are_big_enough_to_tap(page: Page) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, DEMO, DEMO_PASSWORD)
    expect(page.locator("#balance-due")).to_be_visible()
    small = [t for t in page.evaluate(TAP_TARGETS) if t["width"] < 44 or t["height"] < 44]
    assert small == [], f"tap targets under 44 px: {small}"
    header = page.locator(".portal-header .container").bounding_box()
    assert header["height"] < 44 + 24, f"the header wraps onto a second row ({header['height']} px high)"
    snap(page, "phone-header")
