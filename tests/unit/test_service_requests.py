"""Service requests: a customer asks to change or cancel an active service; it becomes one "Service request" ticket
that the staff inbox can filter on."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from hostile_input import fuzz, hostile_value, is_safe_text, json_value
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import col, select
from support_fixtures import open_ticket, set_status
from test_handler_guards import fresh_state, run

from portal_app.errors import PortalError
from portal_app.models import (
    BillingCycle,
    Organisation,
    Service,
    ServiceAction,
    ServicePlan,
    ServiceRequest,
    Ticket,
    TicketKind,
    TicketStatus,
)
from portal_app.services.accounts import sessions
from portal_app.services.accounts.provisioned import services_page
from portal_app.services.common.pagination import PageRequest
from portal_app.services.support import inbox as staff
from portal_app.services.support.service_requests import REASON_MAX, OpenRequestExists, request_change
from portal_app.state.services import ServicesState


def _service(db, customer, name="Fibre 500", **fields) -> Service:
    service = Service(customer_id=customer.id, name=name, **fields)
    db.add(service)
    db.commit()
    return service


def _plan(db, organisation, name, price=7_900, **fields) -> ServicePlan:
    plan = ServicePlan(organisation_id=organisation.id, name=name, price_minor=price, currency="USD", **fields)
    db.add(plan)
    db.commit()
    return plan


@pytest.fixture
def fibre(db, bakery):
    return _service(
        db,
        bakery,
        price_minor=5_900,
        currency="USD",
        billing_cycle=BillingCycle.MONTHLY,
        next_bill_on=date(2026, 12, 1),
    )


@pytest.fixture
def plans(db, acme):
    return {name: _plan(db, acme, name, price) for name, price in (("Fibre 500", 5_900), ("Fibre 1000", 7_900))}


@pytest.fixture
def signed_in_bakery(db, acme, plans):
    """An active service of a customer with a signed-in person's session token (for the page's state)."""
    customer = make_customer(db, acme, name="Hill Farm")
    service = _service(db, customer, name="Fibre 500")
    user = make_user(db, email="farmer@example.com", customer=customer)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return service, token


def _ask(db, principal, service_id, action="Upgrade", plan_id: object = "", reason="Working from home now."):
    status = request_change(db, principal, service_id, action=action, plan_id=plan_id, reason=reason)
    db.commit()
    return status


def _counts(db) -> tuple[int, int]:
    return (
        db.exec(select(func.count()).select_from(Ticket)).one(),
        db.exec(select(func.count()).select_from(ServiceRequest)).one(),
    )


def test_an_upgrade_becomes_one_service_request_ticket_that_states_the_fields(db, bea, fibre, plans):
    status = _ask(db, bea, fibre.id, plan_id=str(plans["Fibre 1000"].id))

    ticket = db.exec(select(Ticket)).one()
    request = db.exec(select(ServiceRequest)).one()
    assert (ticket.kind, ticket.status, ticket.subject) == (
        TicketKind.SERVICE_REQUEST,
        TicketStatus.OPEN,
        "Upgrade Fibre 500 to Fibre 1000",
    )
    assert ticket.description == (
        "Service: Fibre 500 ($59.00 / month)\n"
        "Request: upgrade to the plan Fibre 1000 ($79.00 / month).\n"
        "Reason: Working from home now."
    )
    assert (request.ticket_id, request.service_id, request.action, request.plan_id) == (
        ticket.id,
        fibre.id,
        ServiceAction.UPGRADE,
        plans["Fibre 1000"].id,
    )
    assert (status.summary, status.status, status.href) == (
        "Upgrade to Fibre 1000",
        "Open",
        f"/portal/support/{ticket.id}",
    )


def test_the_services_page_shows_price_cycle_next_bill_date_and_the_request(db, bea, fibre, plans):
    page = services_page(db, bea)
    (card,) = page.services
    assert (card.price, card.next_bill, card.can_request, card.request_summary) == (
        "$59.00 / month",
        "Dec 1, 2026",
        True,
        "",
    )
    assert [plan.label for plan in page.plans] == ["Fibre 1000 · $79.00 / month", "Fibre 500 · $59.00 / month"]

    status = _ask(db, bea, fibre.id, plan_id=str(plans["Fibre 1000"].id))
    (card,) = services_page(db, bea).services
    assert (card.request_summary, card.request_status, card.request_ticket, card.can_request) == (
        "Upgrade to Fibre 1000",
        "Open",
        status.ticket_id,
        False,
    )


def test_cancelling_takes_effect_on_the_next_bill_date(db, bea, fibre):
    status = _ask(db, bea, fibre.id, action="Cancel", reason="Moving abroad.")

    request = db.exec(select(ServiceRequest)).one()
    assert (request.action, request.plan_id, request.effective_on) == (ServiceAction.CANCEL, None, date(2026, 12, 1))
    assert "cancel the service at the end of the period, on Dec 1, 2026." in db.exec(select(Ticket)).one().description
    assert status.summary == "Cancel on Dec 1, 2026"


def test_cancelling_without_a_next_bill_date_takes_effect_at_the_end_of_the_period(db, bea, bakery):
    unbilled = _service(db, bakery, name="Static IP")
    status = _ask(db, bea, unbilled.id, action="Cancel", reason="Not needed.")

    assert db.exec(select(ServiceRequest)).one().effective_on is None
    assert "Request: cancel the service at the end of the period.\n" in db.exec(select(Ticket)).one().description
    assert status.summary == "Cancel at the end of the period"


def test_a_second_request_is_refused_while_one_is_open_and_allowed_once_it_is_resolved(db, bea, fibre, plans):
    first = _ask(db, bea, fibre.id, action="Cancel")

    with pytest.raises(
        OpenRequestExists, match=f"already has an open request \\(ticket #{first.ticket_id}\\)"
    ) as refusal:
        _ask(db, bea, fibre.id, plan_id=str(plans["Fibre 1000"].id))
    assert refusal.value.href == f"/portal/support/{first.ticket_id}"
    db.rollback()
    assert _counts(db) == (1, 1)

    set_status(db, first.ticket_id, TicketStatus.RESOLVED)
    second = _ask(db, bea, fibre.id, plan_id=str(plans["Fibre 1000"].id))
    assert second.ticket_id != first.ticket_id
    assert _counts(db) == (2, 2)


def test_another_customers_service_is_refused(db, bea, acme, plans):
    neighbour = make_customer(db, acme, name="Corner Shop")
    theirs = _service(db, neighbour)

    with pytest.raises(PortalError, match="not found on your account"):
        _ask(db, bea, theirs.id, plan_id=str(plans["Fibre 1000"].id))
    for nonsense in (0, -1, "1", None, True, 2**70):
        with pytest.raises(PortalError, match="not found on your account"):
            _ask(db, bea, nonsense, action="Cancel")
    assert _counts(db) == (0, 0)


def test_an_inactive_service_is_refused(db, bea, bakery, plans):
    old = _service(db, bakery, name="Voice line", is_active=False)

    with pytest.raises(PortalError, match="Voice line is not active"):
        _ask(db, bea, old.id, action="Cancel")
    assert _counts(db) == (0, 0)


def test_plans_of_another_organisation_inactive_plans_and_the_current_plan_are_refused(db, bea, fibre, plans):
    rival = make_organisation(db, name="Rival Net")
    elsewhere = _plan(db, rival, "Fibre 2000")
    retired = _plan(db, db.get(Organisation, plans["Fibre 500"].organisation_id), "Fibre 100", is_active=False)

    for plan_id in (elsewhere.id, str(elsewhere.id), str(retired.id), "", "abc", None):
        with pytest.raises(PortalError, match="Choose one of the plans offered") as refusal:
            _ask(db, bea, fibre.id, plan_id=plan_id)
        assert refusal.value.field == "plan_id"
    with pytest.raises(PortalError, match="already on Fibre 500") as refusal:
        _ask(db, bea, fibre.id, action="Downgrade", plan_id=str(plans["Fibre 500"].id))
    assert _counts(db) == (0, 0)


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Tell us why"), ("   \n ", "Tell us why"), ("x" * (REASON_MAX + 1), f"at most {REASON_MAX} characters")],
)
def test_an_empty_or_oversize_reason_is_refused_at_the_field(db, bea, fibre, reason, message):
    with pytest.raises(PortalError, match=message) as refusal:
        _ask(db, bea, fibre.id, action="Cancel", reason=reason)
    assert refusal.value.field == "reason"
    assert _counts(db) == (0, 0)


def test_an_unknown_action_is_refused(db, bea, fibre):
    with pytest.raises(PortalError, match="Upgrade, Downgrade or Cancel") as refusal:
        _ask(db, bea, fibre.id, action="Delete")
    assert refusal.value.field == "action"


def test_a_signed_in_person_without_a_customer_is_refused(db, fibre):
    nobody = principal_for(db, make_user(db, email="nobody@example.com"))
    with pytest.raises(PortalError, match="not linked"):
        _ask(db, nobody, fibre.id, action="Cancel")


def test_the_inbox_filter_lists_only_service_requests_and_shows_the_kind(db, jamie, bea, fibre):
    support_id = open_ticket(db, bea, subject="Slow at night")
    request = _ask(db, bea, fibre.id, action="Cancel")

    def listed(kind: str) -> dict[int, str]:
        return {row.id: row.kind for row in staff.inbox(db, jamie, kind=kind, request=PageRequest())[0]}

    assert listed("Service request") == {request.ticket_id: "Service request"}
    assert listed("Support") == {support_id: "Support"}
    assert listed("") == {request.ticket_id: "Service request", support_id: "Support"}
    page = staff.inbox_page(db, jamie, "Open", "", PageRequest(), kind="Service request")
    assert [row.id for row in page.rows] == [request.ticket_id]


@fuzz(30)
@given(
    form=st.one_of(
        st.fixed_dictionaries(
            {
                "action": st.one_of(st.sampled_from(["Upgrade", "Downgrade", "Cancel"]), hostile_value),
                "plan_id": hostile_value,
                "reason": hostile_value,
            }
        ),
        json_value,
    )
)
@example(form={"action": "Cancel", "plan_id": "", "reason": "Moving abroad."})
def test_the_change_form_shows_a_message_for_any_payload(db, signed_in_bakery, form):
    service, token = signed_in_bakery
    state = fresh_state(ServicesState, token)
    run(ServicesState.event_handlers["load_services"], state, [])
    run(ServicesState.event_handlers["start_change"], state, [service.id])
    before = _counts(db)
    run(ServicesState.event_handlers["send_change"], state, [form])

    shown = " ".join([state.error, *state.field_errors.values()]).strip()
    assert bool(state.notice) != bool(shown)
    if shown:
        assert _counts(db) == before
    else:
        ticket = db.exec(select(Ticket).order_by(col(Ticket.id).desc())).first()
        assert state.notice.startswith(f"Your request was sent as ticket #{ticket.id}")
        assert is_safe_text(ticket.description, 5000, multi_line=True)
