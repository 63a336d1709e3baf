"""What a page open costs the database, counted: every customer page and the staff inbox and ticket stay within their
statement budget (issue 16: at most 4), session resolution and header included. A change that adds a query to a page
fails here, not quietly in production.

Also the one-statement reads the budget rests on: the session with the person's customers and organisations
(`sessions.resolve`), and the account figures (`accounts.figures`), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlalchemy import event
from sqlmodel import select

from bench.statements import AGENT, BUDGET, CUSTOMER, _ids, _pages
from portal_app import db as portal_db
from portal_app.models import (
    Invoice,
    InvoiceState,
    Membership,
    Payment,
    PaymentStatus,
    PortalUser,
    Project,
    ProjectStatus,
    Service,
    Ticket,
)
from portal_app.models.support import TicketStatus
from portal_app.services.accounts import sessions
from portal_app.services.accounts.figures import account_figures
from portal_app.services.accounts.header import page_header
from portal_app.state.unit_of_work import as_principal


@pytest.fixture
def demo(db):
    from portal_app.demo.seed import seed_demo

    seed_demo(db)
    db.commit()
    return db


def _statements(token: str, work, args) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:
        seen.append(statement)

    engine = portal_db.engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        as_principal(token, work, args, {})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_every_page_open_stays_within_its_statement_budget(demo):
    tokens = {}
    for who, email in (("customer", CUSTOMER), ("staff", AGENT)):
        user = demo.exec(select(PortalUser).where(PortalUser.email == email)).one()
        tokens[who] = sessions.open_session(demo, user.id, remember=False)
    demo.commit()
    ids = _ids(demo)
    over = {}
    for who, page, work, args in _pages():
        wanted = tuple(ids.get(arg, arg) if isinstance(arg, str) else arg for arg in args)
        statements = _statements(tokens[who], work, wanted)
        if len(statements) > BUDGET:
            over[page] = statements
    assert not over, "\n\n".join(f"{page}: {len(s)} statements\n" + "\n".join(s) for page, s in over.items())


def test_the_header_costs_one_statement_for_a_person_of_several_organisations(db):
    first = make_customer(db, make_organisation(db, name="Zeta Fibre"), name="Bakery North")
    second = make_customer(db, make_organisation(db, name="Alpha Web"), name="Bakery South")
    user = make_user(db, customer=first)
    db.add(Membership(portal_user_id=user.id, customer_id=second.id))
    db.commit()
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    statements = _statements(token, page_header, ())
    assert len(statements) == 1, statements
    header = as_principal(token, page_header, (), {})
    assert [choice.label for choice in header.choices] == ["Alpha Web (Bakery South)", "Zeta Fibre (Bakery North)"]
    assert header.branding.name == "Zeta Fibre"  # the first linked record stays the active one
    assert header.active_customer == str(first.id)


def test_a_person_unlinked_from_the_active_customer_falls_back_to_another_record(db):
    first = make_customer(db, make_organisation(db, name="Zeta Fibre"))
    second = make_customer(db, make_organisation(db, name="Alpha Web"))
    user = make_user(db, customer=first)
    db.add(Membership(portal_user_id=user.id, customer_id=second.id))
    db.commit()
    principal = principal_for(db, user)
    assert principal.customer_id == first.id
    db.delete(db.exec(select(Membership).where(Membership.customer_id == first.id)).one())
    db.commit()
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    again = sessions.resolve(db, token)
    assert (again.customer_id, again.organisation_id) == (second.id, second.organisation_id)


def _invoice(db, customer, number: str, total: int, paid: int, *, currency="USD", state=InvoiceState.ISSUED, day=1):
    db.add(
        Invoice(
            customer_id=customer.id,
            number=number,
            state=state,
            issued_on=date(2026, 10, day),
            due_on=date(2026, 11, day),
            currency=currency,
            total_minor=total,
            paid_minor=paid,
        )
    )


def test_the_account_figures_add_up_in_one_statement(database):
    db = database
    customer = make_customer(db, make_organisation(db))
    other = make_customer(db, make_organisation(db))
    _invoice(db, customer, "A-1", 10_000, 2_500, day=1)
    _invoice(db, customer, "A-2", 5_000, 0, currency="EUR", day=2)
    _invoice(db, customer, "A-3", 7_000, 7_000, day=3)  # paid: not due
    _invoice(db, customer, "A-4", 9_900, 0, state=InvoiceState.DRAFT, day=9)  # a draft is neither due nor latest
    _invoice(db, customer, "A-5", 1_234, 0, day=4)
    _invoice(db, other, "B-1", 99_999, 0, day=20)  # someone else's
    at = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)
    for amount, status, day in ((700, PaymentStatus.SUCCEEDED, 5), (900, PaymentStatus.FAILED, 6)):
        db.add(
            Payment(
                customer_id=customer.id,
                amount_minor=amount,
                currency="USD",
                status=status,
                processed_at=at.replace(day=day),
                reference=f"ref-{amount}",
            )
        )
    db.add(Service(customer_id=customer.id, name="Fibre 100"))
    db.add(Service(customer_id=customer.id, name="Static IP", is_active=False))
    db.add(Ticket(customer_id=customer.id, subject="Slow", description="Evenings", status=TicketStatus.OPEN))
    db.add(Ticket(customer_id=customer.id, subject="Old", description="Fixed", status=TicketStatus.CLOSED))
    db.add(Project(customer_id=customer.id, name="Office move", status=ProjectStatus.IN_PROGRESS))
    db.commit()

    seen: list[str] = []
    engine = db.get_bind()
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        figures = account_figures(db, customer, activity=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)

    assert len(seen) == 1
    assert figures.balances == {"USD": 7_500 + 1_234, "EUR": 5_000}
    assert figures.open_invoices == 3
    assert (figures.last_invoice.total_minor, figures.last_invoice.issued_on) == (1_234, date(2026, 10, 4))
    assert (figures.last_payment.amount_minor, figures.last_payment.processed_at) == (700, at)
    assert (figures.services, figures.open_tickets, figures.active_projects) == (2, 1, 1)
    assert account_figures(db, make_customer(db, make_organisation(db))).balances == {}
