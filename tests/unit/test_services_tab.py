"""The Services tab: every service of the signed-in customer, active first, with its summary cards."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user, principal_for

from portal_app.models import Invoice, Service, Ticket, TicketStatus
from portal_app.services.access import NotLinked
from portal_app.services.accounts.provisioned import services_page


@pytest.fixture
def alex(db):
    org = make_organisation(db, name="Northwind Fiber")
    customer = make_customer(db, org, name="Alex Morgan")
    other = make_customer(db, org, name="Someone Else")
    db.add_all(
        [
            Service(customer_id=customer.id, name="Static IP", is_active=False),
            Service(customer_id=customer.id, name="Fiber 1 Gbps", active_since=date(2024, 1, 5)),
            Service(customer_id=customer.id, name="Backup 4G"),
            Service(customer_id=other.id, name="Not mine"),
            Invoice(
                customer_id=customer.id,
                issued_on=date(2026, 1, 1),
                due_on=date(2026, 1, 15),
                currency="USD",
                total_minor=4_200,
            ),
            Ticket(customer_id=customer.id, subject="Slow", description="d"),
            Ticket(customer_id=customer.id, subject="Done", description="d", status=TicketStatus.RESOLVED),
            Ticket(customer_id=other.id, subject="Not mine", description="d"),
        ]
    )
    db.commit()
    return make_user(db, email="alex@example.com", customer=customer)


def test_every_service_of_the_customer_active_first_then_by_name(db, alex):
    page = services_page(db, principal_for(db, alex))

    assert [(s.name, s.status) for s in page.services] == [
        ("Backup 4G", "Active"),
        ("Fiber 1 Gbps", "Active"),
        ("Static IP", "Inactive"),
    ]
    assert page.services[1].active_since == "Jan 5, 2024"
    assert page.services[2].active_since == ""


def test_summary_cards_count_only_this_customer(db, alex):
    page = services_page(db, principal_for(db, alex))

    assert (page.active_services, page.total_services) == (2, 3)
    assert page.open_invoices == 1
    assert page.outstanding_balance == "$42.00"
    assert page.open_tickets == 1


def test_a_person_without_a_customer_record_is_refused(db):
    unlinked = make_user(db, email="nobody@example.com")

    with pytest.raises(NotLinked):
        services_page(db, principal_for(db, unlinked))
