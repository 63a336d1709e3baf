"""Profile settings: name, email change by confirmation link, password rules, sessions."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MailSink, check_page, h1, sign_in, wait_hydrated


def test_profile_changes_name_and_asks_the_new_email_to_confirm(page: Page, smtp_server: MailSink) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.get_by_role("link", name="Profile settings of Alex Morgan").click()
    expect(h1(page, "Profile settings")).to_be_visible()
    expect(page.get_by_role("region", name="Active sessions")).to_contain_text("This browser")
    expect(page.get_by_text("cannot be changed here")).to_be_visible()
    check_page(page, "profile")

    page.get_by_label("Your name").fill("Alex M. Morgan")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("status").filter(has_text="Your name was saved")).to_be_visible()
    expect(page.get_by_role("link", name="Profile settings of Alex M. Morgan")).to_be_visible()
    page.get_by_label("Your name").fill("Alex Morgan")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("link", name="Profile settings of Alex Morgan")).to_be_visible()

    before = smtp_server.count()
    page.get_by_label("New sign-in email").fill("alex.new@example.com")
    page.get_by_label("Your current password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_role("status").filter(has_text="We sent a link to alex.new@example.com")).to_be_visible()
    mail = smtp_server.wait_for("alex.new@example.com", after=before)
    assert "/portal/confirm-email?token=" in mail.get_body().get_content()
    smtp_server.wait_for(DEMO, after=before)  # the old address is told

    page.get_by_label("Current password", exact=True).fill("not-my-password")
    page.get_by_label("New password", exact=True).fill("another-password-1")
    page.get_by_label("Repeat the new password").fill("another-password-1")
    page.get_by_role("button", name="Change password").click()
    current = page.locator("#current_password")
    expect(page.locator("#current_password-error")).to_have_text("Your current password is not correct.")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(current).to_be_focused()


def test_a_too_short_new_password_is_refused_at_the_field_with_the_focus_there(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/profile")
    expect(h1(page, "Profile settings")).to_be_visible()
    wait_hydrated(page, "#new_password")
    page.get_by_label("Current password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Change password").click()

    new = page.locator("#new_password")
    expect(page.locator("#new_password-error")).to_have_text("Use at least 10 characters.")
    expect(new).to_have_attribute("aria-invalid", "true")
    expect(new).to_have_attribute("aria-describedby", "new_password-hint new_password-error")
    expect(new).to_be_focused()
    expect(page.locator("#current_password")).to_have_attribute("aria-invalid", "false")
    check_page(page, "profile-field-error")

    page.get_by_label("Repeat the new password").fill("something else")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#confirm_password-error")).to_have_text("The two new passwords do not match.")
    expect(page.locator("#confirm_password")).to_be_focused()
    expect(page.locator("#new_password-error")).to_have_text("")


def test_the_name_counts_its_characters(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/profile")
    wait_hydrated(page, "#name")
    expect(page.locator("#name-count")).to_have_text(f"{len('Alex Morgan')} / 120")
    page.get_by_label("Your name").fill("")
    expect(page.locator("#name-count")).to_have_text("0 / 120")
    page.get_by_role("button", name="Save name").click()
    expect(page.locator("#name-error")).to_have_text("Enter your name.")
    expect(page.get_by_label("Your name")).to_be_focused()
