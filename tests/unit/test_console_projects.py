"""The console's projects: the list, creating a project for a customer and editing it, which the customer then sees
on their Projects tab; field checks, audit entries, administrators of the organisation only."""

from __future__ import annotations

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlmodel import select

from portal_app.errors import NotFound, PortalError
from portal_app.models import AuditEntry, Project, StaffRole
from portal_app.services.access import NotAdmin
from portal_app.services.common.pagination import PageRequest
from portal_app.services.console.header import admin_call
from portal_app.services.console.projects import create_project, edit_project, project_form, project_list
from portal_app.services.projects.progress import project_cards

IP = "203.0.113.9"


@pytest.fixture
def admin(db, acme):
    user = make_user(db, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    return principal_for(db, user)


@pytest.fixture
def agent(db, acme):
    user = make_user(db, email="jamie@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT)
    return principal_for(db, user)


def audit(db) -> list[tuple[str, str, str, str]]:
    db.expire_all()
    return [(e.action, e.customer_name, e.detail, e.client_ip) for e in db.exec(select(AuditEntry)).all()]


def create(db, who, customer_id, name="Fibre install", status="In progress", progress="40"):
    return create_project(db, who, customer_id, name=name, status=status, progress=progress, client_ip=IP)


def test_a_project_created_for_a_customer_is_what_the_customer_sees(db, acme, bakery, bea, admin):
    project_id = create(db, admin, bakery.id)
    db.commit()
    cards = project_cards(db, bea)
    assert [(c.name, c.status, c.progress) for c in cards] == [("Fibre install", "In progress", 40)]
    rows = project_list(db, admin, PageRequest()).rows
    assert [(r.name, r.customer, r.status, r.progress, r.href) for r in rows] == [
        ("Fibre install", "Riverside Bakery", "In progress", 40, f"/staff/projects/{project_id}")
    ]
    said = edit_project(db, admin, project_id, name="Fibre install", status="Completed", progress="90", client_ip=IP)
    db.commit()
    assert said == "Fibre install is saved: Riverside Bakery sees it on their Projects page."
    assert [(c.status, c.progress) for c in project_cards(db, bea)] == [("Completed", 100)]
    assert edit_project(db, admin, project_id, name="Fibre install", status="Completed", progress="100") == (
        "Nothing changed."
    )
    assert audit(db) == [
        ("Created project", "Riverside Bakery", "Fibre install: In progress, 40%", IP),
        ("Edited project", "Riverside Bakery", "Fibre install: status In progress → Completed; progress 40 → 100", IP),
    ]
    form = project_form(db, admin, project_id)
    assert (form.customer, form.name, form.status, form.progress) == (
        "Riverside Bakery",
        "Fibre install",
        "Completed",
        "100",
    )
    assert project_form(db, admin, 0).status == "Planned"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": {"x": 1}}, "name"),
        ({"status": "Done"}, "status"),
        ({"progress": "101"}, "progress"),
        ({"progress": "-1"}, "progress"),
        ({"progress": "4.5"}, "progress"),
        ({"progress": ""}, "progress"),
        ({"progress": "²"}, "progress"),
    ],
)
def test_bad_fields_are_refused_at_their_field_and_change_nothing(db, bakery, admin, fields, field):
    existing = create(db, admin, bakery.id)
    db.commit()
    values = {"name": "Upgrade", "status": "Planned", "progress": "10"} | fields
    for work in (
        lambda: create_project(db, admin, bakery.id, **values, client_ip=IP),
        lambda: edit_project(db, admin, existing, **values, client_ip=IP),
    ):
        with pytest.raises(PortalError) as refused:
            work()
        db.rollback()
        assert refused.value.field == field
    db.expire_all()
    assert [(p.name, p.progress_percent) for p in db.exec(select(Project)).all()] == [("Fibre install", 40)]
    assert len(audit(db)) == 1


def test_percent_sign_and_zero_progress_are_fine(db, bakery, admin):
    project_id = create(db, admin, bakery.id, progress=" 0 % ")
    assert db.get(Project, project_id).progress_percent == 0


def test_another_organisations_customer_or_project_is_refused(db, acme, bakery, admin):
    other = make_organisation(db, name="Harbor")
    stranger = make_customer(db, other, name="Stranger")
    theirs = Project(customer_id=stranger.id, name="Their project")
    db.add(theirs)
    db.commit()
    for target in (stranger.id, 0, "1", None, 2**70):
        with pytest.raises(PortalError) as refused:
            create(db, admin, target)
        assert refused.value.field == "customer"
    with pytest.raises(NotFound):
        edit_project(db, admin, theirs.id, name="Mine now", status="Planned", progress="0")
    with pytest.raises(NotFound):
        project_form(db, admin, theirs.id)
    assert project_list(db, admin, PageRequest()).rows == []
    db.rollback()
    db.expire_all()
    assert db.get(Project, theirs.id).name == "Their project"
    assert audit(db) == []


def test_agents_and_customers_get_nothing(db, bakery, agent, bea, admin):
    project_id = create(db, admin, bakery.id)
    db.commit()
    for who in (agent, bea):
        with pytest.raises(NotAdmin):
            project_list(db, who, PageRequest())
        with pytest.raises(NotAdmin):
            create(db, who, bakery.id)
        assert admin_call(db, who, project_form, project_id)[1] is None
    with pytest.raises(NotAdmin):
        edit_project(db, agent, project_id, name="x", status="Planned", progress="0")
    db.rollback()
    assert len(db.exec(select(Project)).all()) == 1
    assert len(audit(db)) == 1


def test_the_project_page_creates_for_the_chosen_customer_only(db, bakery, admin):
    from fault_injection import drive, fresh_state

    from portal_app.services.accounts import sessions
    from portal_app.state.staff_projects import StaffProjectState

    token = sessions.open_session(db, admin.user_id, remember=False)
    db.commit()
    state = fresh_state(StaffProjectState, token)
    form = {"name": "Fibre install", "status": "Planned", "progress": "0"}
    drive(state, "save_project", form)
    assert state.field_errors == {"project-customer": "Search for and select the customer the project is for."}
    drive(state, "choose_customer", bakery.id)  # not offered: selects nothing
    assert state.chosen_name == ""
    drive(state, "find_customers", "river")
    drive(state, "choose_customer", bakery.id)
    [redirect] = drive(state, "save_project", form)
    project = db.exec(select(Project)).one()
    assert f"/staff/projects/{project.id}" in str(redirect)
    assert project.customer_id == bakery.id
