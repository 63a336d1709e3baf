"""Customer tickets: validation, one ticket per submission, scoping, replies, closing and rating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_customer, make_organisation, make_user, principal_for, run_concurrently
from sqlmodel import Session, select
from support_fixtures import open_ticket, set_status

from portal_app import db as portal_db
from portal_app.errors import NotFound
from portal_app.models import Membership, Ticket, TicketMessage, TicketStatus
from portal_app.models.base import utcnow
from portal_app.services.access import NotLinked
from portal_app.services.accounts import sessions
from portal_app.services.common.pagination import PageRequest
from portal_app.services.support import tickets
from portal_app.services.support.tickets import TicketInputError

# --- opening ---------------------------------------------------------------------------------------


def test_opened_ticket_is_an_open_portal_ticket_at_the_top_of_the_list(db, bea, bakery):
    older = open_ticket(db, bea, subject="Older one")
    ticket_id = open_ticket(db, bea, subject="  Router lights blinking red  ", priority="High", key="k1")

    ticket = db.get(Ticket, ticket_id)
    assert (ticket.customer_id, ticket.status, ticket.source, ticket.priority) == (
        bakery.id,
        TicketStatus.OPEN,
        "Portal",
        "High",
    )
    recent = tickets.recent_tickets(db, bea)
    assert [t.id for t in recent] == [ticket_id, older]
    assert recent[0].subject == "Router lights blinking red"
    assert (recent[0].status, recent[0].priority) == ("Open", "High")
    assert recent[0].href == f"/portal/support/{ticket_id}"


def test_sending_the_form_answers_with_the_new_ticket_and_the_recent_list(db, bea):
    older = open_ticket(db, bea, subject="Older one")

    ticket_id, recent = tickets.send_ticket(
        db, bea, subject="No dial tone", description="Since noon.", priority="Low", submission_key="form-9"
    )

    assert [t.id for t in recent] == [ticket_id, older]
    assert tickets.send_ticket(
        db, bea, subject="Again", description="Again.", priority="Low", submission_key="form-9"
    ) == (ticket_id, recent)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject": "   "}, "Enter a subject."),
        ({"subject": "x" * 121}, "Use at most 120 characters for the subject."),
        ({"description": "\n\t \n"}, "Describe the issue."),
        ({"description": "x" * 5001}, "Use at most 5000 characters for the description."),
        ({"priority": "Urgent"}, "Choose a priority: Low, Medium or High."),
        ({"priority": ""}, "Choose a priority: Low, Medium or High."),
        ({"subject": "\x00\x01\x7f"}, "Enter a subject."),
    ],
)
def test_invalid_tickets_are_refused_with_a_clear_message_and_create_nothing(db, bea, fields, message):
    values = {"subject": "Slow", "description": "Since Monday.", "priority": "Low", **fields}

    with pytest.raises(TicketInputError) as refused:
        tickets.open_ticket(db, bea, submission_key="k", **values)

    assert refused.value.message == message
    assert db.exec(select(Ticket)).all() == []


def test_limits_count_characters_after_cleaning(db, bea):
    ticket_id = open_ticket(db, bea, subject="é" * 120 + "\x00", description="ü" * 5000)

    ticket = db.get(Ticket, ticket_id)
    assert len(ticket.subject) == 120
    assert len(ticket.description) == 5000


def test_control_characters_are_removed_and_line_breaks_kept(db, bea):
    ticket_id = open_ticket(
        db,
        bea,
        subject="Wi\x00-Fi\tdown\r\nagain\u202e",
        description="Line one\r\nLine\x1b[31m two\x00\n\n\tindented\rlast\x07 <b>bold</b>",
    )

    ticket = db.get(Ticket, ticket_id)
    assert ticket.subject == "Wi-Fi down again"
    assert ticket.description == "Line one\nLine[31m two\n\n\tindented\nlast <b>bold</b>"


def test_same_submission_key_returns_the_first_ticket(db, bea):
    first = open_ticket(db, bea, key="form-1")
    again = open_ticket(db, bea, subject="Different text", key="form-1")
    other = open_ticket(db, bea, key="form-2")

    assert again == first
    assert other != first
    assert len(db.exec(select(Ticket)).all()) == 2


def test_submission_keys_are_per_customer(db, bea, acme):
    other = principal_for(db, make_user(db, customer=make_customer(db, acme, name="Other")))

    assert open_ticket(db, bea, key="same") != open_ticket(db, other, key="same")


def test_insert_race_on_the_same_key_returns_the_winner(db, bea, monkeypatch):
    """The other request commits between our lookup and our insert: the unique constraint decides."""
    winner = open_ticket(db, bea, key="race")
    real_lookup = tickets._ticket_with_key
    calls = []

    def lookup_missing_the_first_time(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_lookup(*args)

    monkeypatch.setattr(tickets, "_ticket_with_key", lookup_missing_the_first_time)

    assert open_ticket(db, bea, key="race") == winner
    assert len(calls) == 2
    assert len(db.exec(select(Ticket)).all()) == 1


def test_double_submit_from_two_sessions_creates_one_ticket(db, bea):
    def submit():
        with Session(portal_db.engine(), expire_on_commit=False) as session:
            return open_ticket(session, bea, key="double-click")

    results = run_concurrently(submit, submit, submit)

    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert len(db.exec(select(Ticket)).all()) == 1


def test_bad_submission_key_is_refused(db, bea):
    with pytest.raises(TicketInputError, match="Reload the page"):
        tickets.open_ticket(db, bea, subject="s", description="d", priority="Low", submission_key="k" * 65)


def test_unlinked_person_cannot_open_tickets(db):
    nobody = principal_for(db, make_user(db))

    with pytest.raises(NotLinked):
        open_ticket(db, nobody)


# --- lists -----------------------------------------------------------------------------------------


def test_preview_is_one_short_line(db, bea):
    open_ticket(db, bea, description="First line\nsecond line " + "word " * 60)

    preview = tickets.recent_tickets(db, bea)[0].preview
    assert preview.startswith("First line second line word")
    assert len(preview) <= tickets.PREVIEW_LENGTH
    assert preview.endswith("…")


def test_ticket_pages_are_newest_first_and_only_the_customers(db, bea, acme):
    other = principal_for(db, make_user(db, customer=make_customer(db, acme, name="Other")))
    open_ticket(db, other, subject="Not yours")
    ids = [open_ticket(db, bea, subject=f"Ticket {n}") for n in range(12)]
    base = utcnow() - timedelta(days=1)
    for n, ticket_id in enumerate(ids):  # same-second inserts: give each its own creation time
        ticket = db.get(Ticket, ticket_id)
        ticket.created_at = base + timedelta(minutes=n)
        db.add(ticket)
    db.commit()

    first, info = tickets.ticket_page(db, bea, PageRequest(1, 10))
    second, _ = tickets.ticket_page(db, bea, PageRequest(2, 10))
    beyond, beyond_info = tickets.ticket_page(db, bea, PageRequest(9, 10))

    assert info.total_rows == 12
    assert [t.id for t in first + second] == ids[::-1]
    assert [t.id for t in beyond] == [t.id for t in second]
    assert beyond_info.number == 2
    assert len(tickets.recent_tickets(db, bea, limit=3)) == 3


def test_dates_follow_the_customers_locale(db, acme):
    german = principal_for(db, make_user(db, customer=make_customer(db, acme, locale="de_DE")))
    ticket_id = open_ticket(db, german)
    ticket = db.get(Ticket, ticket_id)
    ticket.created_at = ticket.created_at.replace(year=2026, month=3, day=5, hour=14, minute=7)
    db.add(ticket)
    db.commit()

    assert tickets.recent_tickets(db, german)[0].created == "05.03.2026, 14:07"


# --- thread and scoping ----------------------------------------------------------------------------


def test_thread_shows_description_and_messages_in_order(db, bea):
    ticket_id = open_ticket(db, bea, description="Line 1\nLine 2")
    tickets.reply(db, bea, ticket_id, "First reply")
    db.add(TicketMessage(ticket_id=ticket_id, from_staff=True, author_name="Jo (Acme)", body="Staff answer"))
    db.commit()
    tickets.reply(db, bea, ticket_id, "<script>alert(1)</script>")
    db.commit()

    thread = tickets.ticket_thread(db, bea, ticket_id)

    assert thread.description == "Line 1\nLine 2"
    assert [(m.from_staff, m.author, m.body) for m in thread.messages] == [
        (False, "Bea Baker", "First reply"),
        (True, "Jo (Acme)", "Staff answer"),
        (False, "Bea Baker", "<script>alert(1)</script>"),
    ]
    assert (thread.can_reply, thread.can_close, thread.can_rate) == (True, True, False)
    assert (thread.customer, thread.customer_email) == ("Riverside Bakery", "")  # the email is for staff


def test_actions_answer_with_the_fresh_thread_and_the_page_gets_none_for_a_missing_ticket(db, bea):
    ticket_id = open_ticket(db, bea)

    replied = tickets.reply(db, bea, ticket_id, "Still slow")
    closed = tickets.close_ticket(db, bea, ticket_id)

    assert [m.body for m in replied.messages] == ["Still slow"]
    assert (closed.status, closed.can_close, closed.can_reply, closed.reopens) == ("Closed", False, True, True)
    assert tickets.thread_page(db, bea, ticket_id) == closed
    assert tickets.thread_page(db, bea, 999_999) is None


@pytest.mark.parametrize(
    "action",
    [
        tickets.ticket_thread,
        lambda db, p, t: tickets.reply(db, p, t, "Hello"),
        tickets.close_ticket,
        lambda db, p, t: tickets.rate_ticket(db, p, t, 5),
    ],
    ids=["thread", "reply", "close", "rate"],
)
def test_another_customers_ticket_is_not_found(db, bea, acme, action):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.RESOLVED)
    neighbour = principal_for(db, make_user(db, customer=make_customer(db, acme, name="Neighbour")))
    elsewhere = principal_for(db, make_user(db, customer=make_customer(db, name="Other org")))

    for intruder in (neighbour, elsewhere):
        with pytest.raises(NotFound, match="not found"):
            action(db, intruder, ticket_id)
    for bogus in (999_999, -1, True, "1"):
        with pytest.raises(NotFound):
            action(db, bea, bogus)
    ticket = db.get(Ticket, ticket_id)
    db.refresh(ticket)
    assert (ticket.status, ticket.rating) == (TicketStatus.RESOLVED, None)
    assert db.exec(select(TicketMessage)).all() == []


def test_switching_customer_changes_what_is_visible(db, bakery):
    studio = make_customer(db, make_organisation(db, slug="globex"), name="Studio")
    user = make_user(db, customer=bakery)
    db.add(Membership(portal_user_id=user.id, customer_id=studio.id))
    db.commit()
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    ticket_id = open_ticket(db, sessions.resolve(db, token))

    assert sessions.switch_customer(db, sessions.resolve(db, token), studio.id)
    db.commit()
    as_studio = sessions.resolve(db, token)

    with pytest.raises(NotFound):
        tickets.ticket_thread(db, as_studio, ticket_id)
    assert tickets.recent_tickets(db, as_studio) == []


# --- replies and closing ---------------------------------------------------------------------------


def test_reply_on_awaiting_ticket_makes_it_open_again(db, bea):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.AWAITING_CUSTOMER)
    before = db.get(Ticket, ticket_id).updated_at

    tickets.reply(db, bea, ticket_id, "  Here is the hostname: mail.example.com  ")
    db.commit()

    ticket = db.get(Ticket, ticket_id)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.updated_at > before
    message = db.exec(select(TicketMessage)).one()
    assert (message.body, message.from_staff) == ("Here is the hostname: mail.example.com", False)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (TicketStatus.RESOLVED, "This ticket was resolved more than 14 days ago"),
        (TicketStatus.CLOSED, "This ticket was closed more than 14 days ago"),
    ],
)
def test_no_replies_two_weeks_after_resolved_or_closed(db, bea, status, message):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, status)
    row = db.get(Ticket, ticket_id)
    row.updated_at = utcnow() - timedelta(days=15)
    db.add(row)
    db.commit()

    with pytest.raises(TicketInputError, match=message):
        tickets.reply(db, bea, ticket_id, "Still broken")

    assert db.get(Ticket, ticket_id).status == status
    assert db.exec(select(TicketMessage)).all() == []
    thread = tickets.ticket_thread(db, bea, ticket_id)
    assert (thread.can_reply, thread.can_close) == (False, False)


@pytest.mark.parametrize(
    ("body", "message"),
    [("  \n ", "Write your reply."), ("x" * 5001, "Use at most 5000 characters for the reply.")],
)
def test_reply_validation(db, bea, body, message):
    ticket_id = open_ticket(db, bea)

    with pytest.raises(TicketInputError) as refused:
        tickets.reply(db, bea, ticket_id, body)

    assert refused.value.message == message


def test_reply_strips_control_characters(db, bea):
    ticket_id = open_ticket(db, bea)

    tickets.reply(db, bea, ticket_id, "ok\x00 then\r\nnext\x08")
    db.commit()

    assert db.exec(select(TicketMessage.body)).one() == "ok then\nnext"


@pytest.mark.parametrize("status", [TicketStatus.OPEN, TicketStatus.AWAITING_CUSTOMER])
def test_customer_closes_an_open_ticket(db, bea, status):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, status)

    tickets.close_ticket(db, bea, ticket_id)
    db.commit()
    tickets.close_ticket(db, bea, ticket_id)  # a second click changes nothing

    assert db.get(Ticket, ticket_id).status == TicketStatus.CLOSED
    assert tickets.ticket_thread(db, bea, ticket_id).status == "Closed"


def test_resolved_ticket_cannot_be_closed_by_the_customer(db, bea):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.RESOLVED)

    with pytest.raises(TicketInputError, match="already resolved"):
        tickets.close_ticket(db, bea, ticket_id)
    assert db.get(Ticket, ticket_id).status == TicketStatus.RESOLVED


# --- rating ----------------------------------------------------------------------------------------


def test_resolved_ticket_is_rated_once(db, bea):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.RESOLVED)
    assert tickets.ticket_thread(db, bea, ticket_id).can_rate

    tickets.rate_ticket(db, bea, ticket_id, 4, "  Fixed\x00 quickly \n")
    db.commit()

    thread = tickets.ticket_thread(db, bea, ticket_id)
    assert (thread.rating, thread.rating_comment, thread.can_rate) == (4, "Fixed quickly", False)
    assert db.get(Ticket, ticket_id).rated_at is not None
    with pytest.raises(TicketInputError, match="already rated"):
        tickets.rate_ticket(db, bea, ticket_id, 1, "Changed my mind")
    assert (db.get(Ticket, ticket_id).rating, db.get(Ticket, ticket_id).rating_comment) == (4, "Fixed quickly")


def test_rating_without_comment(db, bea):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.RESOLVED)

    tickets.rate_ticket(db, bea, ticket_id, 5)

    assert (db.get(Ticket, ticket_id).rating, db.get(Ticket, ticket_id).rating_comment) == (5, "")


@pytest.mark.parametrize("status", [TicketStatus.OPEN, TicketStatus.AWAITING_CUSTOMER, TicketStatus.CLOSED])
def test_only_resolved_tickets_can_be_rated(db, bea, status):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, status)

    with pytest.raises(TicketInputError, match="once it is resolved"):
        tickets.rate_ticket(db, bea, ticket_id, 5)

    assert db.get(Ticket, ticket_id).rating is None
    assert not tickets.ticket_thread(db, bea, ticket_id).can_rate


@pytest.mark.parametrize(
    ("rating", "comment", "message"),
    [
        (0, "", "Choose a rating from 1 to 5 stars."),
        (6, "", "Choose a rating from 1 to 5 stars."),
        (-1, "", "Choose a rating from 1 to 5 stars."),
        (True, "", "Choose a rating from 1 to 5 stars."),
        ("5", "", "Choose a rating from 1 to 5 stars."),
        (4.5, "", "Choose a rating from 1 to 5 stars."),
        (5, "x" * 1001, "Use at most 1000 characters for the comment."),
    ],
)
def test_rating_rules(db, bea, rating, comment, message):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.RESOLVED)

    with pytest.raises(TicketInputError) as refused:
        tickets.rate_ticket(db, bea, ticket_id, rating, comment)

    assert refused.value.message == message
    assert db.get(Ticket, ticket_id).rating is None


def test_comment_of_exactly_the_limit_is_accepted(db, bea):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.RESOLVED)

    tickets.rate_ticket(db, bea, ticket_id, 3, "y" * 1000)

    assert len(db.get(Ticket, ticket_id).rating_comment) == 1000


def test_two_ratings_at_once_keep_only_one(db, bea):
    ticket_id = open_ticket(db, bea)
    set_status(db, ticket_id, TicketStatus.RESOLVED)

    def rate(stars):
        def call():
            with Session(portal_db.engine(), expire_on_commit=False) as session:
                tickets.rate_ticket(session, bea, ticket_id, stars)
                session.commit()
                return stars

        return call

    results = run_concurrently(rate(2), rate(5))

    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert all(isinstance(r, TicketInputError) for r in results if not isinstance(r, int))
    db.expire_all()
    assert db.get(Ticket, ticket_id).rating == winners[0]
