"""Two replies to one ticket at once, on SQLite and PostgreSQL: both kept, shown in the order they were saved."""

from __future__ import annotations

import threading

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from fault_injection import meet_after, run_together
from sqlalchemy import event
from sqlmodel import Session

from portal_app import db as portal_db
from portal_app.models import TicketStatus
from portal_app.services.support import inbox as staff
from portal_app.services.support import tickets


@pytest.fixture
def people(database):
    acme = make_organisation(database, slug="acme", name="Acme Broadband")
    bakery = make_customer(database, acme, name="Riverside Bakery")
    customer = principal_for(database, make_user(database, email="bea@bakery.example", customer=bakery, name="Bea"))
    agent = principal_for(
        database, make_user(database, email="jamie@acme.example", name="Jamie", staff_organisation_id=acme.id)
    )
    ticket_id = tickets.open_ticket(
        database, customer, subject="Slow line", description="Since Monday.", priority="Low", submission_key=""
    )
    database.commit()
    return customer, agent, ticket_id


def act(call, *args) -> None:
    with Session(portal_db.engine(), expire_on_commit=False) as session:
        call(session, *args)
        session.commit()


def test_two_tabs_replying_at_once_keep_both_replies(database, people):
    customer, _agent, ticket_id = people
    with meet_after(portal_db.engine(), "FROM ticket", 2):  # both have read the ticket, neither has written
        results = run_together(
            lambda: act(tickets.reply, customer, ticket_id, "First tab"),
            lambda: act(tickets.reply, customer, ticket_id, "Second tab"),
        )
    assert results == [None, None]
    with Session(portal_db.engine()) as session:
        thread = tickets.ticket_thread(session, customer, ticket_id)
    bodies = [m.body for m in thread.messages]
    assert sorted(bodies[-2:]) == ["First tab", "Second tab"]
    assert thread.status == TicketStatus.OPEN


@pytest.mark.parametrize("late", ["customer", "staff"])
def test_a_reply_saved_last_is_shown_last_and_sets_the_status(database, people, late):
    """The late writer has read the ticket first but saves after the other reply: the thread and status agree."""
    customer, agent, ticket_id = people
    late_is_writing, other_saved = threading.Event(), threading.Event()
    engine = portal_db.engine()

    def hold_late_writer(_conn, _cursor, statement, _params, _context, _many) -> None:
        if threading.current_thread().name == late and statement.startswith(("UPDATE", "INSERT")):
            late_is_writing.set()
            assert other_saved.wait(timeout=30)

    def late_one(call, *args) -> None:
        act(call, *args)

    def other_one(call, *args) -> None:
        assert late_is_writing.wait(timeout=30)
        act(call, *args)
        other_saved.set()

    calls = {
        "customer": (tickets.reply, customer, ticket_id, "From the customer"),
        "staff": (staff.staff_reply, agent, ticket_id, "From staff"),
    }
    event.listen(engine, "before_cursor_execute", hold_late_writer)
    try:
        threads = [
            threading.Thread(target=late_one if name == late else other_one, args=call, name=name)
            for name, call in calls.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold_late_writer)

    with Session(engine) as session:
        thread = tickets.ticket_thread(session, customer, ticket_id)
    bodies = [m.body for m in thread.messages]
    assert sorted(bodies[-2:]) == ["From staff", "From the customer"]  # nothing lost
    assert bodies[-1] == calls[late][-1]
    assert thread.status == (TicketStatus.OPEN if late == "customer" else TicketStatus.AWAITING_CUSTOMER)
