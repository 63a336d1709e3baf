"""The first second of a page: skeletons until the data arrives, never a false "nothing"; unknown addresses get a
"Page not found" inside the portal's shell.

Every text the document shows is watched from its first byte (a MutationObserver installed before the page's own
scripts), on a line slowed down with Chromium's network emulation, so a sentence that flashes for a few
milliseconds before the data is caught as surely as one that stays.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, PHONE, assert_accessible, at_path, h1, sign_in, snap

# What the pages say when the customer truly has nothing: Alex Morgan (the demo customer) has services, projects,
# tickets and a balance, so none of these may ever appear for Alex, not even while the page loads.
FALSE_EMPTY = (
    "Customer portal",  # the header's name before the provider's branding is known
    "Nothing is due right now",
    "No services are attached to your account yet",
    "No services are provisioned on your account yet",
    "There are no projects linked to your account",
    "You have not opened any support tickets yet",
    "No articles match",
    "0 of 0",
)
WATCH = """
window.__seen = [];
const phrases = %s;
const look = () => {
  const text = document.body ? document.body.innerText : "";
  for (const phrase of phrases) {
    if (text.includes(phrase) && !window.__seen.includes(phrase)) window.__seen.push(phrase);
  }
};
new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
"""
PAGES = {
    "/portal": "Overview",
    "/portal/services": "Services",
    "/portal/projects": "Projects",
    "/portal/support": "Support",
    "/portal/support/all": "All tickets",
    "/portal/help": "Help center",
    "/portal/profile": "Profile settings",
}
SLOW_LINE = {"offline": False, "latency": 300, "downloadThroughput": 200_000, "uploadThroughput": 100_000}


def _slow_down(page: Page) -> None:
    """Every request and answer of this tab waits about 300 ms, as on a poor mobile line."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LINE)


def test_pages_show_skeletons_and_never_a_false_empty_state_while_loading(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.add_init_script(WATCH % list(FALSE_EMPTY))
    _slow_down(page)
    skeleton_seen = []
    for path, heading in PAGES.items():
        page.goto(path)  # a whole new document: nothing of the signed-in tab's state is there yet
        if page.locator(".page-skeleton").count() > 0:
            skeleton_seen.append(path)
        expect(h1(page, heading)).to_be_visible()
        expect(page.locator(".page-skeleton")).to_have_count(0)
        expect(page.locator(".portal-header")).to_contain_text("Alex Morgan")
        seen = page.evaluate("() => window.__seen")
        assert seen == [], f"{path} said {seen} before its data arrived"
    assert skeleton_seen, "on a slow line at least one page should have been caught showing its skeleton"


def test_the_skeleton_is_announced_as_busy_and_passes_axe(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    _slow_down(page)
    page.goto("/portal/services")
    skeleton = page.locator(".page-skeleton").first
    expect(skeleton).to_have_attribute("aria-busy", "true")
    expect(skeleton).to_have_attribute("role", "status")
    snap(page, "services-loading")
    expect(h1(page, "Services")).to_be_visible()
    expect(page.locator("#services-summary")).to_be_visible()


def test_an_unknown_portal_address_shows_page_not_found_in_the_shell(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/no-such-page")
    expect(h1(page, "Page not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Portal sections")).to_be_visible()
    expect(page.locator(".portal-header")).to_contain_text("Alex Morgan")
    expect(page.locator(".portal-header")).not_to_contain_text("Customer portal")
    assert_accessible(page)
    snap(page, "not-found-desktop")
    page.set_viewport_size(PHONE)
    snap(page, "not-found-phone")
    page.get_by_role("link", name="Go to Overview").click()
    expect(page).to_have_url(at_path("/portal"))
    expect(h1(page, "Overview")).to_be_visible()


def test_an_unknown_address_signed_out_asks_to_sign_in_and_comes_back(page: Page) -> None:
    page.goto("/portal/no-such-page")
    expect(page).to_have_url(at_path("/portal/login", r"next=.*no-such-page.*"))
    sign_in(page, DEMO, DEMO_PASSWORD, heading="Page not found")
