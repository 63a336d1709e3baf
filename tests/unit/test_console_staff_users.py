"""Settings → Users & roles: the organisation's staff, inviting by email with a role (accepted on the customers'
invitation page), resending, changing roles, deactivating and reactivating; the last-admin and self rules; audit."""

from __future__ import annotations

import pytest
from factories import make_organisation, make_user, principal_for, sent_mail, token_in
from sqlmodel import select

from portal_app.errors import NotFound, PortalError
from portal_app.models import AuditEntry, AuthSession, PortalUser, StaffRole
from portal_app.services.access import NotAdmin, staff_scope
from portal_app.services.accounts import invites, sessions
from portal_app.services.console import staff_users as team

IP = "203.0.113.9"


@pytest.fixture
def robin(db, acme):
    """Acme's administrator, signed in."""
    user = make_user(
        db, email="robin@acme.example", name="Robin Reyes", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN
    )
    return principal_for(db, user)


@pytest.fixture
def agent(db, acme):
    user = make_user(
        db, email="jamie@acme.example", name="Jamie Park", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT
    )
    return principal_for(db, user)


def audit(db) -> list[tuple[str, str, str, str, str]]:
    db.expire_all()
    entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(e.action, e.staff_email, e.person_email, e.detail, e.client_ip) for e in entries]


def person(db, email: str) -> PortalUser:
    db.expire_all()
    return db.exec(select(PortalUser).where(PortalUser.email == email)).one()


def listed(db, principal) -> list[tuple[str, str, str, bool]]:
    return [(r.email, r.role_label, r.status, r.is_you) for r in team.staff_users(db, principal)]


def test_the_list_shows_the_organisations_staff_only_with_status_and_last_sign_in(db, acme, bakery, robin, agent):
    make_user(db, email="old@acme.example", staff_organisation_id=acme.id, staff_role="agent", is_active=False)
    make_user(db, email="new@acme.example", password=None, staff_organisation_id=acme.id, staff_role="admin")
    make_user(db, email="bea@bakery.example", customer=bakery)
    make_user(db, email="pat@harbor.example", staff_organisation_id=make_organisation(db, name="Harbor").id)
    assert listed(db, robin) == [
        ("jamie@acme.example", "Agent", "Active", False),
        ("robin@acme.example", "Admin", "Active", True),
        ("new@acme.example", "Admin", "Invite pending", False),
        ("old@acme.example", "Agent", "Deactivated", False),
    ]
    rows = {r.email: r for r in team.staff_users(db, robin)}
    assert rows["robin@acme.example"].last_sign_in != team.NEVER  # signed in by the fixture
    assert rows["new@acme.example"].last_sign_in == team.NEVER
    assert (rows["new@acme.example"].can_resend, rows["robin@acme.example"].can_deactivate) == (True, False)
    assert rows["old@acme.example"].can_reactivate is True


def test_invite_an_agent_who_accepts_on_the_invitation_page_and_becomes_staff(db, acme, robin):
    said = team.invite_staff(db, robin, " Sam@Acme.example ", "Sam Lee", "agent", client_ip=IP)
    assert said == "Invitation sent to sam@acme.example as Agent."
    [mail] = sent_mail()
    assert mail["To"] == "sam@acme.example"
    assert "console" in mail["Subject"]
    body = mail.get_content()
    assert "as a support agent" in body
    token = token_in(body)
    info = invites.check_invite_token(db, token)
    assert (info.email, info.organisation_name, info.for_staff, info.has_password) == (
        "sam@acme.example",
        "Acme Broadband",
        True,
        False,
    )
    assert listed(db, robin)[-1] == ("sam@acme.example", "Agent", "Invite pending", False)

    session_token = invites.accept_and_sign_in(db, token, "a fine long password", "")
    db.commit()
    sam = sessions.resolve(db, session_token)
    scope = staff_scope(db, sam)
    assert (scope.organisation.id, scope.user.staff_role, scope.user.name) == (acme.id, "agent", "Sam Lee")
    assert invites.check_invite_token(db, token) == "This link has already been used. Ask for a new one."
    assert ("sam@acme.example", "Agent", "Active", False) in listed(db, robin)
    assert audit(db) == [("Invited", "robin@acme.example", "sam@acme.example", "Staff: Agent", IP)]


def test_customer_invitations_still_work_beside_staff_ones(db, acme, bakery, robin):
    team.invite_staff(db, robin, "sam@acme.example", "", "admin", client_ip=IP)
    link = invites.invite(db, organisation_slug="acme", customer_id=bakery.id, email="bea@bakery.example")
    info = invites.check_invite_token(db, token_in(link))
    assert (info.customer_name, info.for_staff) == ("Riverside Bakery", False)
    assert [p.email for p in invites.pending_invites(db, "acme")] == ["bea@bakery.example"]


def test_resend_sends_a_new_link_and_the_old_one_stops_working(db, acme, robin):
    team.invite_staff(db, robin, "sam@acme.example", "", "agent", client_ip=IP)
    first = token_in(sent_mail()[0].get_content())
    sam = person(db, "sam@acme.example")
    assert (
        team.resend_staff_invite(db, robin, sam.id, client_ip=IP)
        == "A new invitation link was sent to sam@acme.example."
    )
    second = token_in(sent_mail()[1].get_content())
    assert invites.check_invite_token(db, first) == "This link has expired. Ask for a new one."
    assert invites.check_invite_token(db, second).for_staff is True
    invites.accept_invite(db, second, "a fine long password")
    db.commit()
    with pytest.raises(PortalError, match="already accepted their invitation"):
        team.resend_staff_invite(db, robin, sam.id, client_ip=IP)
    assert [a[0] for a in audit(db)] == ["Invited", "Resent invite"]


@pytest.mark.parametrize(
    ("email", "role", "reason", "field"),
    [
        ("", "agent", "Enter the email address", "email"),
        ("not an email", "agent", "is not a valid email address", "email"),
        ("sam@acme.example", "owner", "Choose a role", "role"),
        ("bea@bakery.example", "agent", "signs in to the customer portal", "email"),
        ("pat@harbor.example", "agent", "staff of another organisation", "email"),
        ("jamie@acme.example", "admin", "already on your team", "email"),
    ],
)
def test_refused_invitations_say_why_and_change_nothing(db, acme, bakery, robin, agent, email, role, reason, field):
    make_user(db, email="bea@bakery.example", customer=bakery)
    make_user(db, email="pat@harbor.example", staff_organisation_id=make_organisation(db, name="Harbor").id)
    with pytest.raises(PortalError, match=reason) as refused:
        team.invite_staff(db, robin, email, "", role, client_ip=IP)
    assert refused.value.field == field
    db.rollback()
    assert person(db, "bea@bakery.example").staff_organisation_id is None
    assert person(db, "jamie@acme.example").staff_role == StaffRole.AGENT
    assert audit(db) == []
    assert sent_mail() == []


def test_roles_change_but_the_last_active_admin_stays_an_admin(db, acme, robin, agent):
    robin_id, jamie_id = robin.user_id, agent.user_id
    with pytest.raises(PortalError, match="only active administrator: make someone else an admin first"):
        team.change_role(db, robin, robin_id, "agent", client_ip=IP)
    db.rollback()
    assert team.change_role(db, robin, jamie_id, "admin", client_ip=IP) == "jamie@acme.example is now an Admin."
    db.commit()
    assert team.change_role(db, robin, jamie_id, "admin", client_ip=IP) == "Nothing changed."
    # With Jamie an admin, Robin may step down; then Jamie is the last one.
    team.change_role(db, robin, robin_id, "agent", client_ip=IP)
    db.commit()
    with pytest.raises(NotAdmin):
        team.change_role(db, robin, jamie_id, "agent", client_ip=IP)
    with pytest.raises(PortalError, match="only active administrator"):
        team.change_role(db, agent, jamie_id, "agent", client_ip=IP)
    db.rollback()
    assert person(db, "jamie@acme.example").staff_role == StaffRole.ADMIN
    assert [(a[0], a[2], a[3]) for a in audit(db)] == [
        ("Changed staff role", "jamie@acme.example", "Agent \u2192 Admin"),
        ("Changed staff role", "robin@acme.example", "Admin \u2192 Agent"),
    ]


def test_an_invited_admin_who_has_not_accepted_does_not_count_as_the_other_admin(db, acme, robin):
    team.invite_staff(db, robin, "sam@acme.example", "", "admin", client_ip=IP)
    with pytest.raises(PortalError, match="only active administrator"):
        team.change_role(db, robin, robin.user_id, "agent", client_ip=IP)


def test_deactivation_ends_sessions_and_links_and_reactivation_lets_them_back(db, acme, robin, agent):
    principal_for(db, person(db, "jamie@acme.example"))  # signed in on a second browser too
    said = team.deactivate_staff(db, robin, agent.user_id, client_ip=IP)
    db.commit()
    assert said == "jamie@acme.example is deactivated: they are signed out and can no longer sign in."
    assert db.exec(select(AuthSession).where(AuthSession.portal_user_id == agent.user_id)).all() == []
    assert person(db, "jamie@acme.example").is_active is False
    assert ("jamie@acme.example", "Agent", "Deactivated", False) in listed(db, robin)
    assert team.deactivate_staff(db, robin, agent.user_id, client_ip=IP) == "jamie@acme.example is already deactivated."

    assert team.reactivate_staff(db, robin, agent.user_id, client_ip=IP).startswith("jamie@acme.example is active")
    db.commit()
    assert person(db, "jamie@acme.example").is_active is True
    assert [(a[0], a[3]) for a in audit(db)] == [("Deactivated", "Staff; 2 session(s) ended"), ("Reactivated", "Staff")]


def test_a_deactivated_invitee_cannot_use_their_link(db, acme, robin):
    team.invite_staff(db, robin, "sam@acme.example", "", "agent", client_ip=IP)
    token = token_in(sent_mail()[0].get_content())
    team.deactivate_staff(db, robin, person(db, "sam@acme.example").id, client_ip=IP)
    db.commit()
    assert invites.check_invite_token(db, token) == "This link has expired. Ask for a new one."
    with pytest.raises(PortalError):
        invites.accept_invite(db, token, "a fine long password")


def test_admins_cannot_deactivate_themselves_nor_the_last_admin(db, acme, robin, agent):
    with pytest.raises(PortalError, match="You cannot deactivate yourself"):
        team.deactivate_staff(db, robin, robin.user_id, client_ip=IP)
    db.rollback()
    sam = principal_for(
        db, make_user(db, email="sam@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    )
    team.deactivate_staff(db, sam, robin.user_id, client_ip=IP)  # two admins: Robin may go
    db.commit()
    with pytest.raises(PortalError, match="You cannot deactivate yourself"):
        team.deactivate_staff(db, sam, sam.user_id, client_ip=IP)
    db.rollback()
    assert person(db, "sam@acme.example").is_active is True
    assert [a[0] for a in audit(db)] == ["Deactivated"]


def test_a_reactivated_admin_counts_again_and_then_is_the_last_one(db, acme, robin):
    lee = make_user(db, email="lee@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    team.deactivate_staff(db, robin, lee.id, client_ip=IP)
    db.commit()
    team.reactivate_staff(db, robin, lee.id, client_ip=IP)
    db.commit()
    lee_signed_in = principal_for(db, person(db, "lee@acme.example"))
    team.change_role(db, lee_signed_in, robin.user_id, "agent", client_ip=IP)
    db.commit()
    with pytest.raises(PortalError, match=r"lee@acme\.example is your organisation's only active administrator"):
        team.change_role(db, lee_signed_in, lee.id, "agent", client_ip=IP)


def test_agents_customers_and_other_organisations_are_refused(db, acme, bakery, robin, agent, bea):
    harbor_admin = principal_for(
        db,
        make_user(
            db,
            email="admin@harbor.example",
            staff_organisation_id=make_organisation(db, name="Harbor").id,
            staff_role=StaffRole.ADMIN,
        ),
    )
    for outsider in (agent, bea):
        with pytest.raises(NotAdmin):
            team.staff_users(db, outsider)
        with pytest.raises(NotAdmin):
            team.invite_staff(db, outsider, "x@acme.example", "", "agent", client_ip=IP)
        with pytest.raises(NotAdmin):
            team.deactivate_staff(db, outsider, robin.user_id, client_ip=IP)
    for action in (team.deactivate_staff, team.reactivate_staff, team.resend_staff_invite):
        with pytest.raises(NotFound):
            action(db, harbor_admin, agent.user_id, client_ip=IP)
    with pytest.raises(NotFound):
        team.change_role(db, harbor_admin, agent.user_id, "admin", client_ip=IP)
    with pytest.raises(NotFound):
        team.change_role(db, robin, bea.user_id, "admin", client_ip=IP)  # a customer is nobody on the team
    assert [r.email for r in team.staff_users(db, harbor_admin)] == ["admin@harbor.example"]
    db.rollback()
    assert person(db, "jamie@acme.example").is_active is True
    assert person(db, "owner@bakery.example").staff_role is None
    assert audit(db) == []
