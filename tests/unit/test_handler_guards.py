"""Every public event handler checks the server-side session: a client can call any by name.

The handler list comes from the app itself, so a new handler without a guard (or without an
entry in PUBLIC_HANDLERS) fails this test.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from factories import make_customer, make_organisation, make_user
from reflex.state import State
from sqlalchemy import func
from sqlmodel import SQLModel, select

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from portal_app.models import Customer, Invoice, Organisation, Service, StaffRole, Ticket
from portal_app.services.accounts import sessions
from portal_app.state.session import SessionCookies, SessionState

SECRET_NAME = "Alex Secret-Customer"
SECRET_EMAIL = "alex.secret@example.com"
SECRET_SUBJECT = "Secret ticket"
# Handlers a signed-out visitor may call by design; each checks its own input.
PUBLIC_HANDLERS = {
    "LoginState.load_login",
    "LoginState.sign_in",
    "LoginState.finish_sign_in",  # needs the server-side pending sign-in: tests/unit/test_login_second_step.py
    "LoginState.restart_sign_in",
    "SessionState.sign_out",
    "ForgotPasswordState.load_forgot",
    "ForgotPasswordState.request_link",
    "ResetPasswordState.load_reset",
    "ResetPasswordState.set_password",
    "AcceptInviteState.load_invite",
    "AcceptInviteState.accept",
    "ConfirmEmailState.load_confirm",
    "UndoEmailState.load_undo",
    # The load benchmark's floor (bench/load.py): bumps its own counter, reads nothing else.
    "FloorState.ping",
}


def all_states(cls: type[SessionState] = SessionState) -> list[type[SessionState]]:
    found = [cls]
    for sub in cls.get_substates():
        found.extend(all_states(sub))
    return found


def handlers() -> list[tuple[type[SessionState], str]]:
    """Every public handler, in a stable order (parallel test workers must collect the same list)."""
    found = {
        (state, name)
        for state in all_states()
        for name in state.event_handlers
        if name != "setvar" and name in vars(state)
    }
    return sorted(found, key=lambda pair: (pair[0].__module__, pair[0].__name__, pair[1]))


def dummy_args(fn: Any, target_id: int) -> list[Any]:
    args = []
    for param in list(inspect.signature(fn).parameters.values())[1:]:
        annotation = str(param.annotation)
        if "dict" in annotation:
            args.append({"email": SECRET_EMAIL, "password": "x", "id": str(target_id)})
        elif "int" in annotation:
            args.append(target_id)
        else:
            args.append(str(target_id))
    return args


async def _drain(events: Any) -> None:
    async for _ in events:
        pass


def run(handler: Any, state: SessionState, args: list[Any]) -> None:
    result = handler.fn(state, *args)
    if inspect.isawaitable(result):
        asyncio.run(result)
    elif inspect.isasyncgen(result):
        asyncio.run(_drain(result))
    elif inspect.isgenerator(result):
        list(result)


def leaked(state: SessionState) -> list[str]:
    values = {name: getattr(state, name) for name in state.base_vars}
    return [
        name
        for name, value in values.items()
        if any(s in str(value) for s in (SECRET_NAME, SECRET_EMAIL, SECRET_SUBJECT))
    ]


def row_counts(db) -> dict[str, int]:
    return {
        table: db.exec(select(func.count()).select_from(SQLModel.metadata.tables[table])).one()
        for table in (
            "invoice",
            "payment",
            "service",
            "ticket",
            "ticketmessage",
            "membership",
            "portaluser",
            "customer",
            "auditentry",
        )
    }


@pytest.fixture
def victim(db):
    org = make_organisation(db, name="Northwind Fiber")
    customer = make_customer(db, org, name=SECRET_NAME, email=SECRET_EMAIL, phone="555-0100")
    db.add(Service(customer_id=customer.id, name="Secret service"))
    db.add(Ticket(customer_id=customer.id, subject=SECRET_SUBJECT, description="x"))
    db.commit()
    make_user(db, email=SECRET_EMAIL, customer=customer)
    return customer


def victim_ticket_id(db, victim) -> int:
    return db.exec(select(Ticket.id).where(Ticket.customer_id == victim.id)).one()


def cookies_of(state: State) -> SessionCookies:
    """The session cookies of the tab `state` belongs to (a state built with its whole tree)."""
    return state._get_root_state().get_substate(SessionCookies.get_full_name().split(".")[1:])


def fresh_state(state_cls: type[SessionState], token: str = "", target_id: int = 0) -> SessionState:
    """A state as a new tab has it, except that backend-only ids (`_ticket_id`...) point at the target."""
    root = State(_reflex_internal_init=True)
    state = root.get_substate(state_cls.get_full_name().split(".")[1:])
    cookies_of(state).browser_token = token
    for name in type(state).__fields__:
        if name.startswith("_") and name.endswith("_id") and isinstance(getattr(state, name), int):
            setattr(state, name, target_id)
    return state


@pytest.mark.parametrize(("state_cls", "name"), handlers(), ids=lambda v: getattr(v, "__name__", v))
def test_signed_out_caller_gets_nothing_and_changes_nothing(db, victim, state_cls, name):
    if f"{state_cls.__name__}.{name}" in PUBLIC_HANDLERS:
        pytest.skip("public by design; covered by its own tests")
    before = row_counts(db)
    state = fresh_state(state_cls, target_id=victim_ticket_id(db, victim))
    run(state_cls.event_handlers[name], state, dummy_args(state_cls.event_handlers[name].fn, victim.id))
    assert leaked(state) == []
    assert row_counts(db) == before


def intruder_token(db, victim, kind: str) -> str:
    """A signed-in person who must not reach the victim's records."""
    victims_org = db.get(Organisation, victim.organisation_id)
    other_org = make_organisation(db, name="Harbor Web Studio")
    if kind == "same-organisation customer":
        neighbour = make_customer(db, victims_org, name="Neighbour")
        intruder = make_user(db, email="intruder@example.com", customer=neighbour)
    elif kind == "other-organisation customer":
        intruder = make_user(db, email="intruder@example.com", customer=make_customer(db, other_org, name="Intruder"))
    else:  # staff of another provider, also a customer there
        intruder = make_user(
            db,
            email="intruder@example.com",
            customer=make_customer(db, other_org, name="Intruder"),
            staff_organisation_id=other_org.id,
        )
    token = sessions.open_session(db, intruder.id, remember=False)
    db.commit()
    return token


INTRUDERS = ["same-organisation customer", "other-organisation customer", "other-organisation staff"]


@pytest.mark.parametrize("kind", INTRUDERS)
@pytest.mark.parametrize(("state_cls", "name"), handlers(), ids=lambda v: getattr(v, "__name__", v))
def test_another_signed_in_person_gets_nothing_of_the_victim(db, victim, state_cls, name, kind):
    token = intruder_token(db, victim, kind)
    before = row_counts(db)
    state = fresh_state(state_cls, token, victim_ticket_id(db, victim))
    run(state_cls.event_handlers[name], state, dummy_args(state_cls.event_handlers[name].fn, victim.id))
    assert leaked(state) == []
    assert row_counts(db) == before
    invoices_of_victim = db.exec(select(func.count()).where(Invoice.customer_id == victim.id)).one()
    assert invoices_of_victim == 0


def test_the_guard_test_sees_the_handlers():
    names = {f"{s.__name__}.{n}" for s, n in handlers()}
    assert {"OverviewState.load_overview", "SessionState.switch_organisation"} <= names


# The console's administrator handlers: their states call `_as_admin`. Agents are staff of the victim's own
# organisation, so these are the handlers they must not reach (tickets and articles they may).
ADMIN_HANDLERS = [(state, name) for state, name in handlers() if "_as_admin(" in inspect.getsource(state)]


def same_organisation_staff(db, victim, role: StaffRole | None) -> str:
    staff = make_user(db, email="colleague@example.com", staff_organisation_id=victim.organisation_id, staff_role=role)
    token = sessions.open_session(db, staff.id, remember=False)
    db.commit()
    return token


def test_the_admin_handlers_are_found():
    names = {f"{s.__name__}.{n}" for s, n in ADMIN_HANDLERS}
    assert {"StaffCustomerState.delete_customer", "StaffPaymentSettingsState.save_switches"} <= names


@pytest.mark.parametrize("role", [StaffRole.AGENT, None], ids=["agent", "staff without a role"])
@pytest.mark.parametrize(("state_cls", "name"), ADMIN_HANDLERS, ids=lambda v: getattr(v, "__name__", v))
def test_an_agent_of_the_same_organisation_gets_nothing_from_admin_handlers(db, victim, state_cls, name, role):
    token = same_organisation_staff(db, victim, role)
    before = row_counts(db)
    state = fresh_state(state_cls, token, victim.id)
    run(state_cls.event_handlers[name], state, dummy_args(state_cls.event_handlers[name].fn, victim.id))
    assert leaked(state) == []
    assert row_counts(db) == before
    db.expire_all()
    assert db.get(Customer, victim.id).online_payments_allowed is True
    assert db.get(Organisation, victim.organisation_id).online_payments_enabled is False


def test_the_same_check_sees_what_an_admin_of_the_organisation_is_shown(db, victim):
    """The agent test above can fail: the organisation's admin does see the victim on the customers list."""
    from portal_app.state.staff_customers import StaffCustomersState

    token = same_organisation_staff(db, victim, StaffRole.ADMIN)
    state = fresh_state(StaffCustomersState, token, victim.id)
    run(StaffCustomersState.event_handlers["load_customers"], state, [])
    assert leaked(state) == ["rows"]
