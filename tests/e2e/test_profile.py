"""Profile settings: name, email change by confirmation link, password rules, sessions."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MailSink, check_page, h1, sign_in


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
    expect(page.get_by_role("alert").filter(has_text="current password is not correct")).to_be_visible()
