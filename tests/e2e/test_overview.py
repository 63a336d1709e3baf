"""The Overview tab as Alex Morgan (demo@example.com) sees it, checked against the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, PHONE, assert_accessible, at_path, check_page, h1, sign_in, snap
from .portal_data import customer_facts, money


def _detail(page: Page, label: str):
    """The value next to a label in the account details (a <dt>/<dd> pair)."""
    return page.locator(f"dt:text-is('{label}') + dd")


def test_overview_shows_the_account_as_the_database_has_it(page: Page, portal_db: Path) -> None:
    alex = customer_facts(portal_db, "Alex Morgan")
    assert alex.balance_due != money(0, "USD", "en_US"), "the demo data should leave Alex something to pay"

    sign_in(page, DEMO, DEMO_PASSWORD)

    expect(_detail(page, "Client name")).to_have_text("Alex Morgan")
    expect(_detail(page, "Email")).to_have_text("alex.morgan@example.com")
    expect(_detail(page, "Email").get_by_role("link")).to_have_attribute("href", "mailto:alex.morgan@example.com")
    expect(_detail(page, "Phone").get_by_role("link")).to_have_attribute("href", re.compile(r"^tel:\+?\d+$"))
    expect(page.locator("#balance-due")).to_contain_text("Balance due")
    expect(page.locator("#balance-due")).to_contain_text(alex.balance_due)

    last_invoice = page.locator(".activity-card", has_text="Last invoice")
    expect(last_invoice).to_contain_text(alex.last_invoice_total)
    expect(last_invoice).to_contain_text(f"Issued {alex.last_invoice_issued}")
    last_payment = page.locator(".activity-card", has_text="Last payment")
    expect(last_payment).to_contain_text(alex.last_payment_amount)
    expect(last_payment).to_contain_text(f"Processed {alex.last_payment_date}")
    assert alex.open_tickets > 0
    expect(page.locator("#open-tickets")).to_have_text(str(alex.open_tickets))


def test_service_cards_and_manage_services_list_every_service(page: Page, portal_db: Path) -> None:
    alex = customer_facts(portal_db, "Alex Morgan")
    status_of = {service.name: service.status for service in alex.services}
    assert {"Active", "Inactive"} <= set(status_of.values())
    sign_in(page, DEMO, DEMO_PASSWORD)

    cards = page.locator(".service-card")
    expect(cards.first).to_be_visible()
    assert 0 < cards.count() <= len(alex.services)
    for card in cards.all():
        name = card.get_by_role("heading", level=3).inner_text().strip()
        assert name in status_of, f"the Overview shows a service Alex does not have: {name!r}"
        expect(card.get_by_text(status_of[name], exact=True)).to_be_visible()

    page.get_by_role("link", name="Manage services").click()

    expect(page).to_have_url(at_path("/portal/services"))
    expect(h1(page, "Services")).to_be_visible()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(len(alex.services) + 1)  # plus the header row
    for service in alex.services:
        row = rows.filter(has=page.get_by_text(service.name, exact=True))
        expect(row).to_have_count(1)
        expect(row.get_by_text(service.status, exact=True)).to_be_visible()
    check_page(page, "services")


def test_the_balance_leads_to_billing_once(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    action = page.locator("#balance-due").get_by_role("link")
    expect(action).to_have_text(re.compile("^(Pay now|Go to billing)$"))  # Pay now while card payments are on
    expect(page.get_by_role("link", name=re.compile("^(Pay now|Go to billing)$"))).to_have_count(1)

    action.click()

    expect(page).to_have_url(at_path("/portal/billing"))
    expect(h1(page, "Billing")).to_be_visible()
    check_page(page, "billing")


def test_overview_is_accessible_and_fits_a_phone(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    expect(_detail(page, "Client name")).to_have_text("Alex Morgan")

    check_page(page, "overview")


def test_overview_in_dark_mode(open_context: Callable[..., BrowserContext]) -> None:
    page = open_context(color_scheme="dark").new_page()
    sign_in(page, DEMO, DEMO_PASSWORD)
    expect(_detail(page, "Client name")).to_have_text("Alex Morgan")
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)dark(\s|$)"))

    snap(page, "overview-dark-1280")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    snap(page, "overview-dark-390")
