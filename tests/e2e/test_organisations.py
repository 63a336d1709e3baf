"""One person, several providers: the organisation switcher; and a sign-in linked to nobody."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .helpers import DEMO, DEMO_PASSWORD, MULTI, UNLINKED, check_page, h1, page_problems, sign_in
from .portal_data import customer_facts

NORTHWIND = "Northwind Fiber"
HARBOR = "Harbor Web Studio"


# The header names the provider as text or through its logo's alt text; the switcher's options
# name every provider, so they are left out.
PROVIDER_SHOWN = """([want, other]) => {
    const header = document.querySelector("header");
    if (!header) return null;
    const copy = header.cloneNode(true);
    copy.querySelectorAll("select, #org-switcher").forEach(el => el.remove());
    copy.querySelectorAll("img[alt]").forEach(el => el.replaceWith(el.alt));
    const text = copy.textContent.replace(/\\s+/g, " ").trim();
    return text.includes(want) && !text.includes(other) ? text : null;
}"""


def expect_provider(page: Page, shown: str, not_shown: str) -> None:
    """Wait until the header names `shown` (and not `not_shown`)."""
    try:
        page.wait_for_function(PROVIDER_SHOWN, arg=[shown, not_shown], timeout=15_000)
    except PlaywrightTimeoutError:
        header = page.locator("header").first.inner_text() if page.locator("header").count() else "(none)"
        raise AssertionError(f"the header does not name {shown!r} (alone); it reads: {header!r}") from None


def _choose(page: Page, provider: str) -> None:
    """Open the switcher and pick the customer record of `provider`."""
    page.get_by_role("combobox", name="Organisation").click()
    page.get_by_role("option", name=provider).click()


def test_switching_organisation_changes_header_and_balance(page: Page, portal_db: Path) -> None:
    home = customer_facts(portal_db, "Sam Rivera")
    studio = customer_facts(portal_db, "Rivera Design Co.")
    assert (home.organisation, studio.organisation) == (NORTHWIND, HARBOR)
    assert home.balance_due != studio.balance_due
    sign_in(page, MULTI, DEMO_PASSWORD)

    switcher = page.get_by_role("combobox", name="Organisation")
    expect(switcher).to_be_visible()
    expect(switcher).to_have_id("org-switcher")
    expect(switcher).to_contain_text(NORTHWIND)
    expect_provider(page, NORTHWIND, HARBOR)
    expect(page.locator("#balance-due")).to_contain_text(home.balance_due)
    problems = page_problems(page, "overview-multi-northwind")

    switcher.click()
    expect(page.get_by_role("option")).to_have_count(2)
    page.get_by_role("option", name=HARBOR).click()

    expect_provider(page, HARBOR, NORTHWIND)
    expect(page.locator("#balance-due")).to_contain_text(studio.balance_due)
    expect(page.get_by_role("combobox", name="Organisation")).to_contain_text(HARBOR)
    problems += page_problems(page, "overview-multi-harbor")

    page.reload()
    expect(h1(page, "Overview")).to_be_visible()
    expect_provider(page, HARBOR, NORTHWIND)
    expect(page.locator("#balance-due")).to_contain_text(studio.balance_due)

    _choose(page, NORTHWIND)
    expect_provider(page, NORTHWIND, HARBOR)
    expect(page.locator("#balance-due")).to_contain_text(home.balance_due)
    assert not problems, "\n".join(problems)


def test_arrow_keys_on_the_closed_switcher_do_not_switch(page: Page, portal_db: Path) -> None:
    home = customer_facts(portal_db, "Sam Rivera")
    sign_in(page, MULTI, DEMO_PASSWORD)
    switcher = page.get_by_role("combobox", name="Organisation")
    expect(switcher).to_contain_text(NORTHWIND)

    switcher.focus()
    page.keyboard.press("ArrowDown")  # opens the list; moving in it chooses nothing yet
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")

    expect(switcher).to_contain_text(NORTHWIND)
    expect_provider(page, NORTHWIND, HARBOR)
    expect(page.locator("#balance-due")).to_contain_text(home.balance_due)


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    expect(page.locator("#balance-due")).to_be_visible()  # the page's data is there, so is its first link
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the page's content, past the header and the tabs
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_single_organisation_has_no_switcher(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)

    expect(page.locator("dt:text-is('Client name') + dd")).to_have_text("Alex Morgan")
    expect_provider(page, NORTHWIND, HARBOR)
    expect(page.get_by_role("combobox", name="Organisation")).to_have_count(0)
    expect(page.locator("#org-switcher")).to_have_count(0)


def test_unlinked_sign_in_sees_a_notice(page: Page) -> None:
    sign_in(page, UNLINKED, DEMO_PASSWORD, heading=None)

    expect(page.get_by_text("not linked to a customer account yet")).to_be_visible()
    expect(page.get_by_text("Balance due")).to_have_count(0)
    check_page(page, "overview-unlinked")
