"""Service requests: Alex sees each service's price, cycle and next bill date, asks to upgrade Fiber 1 Gbps with a
reason, sees the request's status on Services; the staff inbox's "Service requests" filter shows it."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

from playwright.sync_api import BrowserContext, expect
from sqlmodel import Session, create_engine, select

from portal_app.demo.seed import NORTHWIND_SLUG
from portal_app.demo.service_plans import seed_service_plans
from portal_app.models import Organisation

from .helpers import DEMO, DEMO_PASSWORD, at_path, check_page, h1, sign_in, wait_hydrated
from .portal_data import medium_date

STAFF = "staff@example.com"
REASON = "We work from home now and need faster uploads."


def _with_plans(portal_db: Path) -> str:
    """Northwind's demo plans and service prices in the e2e database; Alex's next bill date as stored."""
    engine = create_engine(f"sqlite:///{portal_db}")
    with Session(engine) as db:
        northwind = db.exec(select(Organisation).where(Organisation.slug == NORTHWIND_SLUG)).one()
        seed_service_plans(db, northwind_id=northwind.id)
        db.commit()
    engine.dispose()
    with sqlite3.connect(f"file:{portal_db}?mode=ro", uri=True) as db:
        (next_bill,) = db.execute(
            "SELECT s.next_bill_on FROM service s JOIN customer c ON c.id = s.customer_id "
            "WHERE c.name = 'Alex Morgan' AND s.name = 'Fiber 1 Gbps'"
        ).fetchone()
    assert date.fromisoformat(next_bill) > date.today()
    return medium_date(next_bill, "en_US")


def _ticket_of_request(portal_db: Path) -> int:
    with sqlite3.connect(f"file:{portal_db}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT t.id, t.kind FROM servicerequest r JOIN ticket t ON t.id = r.ticket_id "
            "JOIN service s ON s.id = r.service_id WHERE s.name = 'Fiber 1 Gbps'"
        ).fetchall()
    ((ticket_id, kind),) = rows
    assert kind == "Service request"
    return ticket_id


def test_a_customer_requests_an_upgrade_and_staff_find_it_under_service_requests(
    open_context: Callable[..., BrowserContext], portal_db: Path
) -> None:
    next_bill = _with_plans(portal_db)
    alex = open_context().new_page()
    sign_in(alex, DEMO, DEMO_PASSWORD)
    alex.goto("/portal/services")
    expect(h1(alex, "Services")).to_be_visible()
    fibre = (
        alex.get_by_role("region", name="Services detail")
        .get_by_role("row")
        .filter(has=alex.get_by_role("rowheader", name=re.compile(r"^Fiber 1 Gbps Symmetric")))
    )
    expect(fibre).to_contain_text("$79.00 / month")
    expect(fibre).to_contain_text(next_bill)
    check_page(alex, "services-prices")

    wait_hydrated(alex, "#services-summary")
    alex.get_by_role("button", name="Request a change to Fiber 1 Gbps").click()
    dialog = alex.get_by_role("dialog", name="Request a change to Fiber 1 Gbps")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#change-plan option")).not_to_contain_text(["Fiber 1 Gbps · $79.00 / month"])
    dialog.get_by_label("What would you like?").select_option("Upgrade")
    dialog.get_by_label("New plan").select_option(label="Fiber 2 Gbps · $99.00 / month")
    dialog.get_by_label("Reason").fill(REASON)
    check_page(alex, "services-change-form")
    dialog.get_by_role("button", name="Send request").click()

    expect(dialog).to_be_hidden()
    ticket_id = _ticket_of_request(portal_db)
    expect(alex.get_by_role("status").filter(has_text=f"Your request was sent as ticket #{ticket_id}")).to_be_visible()
    expect(fibre).to_contain_text(f"Change requested: Upgrade to Fiber 2 Gbps · Open · Ticket #{ticket_id}")
    expect(fibre.get_by_role("link", name=f"Ticket #{ticket_id}")).to_have_attribute(
        "href", re.compile(rf"/portal/support/{ticket_id}$")
    )
    expect(alex.get_by_role("button", name="Request a change to Fiber 1 Gbps")).to_have_count(0)
    check_page(alex, "services-change-requested")

    dark = open_context(color_scheme="dark").new_page()
    sign_in(dark, DEMO, DEMO_PASSWORD)
    dark.goto("/portal/services")
    expect(dark.get_by_text(f"Change requested: Upgrade to Fiber 2 Gbps · Open · Ticket #{ticket_id}")).to_be_visible()
    check_page(dark, "dark-services-change-requested")

    alex.goto(f"/portal/support/{ticket_id}")
    expect(h1(alex, "Upgrade Fiber 1 Gbps to Fiber 2 Gbps")).to_be_visible()
    expect(alex.get_by_text(f"Reason: {REASON}")).to_be_visible()

    staff = open_context().new_page()
    staff.goto("/staff")
    expect(staff).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    sign_in(staff, STAFF, DEMO_PASSWORD, heading="Support inbox")
    staff.get_by_role("navigation", name="Filter by kind").get_by_role("link", name="Service requests").click()
    expect(staff).to_have_url(re.compile(r"/staff/?\?kind=Service\+request"))
    tickets = staff.get_by_role("region", name="Tickets")
    expect(tickets.get_by_role("link", name="Upgrade Fiber 1 Gbps to Fiber 2 Gbps")).to_be_visible()
    rows = tickets.locator("tbody tr")
    expect(rows).to_have_count(rows.filter(has_text="Service request").count())
    check_page(staff, "staff-inbox-service-requests")
    tickets.get_by_role("link", name="Upgrade Fiber 1 Gbps to Fiber 2 Gbps").click()
    expect(staff).to_have_url(at_path(f"/staff/tickets/{ticket_id}"))
    expect(staff.get_by_text("Request: upgrade to the plan Fiber 2 Gbps ($99.00 / month).")).to_be_visible()
