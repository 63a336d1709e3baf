"""Signing in and out, refused credentials, and Remember me across a browser restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from .helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO,
    DEMO_PASSWORD,
    DESKTOP,
    at_path,
    check_page,
    h1,
    sign_in,
    wait_hydrated,
)

WRONG_CREDENTIALS = "Email or password is incorrect"


def test_signed_out_visit_returns_to_the_page_after_sign_in(page: Page) -> None:
    page.goto("/portal/services")
    expect(page).to_have_url(at_path("/portal/login", r"next=%2Fportal%2Fservices%2F?"))

    sign_in(page, DEMO, DEMO_PASSWORD, heading="Services")

    expect(page).to_have_url(at_path("/portal/services"))


def test_login_page_looks_right_and_is_accessible(page: Page) -> None:
    page.goto("/portal/login")
    wait_hydrated(page, "#email")
    expect(h1(page, "Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_label("Remember me")).not_to_be_checked()
    expect(page.get_by_role("link", name="Forgot password?")).to_be_visible()
    check_page(page, "login")


@pytest.mark.parametrize(
    ("email", "password"),
    [(DEMO, "not-the-password"), ("nobody@example.com", DEMO_PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_refused_sign_in_says_so_and_stays_on_the_form(page: Page, email: str, password: str) -> None:
    page.goto("/portal/login")
    wait_hydrated(page, "#email")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert").filter(has_text=WRONG_CREDENTIALS)).to_be_visible()
    for field in ("#email", "#password"):  # the form's message: it never says which of the two is wrong
        expect(page.locator(field)).to_have_attribute("aria-invalid", "false")
    expect(page).to_have_url(at_path("/portal/login"))
    expect(h1(page, "Sign in")).to_be_visible()
    if email == DEMO:
        check_page(page, "login-refused", axe=True)

    page.goto("/portal")  # and nobody is signed in
    expect(page).to_have_url(at_path("/portal/login", r"next=%2Fportal%2F?"))


def _device_cookie(page: Page) -> dict:
    return next((c for c in page.context.cookies() if c["name"] == "portal_device"), {})


def test_log_out_ends_the_session_and_the_browser_stays_known(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    device = _device_cookie(page)  # the device cookie: this browser keeps its own budget of failures (SECURITY.md)
    assert device.get("value") and DEMO not in device["value"]
    assert device["sameSite"] == "Lax"
    assert device["expires"] > time.time() + 360 * 24 * 3600

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(at_path("/portal/login"))
    expect(h1(page, "Sign in")).to_be_visible()
    page.goto("/portal")
    expect(page).to_have_url(at_path("/portal/login", r"next=%2Fportal%2F?"))
    assert _device_cookie(page).get("value") == device["value"]  # signing out does not forget the browser


def _launch_profile(driver: Playwright, profile: Path, base_url: str) -> tuple[BrowserContext, Page]:
    """Chromium with a user data directory on disk, like a person's own browser."""
    context = driver.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, viewport=DESKTOP, base_url=base_url
    )
    return context, context.pages[0] if context.pages else context.new_page()


@pytest.mark.parametrize("remember", [True, False], ids=["remember-me", "without-remember-me"])
def test_remember_me_survives_a_browser_restart(
    playwright_driver: Playwright, portal: str, tmp_path: Path, remember: bool
) -> None:
    profile = tmp_path / "chromium-profile"
    context, page = _launch_profile(playwright_driver, profile, portal)
    try:
        sign_in(page, DEMO, DEMO_PASSWORD, remember=remember)
    finally:
        context.close()

    context, page = _launch_profile(playwright_driver, profile, portal)
    try:
        page.goto("/portal")
        if remember:
            expect(h1(page, "Overview")).to_be_visible()
            expect(page.get_by_text("alex.morgan@example.com")).to_be_visible()
            expect(page).to_have_url(at_path("/portal"))
        else:
            expect(page).to_have_url(at_path("/portal/login", r"next=%2Fportal%2F?"))
            expect(h1(page, "Sign in")).to_be_visible()
    finally:
        context.close()


def test_an_empty_email_is_asked_for_at_its_field(page: Page) -> None:
    page.goto("/portal/login")
    wait_hydrated(page, "#email")
    page.fill("#password", "something")
    page.get_by_role("button", name="Sign in").click()

    email = page.locator("#email")
    expect(page.locator("#email-error")).to_have_text("Enter your email address.")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", "email-error")
    expect(email).to_be_focused()
    expect(page.get_by_role("alert")).to_have_count(0)
