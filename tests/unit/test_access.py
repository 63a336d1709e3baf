"""The access module: each kind of principal reaches its own rows and nothing else."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user, principal_for

from portal_app.errors import NotFound, PortalError
from portal_app.models import Article, Invoice, InvoiceState, Ticket
from portal_app.services import access


def invoice(db, customer, state=InvoiceState.ISSUED) -> Invoice:
    row = Invoice(
        customer_id=customer.id,
        state=state,
        issued_on=date(2026, 1, 1),
        due_on=date(2026, 1, 15),
        currency="USD",
        total_minor=1_000,
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def world(db):
    """Two customers of one provider, one of another, a staff member of each provider."""
    northwind = make_organisation(db, name="Northwind Fiber", stripe_account_id="acct_north")
    acme = make_organisation(db, name="Acme Broadband", stripe_account_id="acct_acme")
    alex = make_customer(db, northwind, name="Alex", reference="7")
    sam = make_customer(db, northwind, name="Sam")
    other = make_customer(db, acme, name="Other")
    return {
        "northwind": northwind,
        "acme": acme,
        "alex": alex,
        "sam": sam,
        "other": other,
        "alex_user": make_user(db, email="alex@example.com", customer=alex),
        "staff": make_user(db, email="agent@northwind.example", staff_organisation_id=northwind.id),
        "acme_staff": make_user(db, email="agent@acme.example", staff_organisation_id=acme.id),
    }


def test_a_customer_reaches_their_visible_invoices_only(db, world):
    alex = principal_for(db, world["alex_user"])
    mine = invoice(db, world["alex"])
    draft = invoice(db, world["alex"], InvoiceState.DRAFT)
    sams = invoice(db, world["sam"])

    assert access.own_invoice(db, alex, mine.id).id == mine.id
    for refused in (draft.id, sams.id, 0, -1, True, 2**63, "1", None):
        with pytest.raises(NotFound, match=access.INVOICE_NOT_FOUND):
            access.own_invoice(db, alex, refused)


def test_a_customer_reaches_their_own_tickets_only(db, world):
    alex = principal_for(db, world["alex_user"])
    mine = Ticket(customer_id=world["alex"].id, subject="Mine", description="d")
    sams = Ticket(customer_id=world["sam"].id, subject="Sam's", description="d")
    db.add_all([mine, sams])
    db.commit()

    assert access.own_ticket(db, alex, mine.id).subject == "Mine"
    with pytest.raises(NotFound, match=access.TICKET_NOT_FOUND):
        access.own_ticket(db, alex, sams.id)


def test_a_person_without_a_customer_record_reaches_nothing(db, world):
    nobody = principal_for(db, make_user(db, email="nobody@example.com"))
    mine = invoice(db, world["alex"])

    with pytest.raises(access.NotLinked):
        access.customer_scope(db, nobody)
    with pytest.raises(access.NotLinked):
        access.own_invoice(db, nobody, mine.id)


def test_staff_reach_their_organisation_only_and_customers_are_not_staff(db, world):
    staff = access.staff_scope(db, principal_for(db, world["staff"]))
    ours = Ticket(customer_id=world["sam"].id, subject="Ours", description="d")
    theirs = Ticket(customer_id=world["other"].id, subject="Theirs", description="d")
    article = Article(organisation_id=world["acme"].id, slug="theirs", title="Theirs")
    db.add_all([ours, theirs, article])
    db.commit()

    assert staff.organisation.name == "Northwind Fiber"
    assert access.staff_ticket(db, staff, ours.id)[1].name == "Sam"
    with pytest.raises(NotFound):
        access.staff_ticket(db, staff, theirs.id)
    with pytest.raises(NotFound, match=access.ARTICLE_NOT_FOUND):
        access.staff_article(db, staff, article.id)
    with pytest.raises(access.NotStaff):
        access.staff_scope(db, principal_for(db, world["alex_user"]))


def test_deactivated_staff_are_refused(db, world):
    principal = principal_for(db, world["staff"])
    world["staff"].is_active = False
    db.add(world["staff"])
    db.commit()

    with pytest.raises(access.NotStaff):
        access.staff_scope(db, principal)


def test_the_provider_names_a_customer_by_reference_or_by_id_within_its_organisation(db, world):
    northwind = world["northwind"]

    assert access.provider_customer(db, northwind, "7").name == "Alex"  # the reference wins over id 7
    assert access.provider_customer(db, northwind, str(world["sam"].id)).name == "Sam"
    # An id given as a number is an id, even when another customer's reference reads the same.
    assert access.provider_customer(db, northwind, world["sam"].id).name == "Sam"
    with pytest.raises(PortalError, match="Northwind Fiber has no customer"):
        access.provider_customer(db, northwind, world["other"].id)
    with pytest.raises(PortalError, match="no organisation with the slug 'nope'"):
        access.provider_organisation(db, "nope")


def test_a_stripe_event_reaches_an_invoice_of_its_own_connected_account_only(db, world):
    mine = invoice(db, world["alex"])
    metadata = {"invoice_id": str(mine.id), "customer_id": str(world["alex"].id)}

    assert access.stripe_invoice(db, metadata, "acct_north").id == mine.id
    assert access.stripe_invoice(db, metadata, "acct_acme") is None
    assert access.stripe_invoice(db, metadata | {"customer_id": str(world["sam"].id)}, "acct_north") is None
    assert access.stripe_invoice(db, {"invoice_id": "x"}, "acct_north") is None
