"""The agents' inbox tools: search, assignee (Mine / Unassigned), "waiting since", the customer panel beside a
ticket, help-article links for a reply, and "Reply and resolve"."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import PUBLIC_URL, make_customer, make_organisation, make_user, principal_for, sent_mail
from support_fixtures import open_ticket, ticket_row
from test_exports import add_invoice
from test_handler_guards import fresh_state

from portal_app.errors import NotFound
from portal_app.models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    Invoice,
    InvoiceState,
    Service,
    TicketMessage,
    TicketStatus,
)
from portal_app.models.base import utcnow
from portal_app.services.accounts import sessions
from portal_app.services.common.pagination import PageRequest
from portal_app.services.support import inbox, tickets
from portal_app.services.support.assignment import NOT_COLLEAGUE, assign_ticket
from portal_app.services.support.reply_articles import reply_articles
from portal_app.services.support.staff_attachments import staff_reply_with_files
from portal_app.services.support.tickets import TicketInputError
from portal_app.state.staff import StaffInboxState, StaffThreadState


@pytest.fixture
def globex(db):
    return make_organisation(db, slug="globex", name="Globex")


@pytest.fixture
def rival(db, globex):
    return principal_for(db, make_user(db, email="rival@globex.example", name="Rival", staff_organisation_id=globex.id))


@pytest.fixture
def robin(db, acme):
    """Robin Lee, another agent of Acme."""
    return make_user(db, email="robin@acme.example", name="Robin Lee", staff_organisation_id=acme.id)


def subjects(db, principal, **filters) -> list[str]:
    rows, _info = inbox.inbox(db, principal, request=PageRequest(), **filters)
    return [row.subject for row in rows]


# --- search ----------------------------------------------------------------------------------------


def test_search_matches_number_subject_customer_name_and_email_in_any_case(db, jamie, bea, acme):
    slow = open_ticket(db, bea, subject="Internet is slow")
    open_ticket(db, bea, subject="Invoice question")
    dairy = make_customer(db, acme, name="Hilltop Dairy", email="milk@dairy.example")
    open_ticket(db, principal_for(db, make_user(db, customer=dairy)), subject="Router lights")

    assert subjects(db, jamie, query="SLOW") == ["Internet is slow"]
    assert subjects(db, jamie, query=f"#{slow}") == ["Internet is slow"]
    assert subjects(db, jamie, query="hilltop") == ["Router lights"]
    assert subjects(db, jamie, query="MILK@DAIRY") == ["Router lights"]
    assert sorted(subjects(db, jamie, query="riverside")) == ["Internet is slow", "Invoice question"]
    assert subjects(db, jamie, query="100%") == []  # LIKE wildcards are plain characters


def test_search_never_finds_another_organisations_tickets(db, jamie, rival, bea, globex):
    open_ticket(db, bea, subject="Internet is slow")
    wayne = make_customer(db, globex, name="Wayne Riverside", email="w@wayne.example")
    open_ticket(db, principal_for(db, make_user(db, customer=wayne)), subject="Internet is slow too")

    assert subjects(db, jamie, query="riverside") == ["Internet is slow"]
    assert subjects(db, rival, query="slow") == ["Internet is slow too"]


def test_the_search_is_kept_as_one_clean_line():
    assert inbox.clean_search("  slow\n\tinternet  ") == "slow internet"
    assert inbox.clean_search(["slow"]) == ""
    assert len(inbox.clean_search("x" * 500)) == inbox.QUERY_MAX


# --- assignee --------------------------------------------------------------------------------------


def test_a_ticket_is_assigned_to_staff_of_the_organisation_and_the_inbox_filters_by_it(db, jamie, bea, robin):
    mine = open_ticket(db, bea, subject="Mine")
    robins = open_ticket(db, bea, subject="Robin's")
    open_ticket(db, bea, subject="Nobody's")

    assert assign_ticket(db, jamie, mine, str(jamie.user_id)).assignee_id == jamie.user_id
    assign_ticket(db, jamie, robins, robin.id)
    db.commit()

    assert subjects(db, jamie, assignee=inbox.MINE) == ["Mine"]
    assert subjects(db, jamie, assignee=inbox.UNASSIGNED) == ["Nobody's"]
    rows, _ = inbox.inbox(db, jamie, request=PageRequest())
    assert {row.subject: row.assignee for row in rows} == {"Mine": "Jamie Park", "Robin's": "Robin Lee", "Nobody's": ""}

    assert assign_ticket(db, jamie, robins, "none").assignee_id == 0
    assert ticket_row(db, robins).assignee_id is None


def test_assigning_to_someone_outside_the_organisation_is_refused_and_changes_nothing(
    db, jamie, rival, bea, bakery, acme
):
    ticket_id = open_ticket(db, bea)
    former = make_user(db, email="former@acme.example", staff_organisation_id=acme.id, is_active=False)
    customer = make_user(db, email="someone@bakery.example", customer=bakery)

    for outsider in (rival.user_id, str(rival.user_id), former.id, customer.id, 999_999, "abc", True, -1):
        with pytest.raises(TicketInputError) as refused:
            assign_ticket(db, jamie, ticket_id, outsider)
        assert (refused.value.message, refused.value.field) == (NOT_COLLEAGUE, "assignee")
    assert ticket_row(db, ticket_id).assignee_id is None
    with pytest.raises(NotFound):
        assign_ticket(db, rival, ticket_id, rival.user_id)  # nor can their staff touch our ticket


# --- waiting since ---------------------------------------------------------------------------------


def test_waiting_is_worded_in_minutes_hours_and_days():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert inbox.waiting_words(now - timedelta(minutes=12), now) == "12 min"
    assert inbox.waiting_words(now - timedelta(hours=3, minutes=50), now) == "3 h"
    assert inbox.waiting_words(now - timedelta(days=2, hours=5), now) == "2 d"
    assert inbox.waiting_words(now + timedelta(minutes=1), now) == "0 min"


def _age(db, ticket_id: int, created: timedelta) -> None:
    row = ticket_row(db, ticket_id)
    row.created_at = row.updated_at = utcnow() - created
    db.add(row)
    db.commit()


def test_open_tickets_wait_since_the_customers_last_message_and_the_oldest_comes_first(db, jamie, bea):
    new = open_ticket(db, bea, subject="New")
    old = open_ticket(db, bea, subject="Old")
    answered = open_ticket(db, bea, subject="Answered")
    _age(db, new, timedelta(hours=3))
    _age(db, old, timedelta(days=5))
    _age(db, answered, timedelta(days=9))
    # The customer wrote again two days ago; later staff messages (a note) do not stop the wait.
    for from_staff, internal, ago in ((False, False, timedelta(days=2)), (True, True, timedelta(hours=1))):
        db.add(
            TicketMessage(
                ticket_id=answered, from_staff=from_staff, internal=internal, body="x", created_at=utcnow() - ago
            )
        )
    db.commit()

    rows, _ = inbox.inbox(db, jamie, status="Open", request=PageRequest())

    assert [(row.subject, row.waiting) for row in rows] == [("Old", "5 d"), ("Answered", "2 d"), ("New", "3 h")]
    inbox.staff_reply(db, jamie, new, "On it")
    waiting = {row.subject: row.waiting for row in inbox.inbox(db, jamie, request=PageRequest())[0]}
    assert waiting["New"] == ""  # waiting on the customer now


# --- customer panel --------------------------------------------------------------------------------


def test_the_ticket_page_shows_the_customer_panel_and_the_assignable_staff(db, jamie, bea, bakery, robin, rival):
    db.add(Service(customer_id=bakery.id, name="Fibre 500"))
    db.add(Service(customer_id=bakery.id, name="Old DSL", is_active=False))
    db.add(
        Invoice(
            customer_id=bakery.id,
            number="INV-1",
            state=InvoiceState.ISSUED,
            issued_on=date(2026, 11, 1),
            due_on=date(2026, 11, 15),
            currency="USD",
            total_minor=12_000,
            paid_minor=2_000,
        )
    )
    db.commit()
    earlier = open_ticket(db, bea, subject="Earlier")
    ticket_id = open_ticket(db, bea, subject="Now")

    page = inbox.staff_thread(db, jamie, ticket_id)

    assert page.subject == "Now"
    assert page.panel.services == ["Fibre 500"]
    assert (page.panel.balance, page.panel.open_invoices) == ("$100.00", 1)
    assert [(t.id, t.subject, t.href) for t in page.panel.other_tickets] == [
        (earlier, "Earlier", f"/staff/tickets/{earlier}")
    ]
    assert [option.label for option in page.staff] == ["Jamie Park", "Robin Lee"]  # not Globex's staff
    assert page.thread().subject == "Now"


def test_the_panel_adds_up_what_is_due_per_currency_and_counts_the_open_invoices(db, jamie, bea, bakery):
    add_invoice(db, bakery, "INV-1", 5_000)
    add_invoice(db, bakery, "INV-2", 2_550, paid=50)
    add_invoice(db, bakery, "INV-3", 1_000, currency="EUR")
    add_invoice(db, bakery, "INV-4", 9_000, paid=9_000, currency="EUR")  # paid
    add_invoice(db, bakery, "INV-5", 7_000, state=InvoiceState.DRAFT)  # not issued
    add_invoice(db, bakery, "INV-6", 3_000, state=InvoiceState.VOID)

    panel = inbox.staff_thread(db, jamie, open_ticket(db, bea)).panel

    assert (panel.balance, panel.open_invoices) == ("€10.00 + $75.00", 3)


def test_a_customer_with_nothing_due_and_no_services_says_so(db, jamie, bea):
    page = inbox.staff_thread(db, jamie, open_ticket(db, bea))
    assert (page.panel.balance, page.panel.services, page.panel.other_tickets) == ("Nothing due", [], [])


# --- help-article links ----------------------------------------------------------------------------


def test_article_links_come_from_the_organisations_public_published_articles(db, jamie, rival, acme, globex):
    def article(org, slug, title, **fields):
        db.add(Article(organisation_id=org.id, slug=slug, title=title, body_markdown="Restart the router.", **fields))

    article(acme, "restart-router", "Restart your router", status=ArticleStatus.PUBLISHED)
    article(acme, "router-draft", "Router draft", status=ArticleStatus.DRAFT)
    article(
        acme,
        "router-internal",
        "Router internal",
        status=ArticleStatus.PUBLISHED,
        visibility=ArticleVisibility.INTERNAL,
    )
    article(globex, "globex-router", "Globex router", status=ArticleStatus.PUBLISHED)
    db.commit()

    found = reply_articles(db, jamie, "router")

    assert [(a.title, a.text) for a in found] == [
        ("Restart your router", f"Restart your router: {PUBLIC_URL}/portal/help/restart-router")
    ]
    assert reply_articles(db, jamie, "") == []
    assert [a.slug for a in reply_articles(db, rival, "router")] == ["globex-router"]


# --- reply and resolve -----------------------------------------------------------------------------


def test_reply_and_resolve_resolves_the_ticket_and_sends_one_email(db, jamie, bea):
    ticket_id = open_ticket(db, bea, subject="No connection")

    thread = staff_reply_with_files(db, jamie, ticket_id, "Fixed: the line was reset.", "", resolve=True)

    assert thread.status == TicketStatus.RESOLVED
    row = ticket_row(db, ticket_id)
    assert (row.status, row.resolved_at is not None) == (TicketStatus.RESOLVED, True)
    mails = sent_mail()
    assert len(mails) == 1
    assert mails[0]["To"] == "owner@bakery.example"
    assert "Fixed: the line was reset." in mails[0].get_content()
    customer_side = tickets.ticket_thread(db, bea, ticket_id)
    assert (customer_side.status, customer_side.can_rate) == ("Resolved", True)


def test_a_plain_reply_waits_on_the_customer_and_reply_and_resolve_refuses_an_empty_reply(db, jamie, bea):
    ticket_id = open_ticket(db, bea)

    with pytest.raises(TicketInputError):
        staff_reply_with_files(db, jamie, ticket_id, "  ", "", resolve=True)
    db.rollback()
    assert ticket_row(db, ticket_id).status == TicketStatus.OPEN
    assert sent_mail() == []

    assert staff_reply_with_files(db, jamie, ticket_id, "Looking", "").status == TicketStatus.AWAITING_CUSTOMER
    assert len(sent_mail()) == 1


# --- the page's handlers ---------------------------------------------------------------------------


def _call(state, name: str, *args) -> object:
    handler = type(state).event_handlers[name]
    return (
        asyncio.run(handler.fn(state, *args)) if asyncio.iscoroutinefunction(handler.fn) else handler.fn(state, *args)
    )


def test_the_reply_form_resolves_only_when_its_then_field_says_so(db, acme, bea):
    jamie_user = make_user(db, email="jamie2@acme.example", name="Jamie Park", staff_organisation_id=acme.id)
    token = sessions.open_session(db, jamie_user.id, remember=False)
    db.commit()
    first, second = open_ticket(db, bea, subject="First"), open_ticket(db, bea, subject="Second")

    state = fresh_state(StaffThreadState, token, first)
    _call(state, "staff_send_reply", {"body": "Plain reply", "then": ""})
    state = fresh_state(StaffThreadState, token, second)
    _call(state, "staff_send_reply", {"body": "Done", "then": "resolve"})

    assert (ticket_row(db, first).status, ticket_row(db, second).status) == (
        TicketStatus.AWAITING_CUSTOMER,
        TicketStatus.RESOLVED,
    )
    assert state.notice == "Your reply was sent and the ticket is resolved."
    assert len(sent_mail()) == 2


def test_inserting_an_article_only_inserts_one_the_search_found(db, acme, jamie):
    db.add(Article(organisation_id=acme.id, slug="restart", title="Restart it", status=ArticleStatus.PUBLISHED))
    db.commit()
    token = sessions.open_session(db, jamie.user_id, remember=False)
    db.commit()
    state = fresh_state(StaffThreadState, token, 0)

    assert _call(state, "insert_article", "restart") is None  # not found by a search yet
    _call(state, "find_articles", {"article_q": "restart"})
    script = _call(state, "insert_article", "restart")

    assert [a.slug for a in state.articles] == ["restart"]
    assert json.dumps(f"Restart it: {PUBLIC_URL}/portal/help/restart") in str(script)


def test_the_inbox_links_keep_the_search_and_the_assignee_filter(db):
    state = fresh_state(StaffInboxState)
    state.query, state.assignee_filter, state.status_filter = "slow line", "mine", "Open"

    assert state._href(2, 25) == "/staff?q=slow+line&assignee=mine&status=Open&page=2&size=25"
    assert state._href(1, 10, q="") == "/staff?assignee=mine&status=Open&page=1&size=10"
