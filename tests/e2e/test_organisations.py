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
    copy.querySelectorAll("select").forEach(el => el.remove());
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


def test_switching_organisation_changes_header_and_balance(page: Page, portal_db: Path) -> None:
    home = customer_facts(portal_db, "Sam Rivera")
    studio = customer_facts(portal_db, "Rivera Design Co.")
    assert (home.organisation, studio.organisation) == (NORTHWIND, HARBOR)
    assert home.balance_due != studio.balance_due
    sign_in(page, MULTI, DEMO_PASSWORD)

    switcher = page.get_by_label("Organisation")
    expect(switcher).to_be_visible()
    expect(switcher).to_have_id("org-switcher")
    expect(switcher.locator("option")).to_have_count(2)
    expect_provider(page, NORTHWIND, HARBOR)
    expect(page.locator("#balance-due")).to_contain_text(home.balance_due)
    problems = page_problems(page, "overview-multi-northwind")

    switcher.select_option(label=switcher.locator("option", has_text=HARBOR).inner_text())

    expect_provider(page, HARBOR, NORTHWIND)
    expect(page.locator("#balance-due")).to_contain_text(studio.balance_due)
    expect(page.get_by_label("Organisation")).to_have_value(
        switcher.locator("option", has_text=HARBOR).get_attribute("value")
    )
    problems += page_problems(page, "overview-multi-harbor")

    page.reload()
    expect(h1(page, "Overview")).to_be_visible()
    expect_provider(page, HARBOR, NORTHWIND)
    expect(page.locator("#balance-due")).to_contain_text(studio.balance_due)

    page.get_by_label("Organisation").select_option(label=switcher.locator("option", has_text=NORTHWIND).inner_text())
    expect_provider(page, NORTHWIND, HARBOR)
    expect(page.locator("#balance-due")).to_contain_text(home.balance_due)
    assert not problems, "\n".join(problems)


def test_single_organisation_has_no_switcher(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)

    expect(page.locator("dt:text-is('Client name') + dd")).to_have_text("Alex Morgan")
    expect_provider(page, NORTHWIND, HARBOR)
    expect(page.get_by_label("Organisation")).to_have_count(0)
    expect(page.locator("#org-switcher")).to_have_count(0)


def test_unlinked_sign_in_sees_a_notice(page: Page) -> None:
    sign_in(page, UNLINKED, DEMO_PASSWORD, heading=None)

    expect(page.get_by_text("not linked to a customer account yet")).to_be_visible()
    expect(page.get_by_text("Balance due")).to_have_count(0)
    check_page(page, "overview-unlinked")
