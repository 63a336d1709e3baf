"""Online payments in a browser: pay an invoice on the (fake) Stripe page, turn automatic payments on and off.

The hosted pages are the Stripe-speaking test server's stand-ins; completing one sends a signed
webhook to the portal's /api/stripe/webhook, exactly as Stripe would.
"""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .conftest import STRIPE_ACCOUNT, STRIPE_SECRET_KEY, _env
from .helpers import DEMO, DEMO_PASSWORD, REPO, MailSink, check_page, h1, sign_in

ORG = "northwind"
SETTINGS = ("stripe_account_id", "online_payments_enabled", "autopay_allowed", "stripe_charges_enabled")
PAY_BUTTON = re.compile(r"^Pay with Stripe, invoice ")
ASSIGN = ", ".join(f"{column} = ?" for column in SETTINGS)


@pytest.fixture(scope="module")
def online_payments(portal_db: Path, stripe_fake: str) -> Iterator[None]:
    """Card payments and automatic payments on for Northwind (with the provider's command) while this
    module runs, then the settings as before: the other browser tests expect Northwind's "contact us" notice."""
    with sqlite3.connect(portal_db) as db:
        before = db.execute(f"SELECT {', '.join(SETTINGS)} FROM organisation WHERE slug = ?", (ORG,)).fetchone()
    command = [sys.executable, "-m", "portal_app.cli", "payments", "enable", "--org", ORG, "--account", STRIPE_ACCOUNT]
    command.append("--autopay")
    env = _env(
        REFLEX_DB_URL=f"sqlite:///{portal_db}",
        PORTAL_STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        PORTAL_STRIPE_API_BASE=stripe_fake,
    )
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}"
    yield
    with sqlite3.connect(portal_db) as db:
        db.execute(f"UPDATE organisation SET {ASSIGN} WHERE slug = ?", (*before, ORG))


def _open_billing(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing")
    expect(h1(page, "Billing")).to_be_visible()


def _invoice_row(page: Page, number: str):
    region = page.get_by_role("region", name="Recent invoices")
    return region.locator("tbody tr").filter(has=page.locator("th", has_text=number))


def _save_card_on_stripe(page: Page, stripe_fake: str, card: str) -> None:
    """On the fake Stripe setup page: choose the card, save it, and come back to Billing."""
    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_fake)}/"))
    page.get_by_label("Card").select_option(card)
    page.get_by_role("button", name="Save card").click()
    expect(page).to_have_url(re.compile(r"/portal/billing/?\?card=saved&session_id="))


def _history_payment(page: Page, number: str):
    return page.get_by_role("region", name="Payments").locator("tbody tr").filter(has_text=number)


@pytest.mark.usefixtures("online_payments")
def test_the_customer_pays_an_invoice_on_stripe_and_sees_it_paid(
    page: Page, stripe_fake: str, smtp_server: MailSink
) -> None:
    _open_billing(page)
    expect(page.locator("#payments-notice")).to_have_count(0)
    pay_buttons = page.get_by_role("button", name=PAY_BUTTON)
    expect(pay_buttons.first).to_be_visible()
    # Every invoice with a balance offers it (rows with nothing left to pay show a $0.00 balance).
    with_balance = page.get_by_role("region", name="Recent invoices").locator("tbody tr").filter(has_not_text="$0.00")
    expect(pay_buttons).to_have_count(with_balance.count())
    label = pay_buttons.first.get_attribute("aria-label") or ""
    number = label.removeprefix("Pay with Stripe, invoice ")
    row = _invoice_row(page, number)
    expect(row).not_to_contain_text("Paid")
    check_page(page, "billing-online-payments")

    mail_before = smtp_server.count()
    pay_buttons.first.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_fake)}/"))
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page).to_have_url(re.compile(r"/portal/billing/?\?paid=\d+&session_id="))
    banner = page.locator("#payment-banner")
    expect(banner).to_contain_text("Payment received")
    expect(banner).to_contain_text(f"Invoice {number} is paid")
    expect(row.get_by_text("Paid", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name=f"Pay with Stripe, invoice {number}")).to_have_count(0)
    check_page(page, "billing-paid")

    page.get_by_role("link", name="Billing history").click()
    expect(h1(page, "Billing history")).to_be_visible()
    # Exactly one card payment for the invoice, in words (Stripe's ids are on the receipt); the demo data may hold
    # an earlier manual part-payment of it, depending on which invoice other tests left first in the list.
    payment = _history_payment(page, number).filter(has_text="Visa •••• 4242")
    expect(payment).to_have_count(1)
    expect(payment.get_by_text("Succeeded", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Payments")).not_to_contain_text("pi_")
    _check_receipt(page, payment, number, smtp_server, mail_before)
    history_pay = page.get_by_role("region", name="All invoices").get_by_role("button", name=PAY_BUTTON)
    expect(history_pay.first).to_be_visible()
    expect(page.get_by_role("button", name=f"Pay with Stripe, invoice {number}")).to_have_count(0)


def _check_receipt(page: Page, payment, number: str, smtp_server: MailSink, mail_before: int) -> None:
    """The payment's receipt opens as a PDF with the card and Stripe's reference, and came by email, attached."""
    link = payment.get_by_role("link", name=re.compile(r"^View receipt"))
    response = page.request.get(link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.body())).pages[0].extract_text().split())
    assert "Visa •••• 4242" in text
    assert number in text
    assert re.search(r"Stripe reference pi_\w+", text)
    mail = smtp_server.wait_for(DEMO, after=mail_before)
    assert str(mail["Subject"]).startswith("Receipt ")
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "Visa •••• 4242" in " ".join(PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text().split())


@pytest.mark.usefixtures("online_payments")
def test_the_customer_turns_automatic_payments_on_and_off(page: Page, stripe_fake: str) -> None:
    _open_billing(page)
    autopay = page.locator("#autopay")
    expect(autopay.get_by_text("Disabled", exact=True)).to_be_visible()

    autopay.get_by_role("button", name="Enable automatic payments").click()
    _save_card_on_stripe(page, stripe_fake, "pm_card_visa")
    expect(page.locator("#payment-banner")).to_contain_text("Card saved. Automatic payments are on.")
    expect(autopay.get_by_text("Enabled", exact=True)).to_be_visible()
    expect(page.locator("#autopay-card")).to_contain_text("Visa •••• 4242")
    expect(page.locator("#autopay-card")).to_contain_text("expires")
    check_page(page, "billing-autopay-on")

    autopay.get_by_role("button", name="Update card").click()
    _save_card_on_stripe(page, stripe_fake, "pm_card_mastercard")
    expect(page.locator("#autopay-card")).to_contain_text("Mastercard •••• 4444")

    autopay.get_by_role("button", name="Disable", exact=True).click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Turn off automatic payments?")
    dialog.get_by_role("button", name="Disable automatic payments").click()
    expect(page.locator("#payment-banner")).to_contain_text("Automatic payments are off")
    expect(autopay.get_by_text("Disabled", exact=True)).to_be_visible()
    expect(autopay.get_by_role("button", name="Enable automatic payments")).to_be_enabled()


@pytest.mark.usefixtures("online_payments")
def test_cancelling_on_stripe_leaves_the_invoice_unchanged(page: Page, stripe_fake: str) -> None:
    _open_billing(page)
    pay_button = page.get_by_role("button", name=PAY_BUTTON).last
    number = (pay_button.get_attribute("aria-label") or "").removeprefix("Pay with Stripe, invoice ")
    status = _invoice_row(page, number).locator("td").nth(4).inner_text()
    pay_button.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(stripe_fake)}/"))
    page.get_by_role("link", name="Cancel").click()

    expect(page).to_have_url(re.compile(r"/portal/billing/?\?cancelled=\d+$"))
    expect(page.locator("#payment-banner")).to_have_text(f"Payment cancelled. Invoice {number} is unchanged.")
    row = _invoice_row(page, number)
    expect(row.locator("td").nth(4)).to_have_text(status)
    expect(row.get_by_role("button", name=f"Pay with Stripe, invoice {number}")).to_be_enabled()
