"""Deactivating a portal user, and deleting a customer without leaving orphaned rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import make_customer, make_organisation, make_user
from sqlalchemy import func, text
from sqlmodel import SQLModel, select

from portal_app.errors import PortalError
from portal_app.models import (
    AuthSession,
    Customer,
    Invoice,
    InvoiceLine,
    Membership,
    Payment,
    PaymentAttempt,
    PortalUser,
    Project,
    Service,
    ServiceAction,
    ServiceRequest,
    StripeCustomer,
    StripeDispute,
    StripeRefund,
    Ticket,
    TicketMessage,
    TokenPurpose,
)
from portal_app.services.accounts import sessions, single_use_links
from portal_app.services.accounts.customer_admin import deactivate_user, delete_customer


def row_counts(db) -> dict[str, int]:
    """How many rows every table has."""
    db.expire_all()
    return {
        table.name: db.exec(select(func.count()).select_from(table)).one() for table in SQLModel.metadata.sorted_tables
    }


def give_everything(db, customer: Customer) -> None:
    """A service, an invoice with two lines and a payment, a ticket with two messages and a project."""
    db.add(Service(customer_id=customer.id, name="Fibre 500"))
    invoice = Invoice(
        customer_id=customer.id,
        number=f"INV-{customer.id}",
        issued_on=date(2025, 1, 1),
        due_on=date(2025, 1, 31),
        currency="USD",
        total_minor=2000,
        paid_minor=2000,
    )
    ticket = Ticket(customer_id=customer.id, subject="Slow line", description="Since Monday")
    db.add_all([invoice, ticket])
    db.flush()
    db.add_all(
        [
            InvoiceLine(invoice_id=invoice.id, description="Fibre", unit_price_minor=1500, amount_minor=1500),
            InvoiceLine(invoice_id=invoice.id, description="Router", unit_price_minor=500, amount_minor=500),
            Payment(customer_id=customer.id, invoice_id=invoice.id, amount_minor=2000, currency="USD"),
            TicketMessage(ticket_id=ticket.id, body="Since Monday"),
            TicketMessage(ticket_id=ticket.id, body="We are on it", from_staff=True),
            Project(customer_id=customer.id, name="Fibre installation", progress_percent=60),
            PaymentAttempt(
                invoice_id=invoice.id,
                customer_id=customer.id,
                kind="checkout",
                amount_minor=2000,
                currency="USD",
                idempotency_key=f"checkout-{invoice.id}-1-2000",
                status="succeeded",
            ),
            StripeCustomer(
                customer_id=customer.id, stripe_account_id="acct_1", stripe_customer_id=f"cus_{customer.id}"
            ),
        ]
    )
    db.commit()


@pytest.fixture
def acme(db):
    return make_organisation(db, slug="acme", name="Acme Broadband")


@pytest.fixture
def bakery(db, acme):
    customer = make_customer(db, acme, name="Riverside Bakery", reference="C-001")
    give_everything(db, customer)
    return customer


@pytest.fixture
def cafe(db, acme):
    customer = make_customer(db, acme, name="Northwind Cafe", reference="C-002")
    give_everything(db, customer)
    return customer


@pytest.fixture
def alice(db, bakery, cafe):
    """Linked to both customers, signed in as the bakery, with an unused invitation to it."""
    user = make_user(db, email="alice@example.com", customer=bakery)
    db.add(Membership(portal_user_id=user.id, customer_id=cafe.id))
    db.commit()
    sessions.open_session(db, user.id, remember=False)
    single_use_links.issue(
        db, user_id=user.id, purpose=TokenPurpose.INVITE, lifetime=timedelta(days=7), customer_id=bakery.id
    )
    db.commit()
    return user


def test_deactivating_signs_the_user_out_everywhere_and_stops_their_links(db, bakery):
    user = make_user(db, email="bob@example.com", customer=bakery)
    tokens = [sessions.open_session(db, user.id, remember=remember) for remember in (False, True)]
    link = single_use_links.issue(db, user_id=user.id, purpose=TokenPurpose.RESET, lifetime=timedelta(hours=1))
    db.commit()

    assert deactivate_user(db, " Bob@Example.com ") is True

    db.expire_all()
    assert db.get(PortalUser, user.id).is_active is False
    assert all(sessions.resolve(db, token) is None for token in tokens)
    assert db.exec(select(AuthSession).where(AuthSession.portal_user_id == user.id)).all() == []
    with pytest.raises(PortalError, match="expired"):
        single_use_links.usable(db, link, TokenPurpose.RESET)


def test_deactivating_twice_changes_nothing_the_second_time(db, bakery):
    make_user(db, email="bob@example.com", customer=bakery)
    deactivate_user(db, "bob@example.com")
    before = row_counts(db)

    assert deactivate_user(db, "bob@example.com") is False
    assert row_counts(db) == before


def test_deactivating_an_unknown_email_is_refused(db):
    with pytest.raises(PortalError) as refused:
        deactivate_user(db, "nobody@example.com")

    assert refused.value.message == "There is no portal user with the email nobody@example.com."


def test_deleting_a_customer_with_an_active_portal_user_is_refused(db, bakery, alice):
    before = row_counts(db)

    with pytest.raises(PortalError) as refused:
        delete_customer(db, "acme", "C-001")

    assert refused.value.message == (
        "Customer Riverside Bakery (C-001) still has an active portal user (alice@example.com); "
        "deactivate the user first."
    )
    assert row_counts(db) == before


def test_the_refusal_names_every_active_user(db, bakery, alice):
    make_user(db, email="carol@example.com", customer=bakery)
    make_user(db, email="dave@example.com", customer=bakery, is_active=False)

    with pytest.raises(PortalError, match=r"active portal users \(alice@example.com, carol@example.com\)"):
        delete_customer(db, "acme", "C-001")


def test_after_deactivation_the_customer_and_everything_it_owns_is_deleted(db, bakery, cafe, alice):
    deactivate_user(db, "alice@example.com")
    session_token = sessions.open_session(db, alice.id, remember=False)  # an old session still pointing at it
    paid = db.exec(select(Payment).where(Payment.customer_id == bakery.id)).one()
    db.add(StripeRefund(id="re_1", payment_id=paid.id, amount_minor=100, currency="USD", status="succeeded"))
    db.add(StripeDispute(id="dp_1", payment_id=paid.id, amount_minor=100, currency="USD", status="needs_response"))
    ticket = db.exec(select(Ticket).where(Ticket.customer_id == bakery.id)).one()
    service = db.exec(select(Service).where(Service.customer_id == bakery.id)).one()
    db.add(ServiceRequest(ticket_id=ticket.id, service_id=service.id, action=ServiceAction.CANCEL))
    db.commit()
    before = row_counts(db)

    delete_customer(db, "acme", "C-001")

    removed = {table: before[table] - count for table, count in row_counts(db).items() if before[table] != count}
    assert removed == {
        "customer": 1,
        "membership": 1,
        "service": 1,
        "invoice": 1,
        "invoiceline": 2,
        "payment": 1,
        "paymentattempt": 1,
        "stripecustomer": 1,
        "striperefund": 1,
        "stripedispute": 1,
        "ticket": 1,
        "ticketmessage": 2,
        "servicerequest": 1,
        "project": 1,
        "authtoken": 1,
    }
    assert db.exec(text("PRAGMA foreign_key_check")).all() == []  # no row points at a deleted one
    assert db.get(Customer, bakery.id) is None
    assert db.get(PortalUser, alice.id) is not None  # the person stays (still linked to the cafe)
    assert db.exec(select(AuthSession.active_customer_id)).all() == [None]
    assert sessions.resolve(db, session_token) is None  # deactivated people cannot use it anyway
    cafe_rows = [
        db.exec(select(func.count()).select_from(model).where(model.customer_id == cafe.id)).one()
        for model in (Service, Invoice, Payment, Ticket, Project)
    ]
    assert cafe_rows == [1, 1, 1, 1, 1]


def test_a_customer_can_be_deleted_by_id(db, acme):
    customer = make_customer(db, acme, name="No Reference Ltd")

    delete_customer(db, "acme", str(customer.id))

    assert db.exec(select(Customer)).all() == []


def test_a_reference_takes_precedence_over_an_id(db, acme):
    first = make_customer(db, acme, name="First")
    numbered = make_customer(db, acme, name="Numbered", reference=str(first.id))

    delete_customer(db, "acme", str(first.id))

    db.expire_all()
    assert [customer.id for customer in db.exec(select(Customer))] == [first.id]
    assert db.get(Customer, numbered.id) is None


@pytest.mark.parametrize("reference_or_id", ["C-404", "999"])
def test_deleting_an_unknown_customer_is_refused(db, bakery, reference_or_id):
    with pytest.raises(PortalError, match=f"Acme Broadband has no customer '{reference_or_id}'"):
        delete_customer(db, "acme", reference_or_id)


def test_customers_of_another_organisation_cannot_be_deleted(db, bakery):
    make_organisation(db, slug="other", name="Other Telecom")

    with pytest.raises(PortalError, match="Other Telecom has no customer"):
        delete_customer(db, "other", str(bakery.id))
    assert db.get(Customer, bakery.id) is not None
