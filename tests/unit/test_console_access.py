"""The console's access rules: only an organisation's admins reach its customers; agents, customers and other
organisations' staff are refused (services/access.py: admin_scope, staff_customer, customer_person)."""

from __future__ import annotations

import pytest
from factories import make_customer, make_organisation, make_user, principal_for

from portal_app.errors import NotFound
from portal_app.models import StaffRole
from portal_app.services.access import NotAdmin, admin_scope, customer_person, staff_customer
from portal_app.services.console.header import admin_call, staff_call


def staff_principal(db, organisation, role: StaffRole | None, email: str = "robin@acme.example"):
    user = make_user(db, email=email, name="Robin", staff_organisation_id=organisation.id, staff_role=role)
    return principal_for(db, user)


def test_admin_scope_is_the_admins_organisation(db, acme):
    admin = staff_principal(db, acme, StaffRole.ADMIN)
    assert admin_scope(db, admin).organisation.id == acme.id


@pytest.mark.parametrize("role", [StaffRole.AGENT, None])
def test_agents_are_not_admins(db, acme, role):
    with pytest.raises(NotAdmin, match="administrators"):
        admin_scope(db, staff_principal(db, acme, role))


def test_customers_and_deactivated_admins_are_not_admins(db, acme, bea):
    with pytest.raises(NotAdmin):
        admin_scope(db, bea)
    admin = staff_principal(db, acme, StaffRole.ADMIN)
    user = db.get(type(admin_scope(db, admin).user), admin.user_id)
    user.is_active = False
    db.add(user)
    db.commit()
    with pytest.raises(NotAdmin):
        admin_scope(db, admin)


def test_staff_customer_is_only_of_the_staff_organisation(db, acme, bakery):
    staff = admin_scope(db, staff_principal(db, acme, StaffRole.ADMIN))
    assert staff_customer(db, staff, bakery.id).id == bakery.id
    other = make_customer(db, make_organisation(db, name="Harbor Web Studio"), name="Harbor client")
    for wanted in (other.id, str(bakery.id), 0, -1, "x", None, True, 2**70):
        with pytest.raises(NotFound):
            staff_customer(db, staff, wanted)


def test_customer_person_is_someone_linked_to_that_customer(db, acme, bakery):
    bea = make_user(db, email="bea@bakery.example", customer=bakery)
    stranger = make_user(db, email="stranger@example.com", customer=make_customer(db, acme, name="Other"))
    assert customer_person(db, bakery, bea.id).id == bea.id
    for wanted in (stranger.id, 0, "x", None):
        with pytest.raises(NotFound):
            customer_person(db, bakery, wanted)


def test_admin_call_runs_the_work_only_for_admins(db, acme, bea):
    def work(_db, _principal):
        return "done"

    admin = staff_principal(db, acme, StaffRole.ADMIN)
    agent = staff_principal(db, acme, StaffRole.AGENT, email="jamie@acme.example")
    header, result = admin_call(db, admin, work)
    assert (header.is_staff, header.is_admin, header.organisation, result) == (True, True, "Acme Broadband", "done")
    header, result = admin_call(db, agent, work)
    assert (header.is_staff, header.is_admin, result) == (True, False, None)
    assert staff_call(db, agent, work)[1] == "done"
    header, result = admin_call(db, bea, work)
    assert (header.is_staff, header.is_admin, result) == (False, False, None)
