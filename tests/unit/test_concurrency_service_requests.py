"""Two tabs requesting a change to one service at once, on SQLite and PostgreSQL: one request, the other refused."""

from __future__ import annotations

from factories import make_customer, make_organisation, make_user, principal_for
from fault_injection import meet_after, run_together
from sqlalchemy import func
from sqlmodel import Session, select

from portal_app import db as portal_db
from portal_app.models import Service, ServiceRequest, Ticket
from portal_app.services.support.service_requests import OpenRequestExists, request_change


def test_two_requests_at_once_make_one_ticket_and_refuse_the_other(database):
    acme = make_organisation(database, slug="acme", name="Acme Broadband")
    bakery = make_customer(database, acme, name="Riverside Bakery")
    bea = principal_for(database, make_user(database, email="bea@bakery.example", customer=bakery))
    service = Service(customer_id=bakery.id, name="Fibre 500")
    database.add(service)
    database.commit()

    def ask(reason: str) -> int:
        with Session(portal_db.engine(), expire_on_commit=False) as session:
            status = request_change(session, bea, service.id, action="Cancel", plan_id="", reason=reason)
            session.commit()
            return status.ticket_id

    with meet_after(portal_db.engine(), "FROM service", 2):  # both have read the service, neither has written
        results = run_together(lambda: ask("First tab"), lambda: ask("Second tab"))

    refused = [r for r in results if isinstance(r, OpenRequestExists)]
    created = [r for r in results if isinstance(r, int)]
    assert (len(created), len(refused)) == (1, 1), results
    with Session(portal_db.engine()) as session:
        assert session.exec(select(func.count()).select_from(Ticket)).one() == 1
        assert session.exec(select(ServiceRequest.ticket_id)).all() == created
