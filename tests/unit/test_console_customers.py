"""The console's customers: search, portal-user column, the customer's page, and the audited actions (invite,
resend, deactivate, delete, online payments) for admins only."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user, principal_for, sent_mail
from sqlmodel import select

from portal_app.errors import NotFound, PortalError
from portal_app.models import AuditEntry, Customer, Invoice, InvoiceState, Membership, PortalUser, StaffRole
from portal_app.services.access import NotAdmin
from portal_app.services.common.pagination import PageRequest
from portal_app.services.console import customer_actions as actions
from portal_app.services.console.audit import audit_page
from portal_app.services.console.customer_record import customer_record
from portal_app.services.console.customers import customer_choices, customer_list

IP = "203.0.113.9"


@pytest.fixture
def admin(db, acme):
    user = make_user(
        db, email="robin@acme.example", name="Robin", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN
    )
    return principal_for(db, user)


@pytest.fixture
def agent(db, acme):
    user = make_user(db, email="jamie@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT)
    return principal_for(db, user)


def audit(db) -> list[tuple[str, str, str, str]]:
    db.expire_all()
    entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(e.action, e.customer_name, e.person_email, e.client_ip) for e in entries]


def test_search_finds_by_name_email_phone_or_reference_within_the_organisation(db, acme, bakery, admin):
    make_customer(db, acme, name="Corner Café", email="hello@corner.example", phone="555-0199", reference="C-77")
    make_customer(db, make_organisation(db, name="Other"), name="Corner Shop elsewhere")
    everyone = customer_list(db, admin, "", PageRequest())
    assert [r.name for r in everyone.rows] == ["Corner Café", "Riverside Bakery"]
    for search in ("corner", "HELLO@corner", "0199", "c-77"):
        assert [r.name for r in customer_list(db, admin, search, PageRequest()).rows] == ["Corner Café"], search
    assert customer_list(db, admin, "100%_", PageRequest()).rows == []
    assert customer_list(db, admin, {"not": "text"}, PageRequest()).info.total_rows == 2
    assert [c.name for c in customer_choices(db, admin, "bak")] == ["Riverside Bakery"]
    assert customer_choices(db, admin, "  ") == []


def test_the_list_says_whether_a_portal_user_is_linked(db, acme, bakery, admin):
    pending = make_customer(db, acme, name="Pending Ltd")
    gone = make_customer(db, acme, name="Gone Ltd")
    make_customer(db, acme, name="Nobody Ltd")
    make_user(db, email="bea@bakery.example", customer=bakery)
    make_user(db, email="new@pending.example", password=None, customer=pending)
    make_user(db, email="old@gone.example", customer=gone, is_active=False)
    rows = {r.name: r.portal_user for r in customer_list(db, admin, "", PageRequest()).rows}
    assert rows == {
        "Gone Ltd": "Deactivated",
        "Nobody Ltd": "None",
        "Pending Ltd": "Invite pending",
        "Riverside Bakery": "Active",
    }


def test_agents_customers_and_other_organisations_are_refused(db, acme, bakery, agent, bea):
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
            customer_list(db, principal, "", PageRequest())
        with pytest.raises(NotAdmin):
            actions.invite_person(db, principal, bakery.id, "x@example.com", "", client_ip=IP)
    with pytest.raises(NotFound):
        customer_record(db, other_admin, bakery.id)
    with pytest.raises(NotFound):
        actions.delete_customer(db, other_admin, bakery.id, client_ip=IP)
    assert customer_list(db, other_admin, "", PageRequest()).rows == []
    assert audit(db) == []
    assert db.get(Customer, bakery.id) is not None


def test_the_customer_page_shows_people_and_linked_rows_drafts_marked(db, acme, bakery, admin):
    make_user(db, email="bea@bakery.example", customer=bakery)
    for number, state in (("INV-1", InvoiceState.ISSUED), ("", InvoiceState.DRAFT)):
        db.add(
            Invoice(
                customer_id=bakery.id,
                number=number,
                state=state,
                issued_on=date(2026, 1, 1),
                due_on=date(2026, 1, 15),
                currency="USD",
                total_minor=1250,
            )
        )
    db.commit()
    record = customer_record(db, admin, bakery.id)
    assert [(p.email, p.status, p.can_resend, p.can_deactivate) for p in record.people] == [
        ("bea@bakery.example", "Active", False, True)
    ]
    assert sorted((i.status, i.draft, i.total) for i in record.invoices) == [
        ("Draft", True, "$12.50"),
        ("Overdue", False, "$12.50"),
    ]


def test_invite_then_resend_then_deactivate_then_delete_each_audited(db, acme, bakery, admin):
    said = actions.invite_person(db, admin, bakery.id, " Bob@Example.com ", "Bob Baker", client_ip=IP)
    assert said == "Invitation sent to bob@example.com for Riverside Bakery."
    bob = db.exec(select(PortalUser).where(PortalUser.email == "bob@example.com")).one()
    [person] = customer_record(db, admin, bakery.id).people
    assert (person.status, person.can_resend) == ("Invite pending", True)
    actions.resend_person_invite(db, admin, bakery.id, bob.id, client_ip=IP)
    assert [m["To"] for m in sent_mail()] == ["bob@example.com", "bob@example.com"]

    actions.deactivate_person(db, admin, bakery.id, bob.id, client_ip=IP)
    db.expire_all()
    assert db.get(PortalUser, bob.id).is_active is False
    with pytest.raises(PortalError, match="already deactivated"):
        actions.deactivate_person(db, admin, bakery.id, bob.id, client_ip=IP)

    actions.delete_customer(db, admin, bakery.id, client_ip=IP)
    assert db.get(Customer, bakery.id) is None
    assert audit(db) == [
        ("Invited", "Riverside Bakery", "bob@example.com", IP),
        ("Resent invite", "Riverside Bakery", "bob@example.com", IP),
        ("Deactivated", "Riverside Bakery", "bob@example.com", IP),
        ("Deleted customer", "Riverside Bakery", "", IP),
    ]
    page = audit_page(db, admin, PageRequest())
    assert [r.action for r in page.rows] == ["Deleted customer", "Deactivated", "Resent invite", "Invited"]
    assert page.rows[0].who == "robin@acme.example"


def test_delete_is_refused_with_the_reason_while_an_active_user_is_linked(db, bakery, admin):
    make_user(db, email="bea@bakery.example", customer=bakery)
    with pytest.raises(PortalError, match=r"still has an active portal user \(bea@bakery.example\)"):
        actions.delete_customer(db, admin, bakery.id, client_ip=IP)
    db.rollback()  # what the unit of work does when a service raises
    assert db.get(Customer, bakery.id) is not None
    assert audit(db) == []


@pytest.mark.parametrize(
    ("customer", "email", "reason"),
    [
        ("", "bob@example.com", "Search for and select the customer record"),
        ("bakery", "", "Enter the email address"),
        ("bakery", "not an email", "is not a valid email address"),
        ("bakery", "robin@acme.example", "is a staff sign-in"),
    ],
)
def test_bad_invitations_change_nothing(db, bakery, admin, customer, email, reason):
    with pytest.raises(PortalError, match=reason):
        actions.invite_person(db, admin, bakery.id if customer else "", email, "", client_ip=IP)
    db.rollback()
    assert db.exec(select(Membership)).all() == []
    assert audit(db) == []
    assert sent_mail() == []


def test_someone_who_is_also_another_providers_customer_is_not_deactivated_here(db, bakery, admin):
    elsewhere = make_customer(db, make_organisation(db, name="Harbor"), name="Harbor client")
    sam = make_user(db, email="sam@example.com", customer=bakery)
    db.add(Membership(portal_user_id=sam.id, customer_id=elsewhere.id))
    db.commit()
    with pytest.raises(PortalError, match="also signs in for another organisation"):
        actions.deactivate_person(db, admin, bakery.id, sam.id, client_ip=IP)


def test_online_payments_for_one_customer(db, bakery, admin):
    assert actions.set_online_payments_allowed(db, admin, bakery.id, False, client_ip=IP).startswith(
        "Online payments are now not allowed"
    )
    assert db.get(Customer, bakery.id).online_payments_allowed is False
    with pytest.raises(PortalError):
        actions.set_online_payments_allowed(db, admin, bakery.id, "yes", client_ip=IP)
    assert actions.set_online_payments_allowed(db, admin, bakery.id, False, client_ip=IP) == "Nothing changed."
    assert [a[0] for a in audit(db)] == ["Changed customer's online payments"]
