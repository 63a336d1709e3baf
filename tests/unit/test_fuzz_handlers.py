"""Property-based tests: hostile payloads at the ticket, reply, rating, search and profile-name event handlers.

A client can call any handler by name with any JSON, so the form may be a dict of hostile text or no dict
at all. The handler never raises: a refusal sets the page's error message (non-empty, what the page shows
in its error callout) or the message at the field it is about, and changes no row; an accepted submission sets
the notice and stores safe text.

Examples per property (derandomized, hostile_input.FUZZ): new ticket 40, reply 40, rating 30,
subject suggestions 40, help search 60, profile name 30.
"""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import pytest
from factories import make_customer, make_organisation, make_user
from hostile_input import fuzz, hostile_text, hostile_value, is_safe_text, json_value
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select
from test_handler_guards import fresh_state, run

from portal_app.models import PortalUser, Ticket, TicketMessage, TicketStatus
from portal_app.services.accounts import sessions
from portal_app.services.support import tickets
from portal_app.state.help import HelpState
from portal_app.state.profile import ProfileState
from portal_app.state.support import SupportState, ThreadState, route_ticket_id

priorities = st.one_of(st.sampled_from(tickets.PRIORITIES), hostile_value)


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def call(state, name: str, *args) -> None:
    run(type(state).event_handlers[name], state, list(args))


@pytest.fixture
def signed_in(db):
    """The customer and a session token of one of their people."""
    customer = make_customer(db, make_organisation(db, name="Northwind Fiber"), name="Riverside Bakery")
    user = make_user(db, email="alex@example.com", name="Alex Baker", customer=customer)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return customer, user, token


def new_ticket(db, customer, status) -> int:
    ticket = Ticket(customer_id=customer.id, subject="Slow internet", description="Since Monday.", status=status)
    db.add(ticket)
    db.commit()
    return ticket.id


def refusal(state, form_message: str = "error") -> str:
    """The refusal the page shows: the form's own message, or the messages at its fields (state.field_errors)."""
    return " ".join([getattr(state, form_message), *state.field_errors.values()]).strip()


def outcome_is_shown(state) -> bool:
    """Exactly one of the notice and a refusal is shown, and it is a real sentence."""
    return bool(state.notice.strip()) != bool(refusal(state))


forms = st.one_of(
    st.fixed_dictionaries(
        {"subject": hostile_value, "description": hostile_value, "priority": priorities},
        optional={"submission_key": hostile_value},
    ),
    json_value,
)


@fuzz(40)
@given(form=forms)
def test_new_ticket_form_shows_a_message_for_any_payload(db, signed_in, form):
    customer, _user, token = signed_in
    state = fresh_state(SupportState, token)
    call(state, "load_support")
    if isinstance(form, dict):
        form = {"submission_key": state.form_key} | form
    before = count(db, Ticket)
    call(state, "submit_ticket", form)
    assert outcome_is_shown(state)
    if refusal(state):
        assert count(db, Ticket) == before
        return
    assert state.notice.startswith("Ticket #")
    newest = db.exec(select(Ticket).where(Ticket.customer_id == customer.id).order_by(Ticket.id.desc())).first()
    assert is_safe_text(newest.subject, tickets.SUBJECT_MAX, multi_line=False)
    assert is_safe_text(newest.description, tickets.DESCRIPTION_MAX, multi_line=True)
    assert state.tickets[0].subject == newest.subject


@fuzz(40)
@given(form=st.one_of(st.fixed_dictionaries({"body": hostile_value}), json_value))
def test_reply_form_shows_a_message_for_any_payload(db, signed_in, form):
    customer, _user, token = signed_in
    ticket_id = new_ticket(db, customer, TicketStatus.AWAITING_CUSTOMER)
    state = fresh_state(ThreadState, token, ticket_id)
    before = count(db, TicketMessage)
    call(state, "send_reply", form)
    assert outcome_is_shown(state)
    if refusal(state):
        assert count(db, TicketMessage) == before
        return
    assert [m.body for m in state.thread.messages] == [tickets.clean_text(form["body"])]
    assert is_safe_text(state.thread.messages[-1].body, tickets.REPLY_MAX, multi_line=True)


ratings = st.one_of(st.sampled_from(["1", "5", "0", "6", "²", "٣", " 4", "4.0"]), hostile_value)


@fuzz(30)
@given(form=st.one_of(st.fixed_dictionaries({"rating": ratings, "comment": hostile_value}), json_value))
@example(form={"rating": "²", "comment": ""})  # "²".isdigit() but int("²") raised ValueError
@example(form=["not", "a", "form"])
def test_rating_form_shows_a_message_for_any_payload(db, signed_in, form):
    customer, _user, token = signed_in
    ticket_id = new_ticket(db, customer, TicketStatus.RESOLVED)
    state = fresh_state(ThreadState, token, ticket_id)
    call(state, "rate", form)
    assert outcome_is_shown(state)
    db.expire_all()
    ticket = db.get(Ticket, ticket_id)
    if refusal(state):
        assert ticket.rating is None
        return
    assert str(ticket.rating) == form["rating"] and state.thread.rating == ticket.rating
    assert is_safe_text(ticket.rating_comment, tickets.COMMENT_MAX, multi_line=True)


@fuzz(40)
@given(subject=hostile_value)
def test_subject_suggestions_take_any_payload(db, signed_in, subject):
    _customer, _user, token = signed_in
    state = fresh_state(SupportState, token)
    call(state, "suggest", subject)
    assert state.suggestions == []  # this provider has no articles: nothing to suggest, nothing raised


@fuzz(60)
@given(form=st.one_of(st.fixed_dictionaries({"q": hostile_value}), json_value))
def test_help_search_form_takes_any_payload(db, signed_in, form):
    _customer, _user, token = signed_in
    state = fresh_state(HelpState, token)
    redirect = asyncio.run(HelpState.event_handlers["search"].fn(state, form))
    path = dict((name._js_expr, value._var_value) for name, value in redirect.args)["path"]
    assert path.isascii() and path.startswith("/portal/help")
    assert "\\" not in path and "//" not in path


@fuzz(30)
@given(name=hostile_text)
def test_profile_name_form_shows_a_message_for_any_text(db, signed_in, name):
    _customer, user, token = signed_in
    state = fresh_state(ProfileState, token)
    before = db.get(PortalUser, user.id).name
    call(state, "save_name", {"name": name})
    assert bool(state.name_notice) != bool(refusal(state, "name_error"))
    db.expire_all()
    stored = db.get(PortalUser, user.id).name
    if refusal(state, "name_error"):
        assert stored == before
    else:
        assert is_safe_text(stored, 120, multi_line=False)


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), ("²", 0), ("١٢", 0), ("0012", 12), ("9" * 10, 0), ("", 0)])
def test_ticket_page_takes_only_ascii_digits_from_the_url(raw, expected):
    page = SimpleNamespace(router=SimpleNamespace(page=SimpleNamespace(params={"ticket_id": raw})))
    assert route_ticket_id(page) == expected


@pytest.mark.parametrize(
    ("route", "state_var"),
    [("/portal/support", "support_state.error"), ("/portal/support/[ticket_id]", "thread_state.error")],
)
def test_the_error_a_handler_sets_is_shown_in_an_alert_on_the_page(route, state_var):
    import portal_app.portal_app  # noqa: F401  (registers every page)
    from portal_app.pages.registry import PAGES

    [page] = [p for p in PAGES if p.route == route]
    alert_text = r'role:"alert"\},.{0,200}?RadixThemesCallout\.Text,\{\},\w+'
    assert re.search(alert_text + re.escape(state_var) + "_rx_state_", str(page.component()))
