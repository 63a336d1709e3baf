"""Finished tickets: a reply reopens them for 14 days, then a follow-up ticket refers to them; subjects from links."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import make_customer, make_user, principal_for
from sqlmodel import Session, select
from support_fixtures import open_ticket, set_status, ticket_row

from portal_app.errors import NotFound
from portal_app.models import Ticket, TicketMessage, TicketStatus
from portal_app.models.base import utcnow
from portal_app.services.support import inbox, tickets
from portal_app.services.support.tickets import SUBJECT_MAX, TicketInputError


def finish(db: Session, ticket_id: int, status: TicketStatus, *, ago: timedelta, resolved_ago: timedelta | None = None):
    """Resolve or close the ticket `ago` before now (resolved `resolved_ago` before now, when given)."""
    row = ticket_row(db, ticket_id)
    row.status = status
    row.updated_at = utcnow() - ago
    row.resolved_at = utcnow() - resolved_ago if resolved_ago is not None else None
    db.add(row)
    db.commit()


def follow_up(db: Session, principal, earlier: int, **fields: object) -> int:
    values = {"subject": "Slow again", "description": "Since yesterday.", "priority": "Medium", "submission_key": ""}
    ticket_id = tickets.open_ticket(db, principal, follows_up=earlier, **(values | fields))
    db.commit()
    return ticket_id


@pytest.fixture
def other(db, acme):
    """Someone of another customer of the same provider."""
    return principal_for(db, make_user(db, email="o@other.example", customer=make_customer(db, acme, name="Other")))


# --- a reply reopens a finished ticket for 14 days --------------------------------------------------


@pytest.mark.parametrize("status", [TicketStatus.RESOLVED, TicketStatus.CLOSED])
def test_a_reply_within_14_days_reopens_a_finished_ticket(db, bea, status):
    ticket_id = open_ticket(db, bea)
    finish(db, ticket_id, status, ago=timedelta(days=13, hours=23), resolved_ago=timedelta(days=13, hours=23))

    before = tickets.ticket_thread(db, bea, ticket_id)
    thread = tickets.reply(db, bea, ticket_id, "It is slow again")
    db.commit()

    assert (before.can_reply, before.reopens, before.can_close, before.can_follow_up) == (True, True, False, True)
    assert before.reopen_until != ""
    assert (thread.status, thread.reopens, thread.can_reply, thread.can_close) == ("Open", False, True, True)
    row = ticket_row(db, ticket_id)
    assert (row.status, row.resolved_at) == (TicketStatus.OPEN, None)
    assert [m.body for m in db.exec(select(TicketMessage)).all()] == ["It is slow again"]


@pytest.mark.parametrize("status", [TicketStatus.RESOLVED, TicketStatus.CLOSED])
def test_14_days_and_a_minute_after_it_ended_a_reply_is_refused_and_a_follow_up_offered(db, bea, status):
    ticket_id = open_ticket(db, bea)
    finish(db, ticket_id, status, ago=timedelta(days=14, minutes=1), resolved_ago=timedelta(days=14, minutes=1))

    with pytest.raises(TicketInputError, match="more than 14 days ago") as refused:
        tickets.reply(db, bea, ticket_id, "It is slow again")

    assert "follow-up ticket" in refused.value.message
    assert refused.value.field == ""  # about the ticket, not what was typed
    assert ticket_row(db, ticket_id).status == status
    assert db.exec(select(TicketMessage)).all() == []
    thread = tickets.ticket_thread(db, bea, ticket_id)
    assert (thread.can_reply, thread.reopens, thread.can_follow_up) == (False, False, True)
    assert thread.follow_up_href == f"/portal/support?follow_up={ticket_id}"


def test_the_window_of_a_resolved_ticket_runs_from_its_resolution_even_when_closed_later(db, bea):
    ticket_id = open_ticket(db, bea)
    finish(db, ticket_id, TicketStatus.CLOSED, ago=timedelta(days=2), resolved_ago=timedelta(days=20))

    with pytest.raises(TicketInputError, match="closed more than 14 days ago"):
        tickets.reply(db, bea, ticket_id, "Again")
    assert tickets.ticket_thread(db, bea, ticket_id).can_follow_up


def test_a_ticket_closed_without_resolution_counts_from_its_closing(db, bea):
    ticket_id = open_ticket(db, bea)
    finish(db, ticket_id, TicketStatus.CLOSED, ago=timedelta(days=3))

    assert tickets.reply(db, bea, ticket_id, "Again").status == "Open"


def test_the_deadline_is_14_days_after_the_resolution(db, bea):
    ticket_id = open_ticket(db, bea)
    finish(db, ticket_id, TicketStatus.RESOLVED, ago=timedelta(days=1), resolved_ago=timedelta(days=5))
    row = ticket_row(db, ticket_id)

    assert tickets.reopen_deadline(row) == row.resolved_at + timedelta(days=14)
    row.status = TicketStatus.OPEN
    assert tickets.reopen_deadline(row) is None


def test_a_resolved_ticket_reopened_by_staff_via_the_inbox_gets_a_fresh_window(db, bea, jamie):
    ticket_id = open_ticket(db, bea)
    inbox.set_status(db, jamie, ticket_id, "Resolved")

    resolved = ticket_row(db, ticket_id).resolved_at
    assert isinstance(resolved, datetime)
    assert tickets.ticket_thread(db, bea, ticket_id).reopens


def test_another_customers_finished_ticket_cannot_be_reopened(db, bea, other):
    ticket_id = open_ticket(db, bea)
    finish(db, ticket_id, TicketStatus.RESOLVED, ago=timedelta(days=1), resolved_ago=timedelta(days=1))

    with pytest.raises(NotFound):
        tickets.reply(db, other, ticket_id, "Reopen it")
    assert ticket_row(db, ticket_id).status == TicketStatus.RESOLVED


def test_staff_see_neither_the_reopen_nor_the_follow_up_offer(db, bea, jamie):
    ticket_id = open_ticket(db, bea)
    inbox.set_status(db, jamie, ticket_id, "Resolved")

    thread = inbox.staff_thread(db, jamie, ticket_id)

    assert (thread.can_reply, thread.reopens, thread.can_follow_up) == (False, False, False)


# --- follow-up tickets ------------------------------------------------------------------------------


def test_a_follow_up_refers_to_the_earlier_ticket_on_both_sides(db, bea, jamie):
    earlier = open_ticket(db, bea, subject="No connection")
    finish(db, earlier, TicketStatus.RESOLVED, ago=timedelta(days=30), resolved_ago=timedelta(days=30))

    ticket_id = follow_up(db, bea, earlier)

    assert ticket_row(db, ticket_id).follows_up_id == earlier
    mine = tickets.ticket_thread(db, bea, ticket_id)
    assert (mine.follows_up, mine.follows_up_subject) == (earlier, "No connection")
    assert mine.follows_up_href == f"/portal/support/{earlier}"
    staff = inbox.staff_thread(db, jamie, ticket_id)
    assert (staff.follows_up, staff.follows_up_href) == (earlier, f"/staff/tickets/{earlier}")
    assert tickets.ticket_thread(db, bea, earlier).follows_up == 0


def test_an_open_ticket_is_answered_in_its_thread_not_followed_up(db, bea):
    earlier = open_ticket(db, bea)

    with pytest.raises(TicketInputError, match="still open"):
        follow_up(db, bea, earlier)
    assert db.exec(select(Ticket)).all() == [ticket_row(db, earlier)]


@pytest.mark.parametrize("earlier", [999, "x", -1])
def test_a_follow_up_of_no_such_ticket_is_refused(db, bea, earlier):
    with pytest.raises(NotFound):
        follow_up(db, bea, earlier)


def test_another_customers_ticket_cannot_be_followed_up(db, bea, other):
    earlier = open_ticket(db, bea)
    set_status(db, earlier, TicketStatus.CLOSED)

    with pytest.raises(NotFound):
        follow_up(db, other, earlier)
    page = tickets.new_ticket_page(db, other, earlier)
    assert (page.follows_up, page.subject, page.follows_up_subject) == (0, "", "")


def test_the_form_of_a_follow_up_starts_with_its_subject(db, bea):
    earlier = open_ticket(db, bea, subject="Router lights blinking red")
    set_status(db, earlier, TicketStatus.RESOLVED)

    page = tickets.new_ticket_page(db, bea, earlier, "ignored")

    assert page.subject == f"Follow-up to #{earlier}: Router lights blinking red"
    assert (page.follows_up, page.follows_up_href) == (earlier, f"/portal/support/{earlier}")
    assert tickets.new_ticket_page(db, bea, 0, "").follows_up == 0


def test_a_long_follow_up_subject_is_shortened_to_fit(db, bea):
    earlier = open_ticket(db, bea, subject="word " * 23 + "end")
    set_status(db, earlier, TicketStatus.CLOSED)

    subject = tickets.new_ticket_page(db, bea, earlier).subject

    assert len(subject) == SUBJECT_MAX
    assert subject.startswith(f"Follow-up to #{earlier}: word") and subject.endswith("…")


# --- a subject from a link --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "subject"),
    [
        ("  wifi   drops\u202e at night\n", "wifi drops at night"),
        ("\x00\x07", ""),
        (["a list"], ""),
        ("word " * 30, ("word " * 24).strip()),
        ("x" * 200, "x" * SUBJECT_MAX),
        ("x" * 10_000, "x" * SUBJECT_MAX),
    ],
)
def test_a_subject_from_a_link_is_cleaned_and_cut_to_fit(db, bea, raw, subject):
    page = tickets.new_ticket_page(db, bea, 0, raw)

    assert page.subject == subject
    assert len(page.subject) <= SUBJECT_MAX
