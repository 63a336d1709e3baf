"""Service prices: imported as exact minor units with their currency, billing cycle and next bill date, every bad
cell reported by row; shown on the Services tab in the customer's locale."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlmodel import select

from portal_app.models import BillingCycle, Service
from portal_app.services.accounts.provisioned import services_page
from portal_app.services.imports.records import import_customers, import_services
from portal_app.services.support.service_requests import price_text

CUSTOMERS = "reference,name,locale,currency\nC-001,Riverside Bakery,en_US,USD\nC-002,Sakura Studio,ja_JP,JPY\n"
HEADER = "customer_reference,name,status,price,currency,billing_cycle,next_bill_date\n"


@pytest.fixture
def acme(db):
    organisation = make_organisation(db, slug="acme", name="Acme Broadband")
    assert import_customers(db, "acme", CUSTOMERS).ok
    return organisation


def _services(db) -> dict[str, Service]:
    db.expire_all()
    return {service.name: service for service in db.exec(select(Service))}


def test_prices_are_exact_minor_units_in_the_row_or_customer_currency(db, acme):
    report = import_services(
        db,
        "acme",
        HEADER + "C-001,Fibre 500,Active,59.90,,Monthly,2026-12-01\n"
        "C-001,Install,Active,250,eur,one-off,\n"
        "C-002,Fibre 1000,Active,9800,,yearly,2027-01-15\n"
        "C-002,Static IP,Inactive,,,,\n",
    )

    assert report.ok, report.errors
    services = _services(db)
    fibre, install, tokyo, static = (services[n] for n in ("Fibre 500", "Install", "Fibre 1000", "Static IP"))
    assert (fibre.price_minor, fibre.currency, fibre.billing_cycle, fibre.next_bill_on) == (
        5_990,
        "USD",
        BillingCycle.MONTHLY,
        date(2026, 12, 1),
    )
    assert (install.price_minor, install.currency, install.billing_cycle, install.next_bill_on) == (
        25_000,
        "EUR",
        BillingCycle.ONE_OFF,
        None,
    )
    assert (tokyo.price_minor, tokyo.currency, tokyo.billing_cycle) == (9_800, "JPY", BillingCycle.YEARLY)
    assert (static.price_minor, static.currency, static.billing_cycle, static.next_bill_on) == (None, None, None, None)


def test_reimporting_prices_changes_nothing_and_left_out_columns_keep_them(db, acme):
    text = HEADER + "C-001,Fibre 500,Active,59.90,USD,Monthly,2026-12-01\n"
    assert import_services(db, "acme", text).created == 1
    assert import_services(db, "acme", text).skipped == 1
    moved = import_services(
        db, "acme", "customer_reference,name,status,next_bill_date\nC-001,Fibre 500,Active,2027-01-01\n"
    )

    assert moved.updated == 1
    fibre = _services(db)["Fibre 500"]
    assert (fibre.price_minor, fibre.billing_cycle, fibre.next_bill_on) == (
        5_990,
        BillingCycle.MONTHLY,
        date(2027, 1, 1),
    )


def test_every_bad_price_cell_is_reported_with_its_row_and_nothing_is_written(db, acme):
    report = import_services(
        db,
        "acme",
        HEADER + "C-001,A,Active,12.345,USD,Monthly,\n"
        "C-001,B,Active,-5,USD,Monthly,\n"
        "C-001,C,Active,1e3,USD,Monthly,\n"
        "C-002,D,Active,12.5,,Monthly,\n"
        "C-001,E,Active,10,XYZ,Monthly,\n"
        "C-001,F,Active,10,USD,Weekly,\n"
        "C-001,G,Active,10,USD,Monthly,01/12/2026\n"
        "C-001,H,Active,99999999999,USD,Monthly,\n",
    )

    assert report.errors == [
        "row 2: price '12.345' has more decimals than USD allows (2)",
        "row 3: price '-5' is negative",
        "row 4: price '1e3' is not a number like 12.34",
        "row 5: price '12.5' has more decimals than JPY allows (none)",
        "row 6: currency 'XYZ' is not an ISO 4217 currency code",
        "row 7: billing_cycle 'Weekly' is not one of Monthly/Quarterly/Yearly/One-off",
        "row 8: next_bill_date '01/12/2026' is not a date like 2025-01-31",
        "row 9: price '99999999999' is too large",
    ]
    assert _services(db) == {}


def test_price_text_words_the_cycle_in_the_customers_locale():
    assert price_text(5_990, "USD", "Monthly", "en_US") == "$59.90 / month"
    assert price_text(25_000, "EUR", "One-off", "de_DE") == "250,00\xa0€ one-off"
    assert price_text(9_800, "JPY", "Yearly", "ja_JP") == "￥9,800 / year"
    assert price_text(1_000, "USD", None, "en_US") == "$10.00"
    assert price_text(None, "USD", "Monthly", "en_US") == ""


def test_the_services_tab_shows_the_price_in_the_customers_currency_and_nothing_for_old_rows(db):
    organisation = make_organisation(db)
    customer = make_customer(db, organisation, name="Sakura Studio", locale="en_GB", currency="GBP")
    principal = principal_for(db, make_user(db, customer=customer))
    db.add(Service(customer_id=customer.id, name="Fibre", price_minor=4_500, billing_cycle=BillingCycle.QUARTERLY))
    db.add(Service(customer_id=customer.id, name="Legacy"))
    db.commit()

    cards = {card.name: card for card in services_page(db, principal).services}
    assert (cards["Fibre"].price, cards["Fibre"].next_bill) == ("£45.00 / quarter", "")
    assert (cards["Legacy"].price, cards["Legacy"].next_bill) == ("", "")
