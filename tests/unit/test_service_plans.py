"""The catalogue of service plans from the command line (`plans add`, `plans list`) and the demo plans."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, make_organisation
from sqlmodel import select

from portal_app.cli.main import main
from portal_app.demo.service_plans import NORTHWIND_PLANS, seed_service_plans
from portal_app.models import BillingCycle, Service, ServicePlan


@pytest.fixture
def acme(db):
    return make_organisation(db, slug="acme", name="Acme Broadband")


def _plans(db) -> dict[str, ServicePlan]:
    db.expire_all()
    return {plan.name: plan for plan in db.exec(select(ServicePlan))}


def _add(name: str, price: str, *extra: str) -> int:
    return main(["plans", "add", "--org", "acme", "--name", name, "--price", price, "--currency", "USD", *extra])


def test_plans_are_added_updated_by_name_and_listed(db, acme, capsys):
    assert _add("Fibre 2000", "99.00") == 0
    assert _add("Fibre 100", "29", "--retired") == 0
    assert _add("Fibre 2000", "1199", "--cycle", "Yearly", "--description", "Symmetric 2 Gbps") == 0
    assert main(["plans", "list", "--org", "acme"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["Plan 'Fibre 2000' added.", "Plan 'Fibre 100' added.", "Plan 'Fibre 2000' updated."]
    assert [line.split() for line in out[3:]] == [
        ["Plan", "Price", "Status", "Description"],
        ["Fibre", "100", "$29.00", "/", "month", "Retired"],
        ["Fibre", "2000", "$1,199.00", "/", "year", "Active", "Symmetric", "2", "Gbps"],
    ]
    plans = _plans(db)
    assert (plans["Fibre 2000"].price_minor, plans["Fibre 2000"].billing_cycle) == (119_900, BillingCycle.YEARLY)
    assert plans["Fibre 100"].is_active is False


@pytest.mark.parametrize(
    ("price", "currency", "reason"),
    [
        ("12.345", "USD", "price '12.345' has more decimals than USD allows (2)"),
        ("-1", "USD", "price '-1' is negative"),
        ("12", "XYZ", "currency 'XYZ' is not an ISO 4217 currency code"),
    ],
)
def test_a_bad_price_or_currency_saves_nothing(db, acme, capsys, price, currency, reason):
    code = main(["plans", "add", "--org", "acme", "--name", "Fibre", "--price", price, "--currency", currency])

    assert code == 1
    assert reason in capsys.readouterr().err
    assert _plans(db) == {}


def test_an_unknown_organisation_is_refused(db, capsys):
    assert main(["plans", "list", "--org", "nope"]) == 1
    assert "no organisation with the slug 'nope'" in capsys.readouterr().err


def test_demo_plans_price_the_active_services_on_them_once(db, acme):
    home = make_customer(db, acme, name="Alex Morgan")
    db.add(Service(customer_id=home.id, name="Fiber 1 Gbps"))
    db.add(Service(customer_id=home.id, name="Fiber 300 Mbps", is_active=False))
    db.add(Service(customer_id=home.id, name="Something else"))
    db.commit()

    for _ in range(2):
        seed_service_plans(db, northwind_id=acme.id, today=date(2026, 12, 31))
        db.commit()

    assert len(_plans(db)) == len(NORTHWIND_PLANS)
    services = {service.name: service for service in db.exec(select(Service))}
    fibre = services["Fiber 1 Gbps"]
    assert (fibre.price_minor, fibre.currency, fibre.billing_cycle, fibre.next_bill_on) == (
        7_900,
        "USD",
        BillingCycle.MONTHLY,
        date(2027, 1, 1),
    )
    assert services["Fiber 300 Mbps"].price_minor is None
    assert services["Something else"].price_minor is None


def test_plans_are_imported_from_csv_by_name_and_bad_rows_are_reported(db, acme, tmp_path, capsys):
    good = tmp_path / "plans.csv"
    good.write_text(
        "name,price,currency,billing_cycle,description,status\n"
        "Fibre 500,59.00,USD,Monthly,500 Mbps,Active\n"
        "Fibre 100,29,usd,,Old,Retired\n"
        "Router,120,USD,One-off,,\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,price,currency,billing_cycle\n"
        "Fibre 500,59.001,USD,Monthly\n"
        ",10,USD,Monthly\n"
        "Fibre 900,10,USD,Weekly\n"
        "fibre 900,10,USD,Monthly\n",
        encoding="utf-8",
    )

    assert main(["plans", "import", "--org", "acme", str(good)]) == 0
    assert main(["plans", "import", "--org", "acme", str(good)]) == 0
    assert main(["plans", "import", "--org", "acme", str(bad)]) == 1

    out, err = capsys.readouterr()
    assert out.splitlines() == ["Plans: 3 created, 0 updated, 0 skipped.", "Plans: 0 created, 0 updated, 3 skipped."]
    assert err.splitlines()[:4] == [
        "row 2: price '59.001' has more decimals than USD allows (2)",
        "row 3: name is required",
        "row 4: billing_cycle 'Weekly' is not one of Monthly/Quarterly/Yearly/One-off",
        "row 5: plan 'fibre 900' is already on row 4",
    ]
    plans = _plans(db)
    assert (plans["Fibre 100"].price_minor, plans["Fibre 100"].is_active) == (2_900, False)
    assert (plans["Router"].billing_cycle, plans["Router"].is_active) == (BillingCycle.ONE_OFF, True)
    assert plans["Fibre 500"].price_minor == 5_900
