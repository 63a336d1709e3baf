"""The console's customer record edited by administrators, and linking someone who already signs in to a customer:
refusals name their field and change nothing; every change is audited."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlmodel import select

from portal_app.errors import NotFound, PortalError
from portal_app.models import AuditEntry, Customer, Invoice, Membership, StaffRole
from portal_app.services.access import NotAdmin
from portal_app.services.accounts.header import page_header
from portal_app.services.console import customer_actions as actions
from portal_app.services.console.customer_edit import edit_customer

IP = "203.0.113.9"


@pytest.fixture
def admin(db, acme):
    user = make_user(db, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    return principal_for(db, user)


def form(**changes: str) -> dict[str, str]:
    """The record form as the bakery's page fills it in, with some fields changed."""
    filled = {
        "name": "Riverside Bakery",
        "reference": "",
        "email": "office@bakery.example",
        "phone": "",
        "address": "",
        "locale": "en_US",
        "currency": "USD",
    }
    return filled | changes


def audit(db) -> list[tuple[str, str, str, str]]:
    db.expire_all()
    return [(e.action, e.customer_name, e.person_email, e.detail) for e in db.exec(select(AuditEntry)).all()]


def test_an_admin_edits_the_record_and_the_audit_says_what_changed(db, bakery, admin):
    said = edit_customer(
        db,
        admin,
        bakery.id,
        form(
            name=" Riverside  Bakery Ltd ",
            reference="C-1",
            email="Orders@Bakery.example",
            phone="555-0100",
            address="1 Mill Lane\n Riverside ",
            locale="en-gb",
            currency="gbp",
        ),
        client_ip=IP,
    )
    db.commit()
    assert said == "The record of Riverside Bakery Ltd is saved."
    db.expire_all()
    saved = db.get(Customer, bakery.id)
    assert (saved.name, saved.reference, saved.email, saved.phone, saved.address, saved.locale, saved.currency) == (
        "Riverside Bakery Ltd",
        "C-1",
        "orders@bakery.example",
        "555-0100",
        "1 Mill Lane\nRiverside",
        "en_GB",
        "GBP",
    )
    [(action, customer, _person, detail)] = audit(db)
    assert (action, customer) == ("Edited customer", "Riverside Bakery Ltd")
    assert "Name: 'Riverside Bakery' → 'Riverside Bakery Ltd'" in detail
    assert "Reference: '' → 'C-1'" in detail
    assert "Currency: 'USD' → 'GBP'" in detail
    assert edit_customer(db, admin, bakery.id, form(**_as_saved(saved)), client_ip=IP) == "Nothing changed."
    assert len(audit(db)) == 1


def _as_saved(customer: Customer) -> dict[str, str]:
    return {
        "name": customer.name,
        "reference": customer.reference or "",
        "email": customer.email,
        "phone": customer.phone,
        "address": customer.address,
        "locale": customer.locale,
        "currency": customer.currency,
    }


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"name": "  "}, "name", "Enter the customer's name."),
        ({"reference": "C-2"}, "reference", "Corner Café already has the reference C-2"),
        ({"email": "not an email"}, "email", "not an email is not a valid email address."),
        ({"phone": "5" * 41}, "phone", "Phone is longer than 40 characters."),
        ({"locale": "xx_YY"}, "locale", "Locale 'xx_YY' is not a known locale"),
        ({"currency": "EUX"}, "currency", "Currency 'EUX' is not an ISO 4217 currency code."),
    ],
)
def test_a_bad_field_is_refused_at_that_field_and_nothing_changes(db, acme, bakery, admin, changes, field, reason):
    make_customer(db, acme, name="Corner Café", reference="C-2")
    with pytest.raises(PortalError) as refused:
        edit_customer(db, admin, bakery.id, form(**({"address": "1 Mill Lane"} | changes)), client_ip=IP)
    db.rollback()
    assert refused.value.field == field
    assert reason in refused.value.message
    db.expire_all()
    assert db.get(Customer, bakery.id).address == ""
    assert audit(db) == []


def test_the_same_reference_in_another_organisation_is_fine(db, bakery, admin):
    make_customer(db, make_organisation(db, name="Harbor"), name="Harbor client", reference="C-2")
    edit_customer(db, admin, bakery.id, form(reference="C-2"), client_ip=IP)
    db.commit()
    assert db.get(Customer, bakery.id).reference == "C-2"


def test_the_currency_stays_once_the_customer_has_invoices(db, bakery, admin):
    db.add(
        Invoice(
            customer_id=bakery.id,
            number="INV-1",
            issued_on=date(2026, 1, 1),
            due_on=date(2026, 1, 31),
            currency="USD",
            total_minor=100,
        )
    )
    db.commit()
    with pytest.raises(PortalError, match="The currency stays USD") as refused:
        edit_customer(db, admin, bakery.id, form(currency="EUR"), client_ip=IP)
    assert refused.value.field == "currency"


def test_agents_customers_and_other_organisations_cannot_edit(db, acme, bakery, bea):
    agent = principal_for(
        db, make_user(db, email="jamie@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT)
    )
    other_admin = principal_for(
        db,
        make_user(
            db,
            email="admin@harbor.example",
            staff_organisation_id=make_organisation(db, name="Harbor").id,
            staff_role=StaffRole.ADMIN,
        ),
    )
    for principal in (agent, bea):
        with pytest.raises(NotAdmin):
            edit_customer(db, principal, bakery.id, form(name="Taken over"), client_ip=IP)
        with pytest.raises(NotAdmin):
            actions.link_existing_user(db, principal, bakery.id, "owner@bakery.example", client_ip=IP)
    with pytest.raises(NotFound):
        edit_customer(db, other_admin, bakery.id, form(name="Taken over"), client_ip=IP)
    with pytest.raises(NotFound):
        actions.link_existing_user(db, other_admin, bakery.id, "admin@harbor.example", client_ip=IP)
    db.rollback()
    assert db.get(Customer, bakery.id).name == "Riverside Bakery"
    assert audit(db) == []


def test_linking_someone_who_signs_in_elsewhere_shows_them_the_organisation(db, acme, bakery, admin):
    harbor_client = make_customer(db, make_organisation(db, name="Harbor Web"), name="Sam's Studio")
    sam = make_user(db, email="sam@example.com", customer=harbor_client)
    said = actions.link_existing_user(db, admin, bakery.id, " Sam@Example.com ", client_ip=IP)
    db.commit()
    assert said.startswith("sam@example.com is now linked to Riverside Bakery")
    assert audit(db) == [("Linked existing user", "Riverside Bakery", "sam@example.com", "")]
    labels = [choice.label for choice in page_header(db, principal_for(db, sam)).choices]
    assert sorted(labels) == ["Acme Broadband (Riverside Bakery)", "Harbor Web (Sam's Studio)"]


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("nobody@example.com", "No one signs in with nobody@example.com. To give them access, invite them instead."),
        ("robin@acme.example", "robin@acme.example is a staff sign-in"),
        ("gone@example.com", "The portal account of gone@example.com is deactivated."),
        ("new@example.com", "new@example.com has not chosen a password yet."),
        ("owner@bakery.example", "owner@bakery.example is already linked to Riverside Bakery."),
        ("", "Enter the email address"),
    ],
)
def test_linking_is_refused_with_the_reason(db, bakery, admin, bea, email, reason):
    make_user(db, email="gone@example.com", is_active=False)
    make_user(db, email="new@example.com", password=None)
    before = db.exec(select(Membership.id)).all()
    with pytest.raises(PortalError) as refused:
        actions.link_existing_user(db, admin, bakery.id, email, client_ip=IP)
    db.rollback()
    assert reason in refused.value.message
    assert refused.value.field == "email"
    assert db.exec(select(Membership.id)).all() == before
    assert audit(db) == []


def test_delete_is_refused_while_a_linked_user_is_active_then_works_once_deactivated(db, bakery, admin, bea):
    with pytest.raises(PortalError, match=r"still has an active portal user \(owner@bakery.example\)"):
        actions.delete_customer(db, admin, bakery.id, client_ip=IP)
    db.rollback()
    actions.deactivate_person(db, admin, bakery.id, bea.user_id, client_ip=IP)
    actions.delete_customer(db, admin, bakery.id, client_ip=IP)
    db.expire_all()
    assert db.get(Customer, bakery.id) is None
    assert [a[0] for a in audit(db)] == ["Deactivated", "Deleted customer"]
