"""The staff reply and article forms hand their text to the services unchanged: nothing is cut silently.

Text that fits once cleaned (surrounding space trimmed) is stored whole, however much space was sent
around it; text over the limit is refused with the service's message and stores nothing. A payload
that is not a form, or fields that are not text, get a message too.
"""

from __future__ import annotations

import pytest
from factories import make_customer, make_user
from hostile_input import fuzz, hostile_value, json_value
from hypothesis import example, given
from hypothesis import strategies as st
from sqlmodel import select
from test_handler_guards import fresh_state, run

from portal_app.models import Article, Ticket, TicketMessage, TicketStatus
from portal_app.services.accounts import sessions
from portal_app.services.help import admin as help_admin
from portal_app.services.support.tickets import REPLY_MAX
from portal_app.state.staff import StaffThreadState
from portal_app.state.staff_articles import StaffArticleEditorState

SLUG_RULES = (
    "Use only lower-case letters, digits and single hyphens for the web address (at most 120 characters), "
    "for example reset-your-router."
)
VISIBILITY_CHOICE = "Choose who can see the article: Public or Internal."
PADDING = " " * 10  # trimmed by the cleaning: the old cut at limit + 1 counted it and lost the end


def call(state, name: str, *args) -> None:
    run(type(state).event_handlers[name], state, list(args))


@pytest.fixture
def staff_token(db, acme):
    user = make_user(db, email="jamie@acme.example", name="Jamie Park", staff_organisation_id=acme.id)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return token


@pytest.fixture
def ticket_id(db, acme):
    ticket = Ticket(
        customer_id=make_customer(db, acme).id, subject="Slow", description="Since Monday.", status=TicketStatus.OPEN
    )
    db.add(ticket)
    db.commit()
    return ticket.id


def staff_messages(db, ticket_id: int) -> list[str]:
    db.expire_all()
    rows = db.exec(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id, TicketMessage.from_staff))
    return [row.body for row in rows]


def test_a_staff_reply_that_fits_once_trimmed_is_stored_whole(db, staff_token, ticket_id):
    body = PADDING + "x" * (REPLY_MAX - 5) + " more" + PADDING
    state = fresh_state(StaffThreadState, staff_token, ticket_id)
    call(state, "staff_send_reply", {"body": body})
    assert state.error == ""
    assert staff_messages(db, ticket_id) == [body.strip()]


def test_a_staff_reply_over_the_limit_is_refused_not_cut(db, staff_token, ticket_id):
    state = fresh_state(StaffThreadState, staff_token, ticket_id)
    call(state, "staff_send_reply", {"body": " " + "x" * REPLY_MAX + "more"})
    assert state.error == f"Use at most {REPLY_MAX} characters for the reply."
    assert staff_messages(db, ticket_id) == []


@fuzz(20)
@given(form=st.one_of(st.fixed_dictionaries({"body": hostile_value}), json_value))
@example(form=["not", "a", "form"])
@example(form={"body": 5})
def test_a_staff_reply_payload_is_stored_as_cleaned_or_refused_with_a_message(db, staff_token, ticket_id, form):
    state = fresh_state(StaffThreadState, staff_token, ticket_id)
    before = staff_messages(db, ticket_id)
    call(state, "staff_send_reply", form)
    assert bool(state.notice) != bool(state.error.strip())
    stored = staff_messages(db, ticket_id)
    assert stored == before if state.error else len(stored) == len(before) + 1


def editor(token: str) -> StaffArticleEditorState:
    return fresh_state(StaffArticleEditorState, token)


def article_form(**fields: object) -> dict[str, object]:
    return {"title": "Router lights", "body": "Green is fine.", "tags": "", "visibility": "Public", "slug": ""} | fields


def test_article_fields_that_fit_once_trimmed_are_stored_whole(db, staff_token):
    title = PADDING + "t" * (help_admin.TITLE_MAX - 5) + " more"
    body = PADDING + "b" * (help_admin.BODY_MAX - 5) + " more"
    call(editor(staff_token), "save_article", article_form(title=title, body=body))
    row = db.exec(select(Article)).one()
    assert (row.title, row.body_markdown) == (title.strip(), body.strip())


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"title": " " + "t" * help_admin.TITLE_MAX + "more"}, {"title": "Use at most 200 characters for the title."}),
        (
            {"body": " " + "b" * help_admin.BODY_MAX + "more"},
            {"body": "Use at most 20000 characters for the article text."},
        ),
        ({"tags": "t" * (help_admin.TAGS_MAX + 1)}, {"tags": "Use at most 300 characters for the tags."}),
        (
            {"title": ["Router"], "body": 5},
            {"title": "Enter the title as plain text.", "body": "Enter the article text as plain text."},
        ),
        ({"slug": 5, "visibility": ["Public"]}, {"slug": SLUG_RULES, "visibility": VISIBILITY_CHOICE}),
    ],
)
def test_article_fields_over_the_limit_or_not_text_are_refused_with_messages(db, staff_token, fields, problems):
    state = editor(staff_token)
    call(state, "save_article", article_form(**fields))
    assert state.problems == problems and state.error.startswith("The article was not saved")
    assert db.exec(select(Article)).all() == []


def test_an_article_payload_that_is_not_a_form_is_refused_with_a_message(db, staff_token):
    state = editor(staff_token)
    call(state, "save_article", ["not", "a", "form"])
    assert state.problems == {"title": "Give the article a title.", "visibility": VISIBILITY_CHOICE}
    assert db.exec(select(Article)).all() == []
