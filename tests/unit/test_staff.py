"""The staff side: only active staff, only their organisation, replies and statuses that email the customer, CSAT."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from factories import PUBLIC_URL, make_customer, make_organisation, make_user, principal_for, sent_mail
from sqlmodel import select
from support_fixtures import open_ticket, ticket_row

from portal_app.demo.support import ADMIN_EMAIL, STAFF_EMAIL, seed_support
from portal_app.errors import NotFound, PortalError
from portal_app.mail import MailError
from portal_app.models import AuthSession, Customer, PortalUser, Priority, Ticket, TicketMessage, TicketStatus
from portal_app.models.base import utcnow
from portal_app.services.access import NotStaff, staff_scope
from portal_app.services.accounts import sessions
from portal_app.services.accounts.demo_accounts import PUBLISHED_PASSWORD as STAFF_PASSWORD
from portal_app.services.accounts.passwords import verify_password
from portal_app.services.common.pagination import PageRequest
from portal_app.services.console.header import ConsoleHeader, staff_call
from portal_app.services.support import inbox as staff
from portal_app.services.support import ticket_mail, tickets
from portal_app.services.support.tickets import TicketInputError


@pytest.fixture
def rival(db):
    globex = make_organisation(db, slug="globex", name="Globex")
    return principal_for(db, make_user(db, email="rival@globex.example", name="Rival", staff_organisation_id=globex.id))


# --- who is staff ----------------------------------------------------------------------------------


def test_staff_see_their_name_and_organisation_in_the_header(db, jamie):
    header, ratings = staff_call(db, jamie, staff.csat)

    assert header == ConsoleHeader("Jamie Park", "jamie@acme.example", True, False, "Acme Broadband")
    assert ratings.count == 0


def test_customers_and_deactivated_staff_are_not_staff(db, bea, acme):
    former = make_user(db, staff_organisation_id=acme.id, is_active=False)
    former_principal = sessions.Principal(0, former.id, "", former.email, None, None)

    for principal in (bea, former_principal):
        with pytest.raises(NotStaff):
            staff.inbox(db, principal, request=PageRequest())
        with pytest.raises(NotStaff):
            staff.csat(db, principal)
        header, page = staff_call(db, principal, staff.inbox_page, "", "", PageRequest())
        assert (header.is_staff, header.organisation, page) == (False, "", None)
    assert staff_call(db, bea, staff.csat)[0].user_name == "Bea Baker"  # the header still names them


def test_staff_cannot_use_the_customer_side(db, jamie, bea):
    ticket_id = open_ticket(db, bea)

    with pytest.raises(PortalError):
        tickets.ticket_thread(db, jamie, ticket_id)


# --- inbox -----------------------------------------------------------------------------------------


def test_inbox_lists_only_the_organisations_tickets_most_recently_updated_first(db, jamie, rival, bea, acme):
    other_customer = principal_for(db, make_user(db, customer=make_customer(db, acme, name="Corner Shop")))
    outsider = principal_for(db, make_user(db, customer=make_customer(db, name="Elsewhere Ltd")))
    first = open_ticket(db, bea, subject="First")
    second = open_ticket(db, other_customer, subject="Second")
    hidden = open_ticket(db, outsider, subject="Other provider")
    now = utcnow()
    for ticket_id, minutes_ago in ((first, 1), (second, 30), (hidden, 0)):
        row = ticket_row(db, ticket_id)
        row.updated_at = now - timedelta(minutes=minutes_ago)
        db.add(row)
    db.commit()

    rows, info = staff.inbox(db, jamie, request=PageRequest())

    assert [(r.id, r.subject, r.customer) for r in rows] == [
        (first, "First", "Riverside Bakery"),
        (second, "Second", "Corner Shop"),
    ]
    assert info.total_rows == 2
    assert (rows[0].status, rows[0].priority, rows[0].source, rows[0].rating) == ("Open", "Medium", "Portal", None)
    assert rows[0].updated
    assert (rows[0].href, rows[0].status_label) == (f"/staff/tickets/{first}", "Open")
    rival_rows, _ = staff.inbox(db, rival, request=PageRequest())
    assert rival_rows == []


def test_inbox_filters_by_status_and_source(db, jamie, bea):
    open_id = open_ticket(db, bea, subject="Open one")
    resolved_id = open_ticket(db, bea, subject="Resolved one")
    staff.set_status(db, jamie, resolved_id, "Resolved")
    phoned = ticket_row(db, open_ticket(db, bea, subject="Phoned in"))
    phoned.source = "Phone"
    db.add(phoned)
    db.commit()

    def ids(**filters):
        return {r.id for r in staff.inbox(db, jamie, request=PageRequest(), **filters)[0]}

    assert ids() == {open_id, resolved_id, phoned.id}
    assert ids(status="Resolved") == {resolved_id}
    assert ids(status="Open") == {open_id, phoned.id}
    assert ids(source="Portal") == {open_id, resolved_id}
    assert ids(status="Open", source="Portal") == {open_id}
    assert ids(status="Closed") == set()
    assert ids(status="nonsense") == set()


def test_inbox_pages(db, jamie, bea):
    created = [open_ticket(db, bea, subject=f"T{n}") for n in range(12)]

    page_one, info = staff.inbox(db, jamie, request=PageRequest(1, 10))
    page_two, _ = staff.inbox(db, jamie, request=PageRequest(2, 10))

    assert (len(page_one), len(page_two), info.total_pages) == (10, 2, 2)
    assert {r.id for r in page_one + page_two} == set(created)


# --- thread ----------------------------------------------------------------------------------------


def test_staff_thread_shows_the_customer(db, jamie, bea):
    ticket_id = open_ticket(db, bea)
    tickets.reply(db, bea, ticket_id, "More detail")
    db.commit()

    thread = staff.staff_thread(db, jamie, ticket_id)

    assert (thread.customer, thread.customer_email) == ("Riverside Bakery", "office@bakery.example")
    assert [m.body for m in thread.messages] == ["More detail"]
    assert (thread.can_reply, thread.can_close, thread.can_rate) == (True, True, False)


@pytest.mark.parametrize(
    "action",
    [
        staff.staff_thread,
        lambda db, p, t: staff.staff_reply(db, p, t, "Hello"),
        lambda db, p, t: staff.set_status(db, p, t, "Resolved"),
    ],
    ids=["thread", "reply", "status"],
)
def test_staff_of_another_organisation_get_not_found(db, rival, bea, action):
    ticket_id = open_ticket(db, bea)

    for ticket_ref in (ticket_id, 999_999, True):
        with pytest.raises(NotFound):
            action(db, rival, ticket_ref)

    assert ticket_row(db, ticket_id).status == TicketStatus.OPEN
    assert db.exec(select(TicketMessage)).all() == []
    assert sent_mail() == []


# --- replies and statuses --------------------------------------------------------------------------


def test_staff_reply_awaits_the_customer_and_emails_them_the_link(db, jamie, bea):
    ticket_id = open_ticket(db, bea, subject="Router lights blinking")

    staff.staff_reply(db, jamie, ticket_id, "Hi Bea,\r\nplease restart the router.\x00")

    assert ticket_row(db, ticket_id).status == TicketStatus.AWAITING_CUSTOMER
    message = db.exec(select(TicketMessage)).one()
    assert (message.from_staff, message.author_name, message.body) == (
        True,
        "Jamie Park (Acme Broadband)",
        "Hi Bea,\nplease restart the router.",
    )
    thread = tickets.ticket_thread(db, bea, ticket_id)
    assert (thread.status, thread.messages[0].author, thread.messages[0].from_staff) == (
        "Awaiting your reply",
        "Jamie Park (Acme Broadband)",
        True,
    )
    [mail] = sent_mail()
    assert mail["To"] == "owner@bakery.example"
    assert mail["Subject"] == f"Re: Router lights blinking [#{ticket_id}]"
    text = mail.get_content()
    assert f"{PUBLIC_URL}/portal/support/{ticket_id}" in text
    assert "please restart the router." in text


def test_customer_reply_after_staff_reply_reopens_it(db, jamie, bea):
    ticket_id = open_ticket(db, bea)
    staff.staff_reply(db, jamie, ticket_id, "Which router model?")

    tickets.reply(db, bea, ticket_id, "The white one")
    db.commit()

    assert ticket_row(db, ticket_id).status == TicketStatus.OPEN
    assert [r.status for r in staff.inbox(db, jamie, request=PageRequest())[0]] == ["Open"]


@pytest.mark.parametrize("status", ["Resolved", "Closed"])
def test_staff_cannot_reply_to_a_finished_ticket(db, jamie, bea, status):
    ticket_id = open_ticket(db, bea)
    staff.set_status(db, jamie, ticket_id, status)
    mails_before = len(sent_mail())

    with pytest.raises(TicketInputError, match="set it to Open"):
        staff.staff_reply(db, jamie, ticket_id, "One more thing")

    assert ticket_row(db, ticket_id).status == status
    assert db.exec(select(TicketMessage)).all() == []
    assert len(sent_mail()) == mails_before


def test_empty_staff_reply_is_refused(db, jamie, bea):
    ticket_id = open_ticket(db, bea)

    with pytest.raises(TicketInputError, match="Write your reply"):
        staff.staff_reply(db, jamie, ticket_id, " \x00 ")
    assert sent_mail() == []


def test_resolving_records_the_time_lets_the_customer_rate_and_emails_them(db, jamie, bea):
    ticket_id = open_ticket(db, bea, subject="Slow evenings")

    staff.set_status(db, jamie, ticket_id, "Resolved")

    row = ticket_row(db, ticket_id)
    assert row.status == TicketStatus.RESOLVED
    assert row.resolved_at is not None
    assert tickets.ticket_thread(db, bea, ticket_id).can_rate
    [mail] = sent_mail()
    assert mail["Subject"] == f"Re: Slow evenings [#{ticket_id}]"
    assert "is now Resolved" in mail.get_content()
    assert f"{PUBLIC_URL}/portal/support/{ticket_id}" in mail.get_content()


def test_status_round_trip(db, jamie, bea):
    ticket_id = open_ticket(db, bea)
    staff.set_status(db, jamie, ticket_id, "Resolved")

    staff.set_status(db, jamie, ticket_id, "Open")
    assert (ticket_row(db, ticket_id).status, ticket_row(db, ticket_id).resolved_at) == (TicketStatus.OPEN, None)
    staff.set_status(db, jamie, ticket_id, "Closed")
    assert ticket_row(db, ticket_id).status == TicketStatus.CLOSED
    assert [m["Subject"] for m in sent_mail()] == [f"Re: Internet is slow [#{ticket_id}]"] * 3
    assert "is now Closed" in sent_mail()[-1].get_content()


def test_setting_the_current_status_again_sends_nothing(db, jamie, bea):
    ticket_id = open_ticket(db, bea)

    staff.set_status(db, jamie, ticket_id, "Open")

    assert sent_mail() == []


@pytest.mark.parametrize("status", ["Awaiting your reply", "resolved", "Deleted", ""])
def test_unknown_statuses_are_refused(db, jamie, bea, status):
    ticket_id = open_ticket(db, bea)

    with pytest.raises(TicketInputError, match="Choose a status"):
        staff.set_status(db, jamie, ticket_id, status)
    assert ticket_row(db, ticket_id).status == TicketStatus.OPEN


def test_mail_failure_is_logged_and_the_reply_still_saved(db, jamie, bea, monkeypatch, caplog):
    ticket_id = open_ticket(db, bea)

    def refuse(*_args):
        raise MailError("The mail server refused the message.")

    monkeypatch.setattr(ticket_mail, "send_mail", refuse)
    with caplog.at_level(logging.ERROR, logger="portal.ticket_mail"):
        staff.staff_reply(db, jamie, ticket_id, "We're on it.")
        staff.set_status(db, jamie, ticket_id, "Resolved")

    db.rollback()  # what was done is committed, not merely pending
    assert ticket_row(db, ticket_id).status == TicketStatus.RESOLVED
    assert db.exec(select(TicketMessage.body)).all() == ["We're on it."]
    assert sum("Could not send the ticket notification" in r.getMessage() for r in caplog.records) == 2


def test_every_linked_person_is_emailed_else_the_customer_record(db, jamie, acme, bakery, bea):
    make_user(db, email="partner@bakery.example", customer=bakery)
    make_user(db, email="gone@bakery.example", customer=bakery, is_active=False)
    shop = make_customer(db, acme, name="Corner Shop", email="shop@corner.example")
    unlinked_ticket = Ticket(customer_id=shop.id, subject="Phoned in", description="d", priority=Priority.LOW)
    db.add(unlinked_ticket)
    db.commit()

    staff.staff_reply(db, jamie, open_ticket(db, bea), "Hello both")
    staff.staff_reply(db, jamie, unlinked_ticket.id, "Hello shop")

    assert [m["To"] for m in sent_mail()] == ["owner@bakery.example", "partner@bakery.example", "shop@corner.example"]


# --- CSAT ------------------------------------------------------------------------------------------


def rate_resolved(db, agent, customer, *ratings: int) -> None:
    """One ticket per rating: opened by the customer, resolved by the agent, then rated."""
    for stars in ratings:
        ticket_id = open_ticket(db, customer)
        staff.set_status(db, agent, ticket_id, "Resolved")
        tickets.rate_ticket(db, customer, ticket_id, stars)
        db.commit()


def test_csat_without_ratings(db, jamie):
    assert staff.csat(db, jamie) == staff.Csat(average="—", count=0, distribution={1: 0, 2: 0, 3: 0, 4: 0, 5: 0})


def test_csat_counts_the_organisations_ratings(db, jamie, rival, bea):
    rate_resolved(db, jamie, bea, 5, 4, 4, 1)
    open_ticket(db, bea)  # unrated tickets do not count
    outsider = principal_for(db, make_user(db, customer=make_customer(db, name="Elsewhere Ltd")))
    elsewhere = open_ticket(db, outsider)
    row = ticket_row(db, elsewhere)
    row.status, row.rating = TicketStatus.RESOLVED, 2
    db.add(row)
    db.commit()

    result = staff.csat(db, jamie)

    assert result == staff.Csat(average="3.5", count=4, distribution={1: 1, 2: 0, 3: 0, 4: 2, 5: 1})
    assert staff.csat(db, rival).count == 0
    assert {r.rating for r in staff.inbox(db, jamie, status="Resolved", request=PageRequest())[0]} == {5, 4, 1}


def test_csat_average_rounds_to_one_decimal(db, jamie, bea):
    rate_resolved(db, jamie, bea, 5, 4, 4)

    assert staff.csat(db, jamie).average == "4.3"


def test_inbox_page_draws_the_ratings_longest_bar_full_width_and_words_statuses_for_staff(db, jamie, bea):
    rate_resolved(db, jamie, bea, 5, 4, 4)
    staff.staff_reply(db, jamie, open_ticket(db, bea), "Which router?")

    page = staff.inbox_page(db, jamie, "", "", PageRequest())

    assert [(bar.stars, bar.count, bar.width) for bar in page.bars] == [
        (5, 1, "50%"),
        (4, 2, "100%"),
        (3, 0, "0%"),
        (2, 0, "0%"),
        (1, 0, "0%"),
    ]
    assert (page.csat.count, page.info.total_rows) == (3, 4)
    assert page.rows[0].status_label == "Awaiting customer"


def test_staff_actions_answer_with_the_fresh_thread(db, jamie, bea):
    ticket_id = open_ticket(db, bea)

    replied = staff.staff_reply(db, jamie, ticket_id, "On it.")
    resolved = staff.set_status(db, jamie, ticket_id, "Resolved")

    assert (replied.status, [m.body for m in replied.messages]) == ("Awaiting your reply", ["On it."])
    assert (resolved.status, resolved.can_reply, resolved.can_rate) == ("Resolved", False, False)
    assert staff.set_status(db, jamie, ticket_id, "Resolved") == resolved


# --- creating staff users --------------------------------------------------------------------------


def test_create_staff_user_then_update_them(db, acme):
    user_id = staff.create_staff_user(
        db, organisation_slug="acme", email=" Jamie@Acme.example ", name="Jamie", password="first password"
    )
    db.commit()
    token = sessions.open_session(db, user_id, remember=False)
    db.commit()
    globex = make_organisation(db, slug="globex", name="Globex")

    again = staff.create_staff_user(
        db, organisation_slug="globex", email="jamie@acme.example", name="Jamie Park", password="second password"
    )
    db.commit()

    assert again == user_id
    user = db.get(PortalUser, user_id)
    assert (user.email, user.name, user.staff_organisation_id, user.is_active) == (
        "jamie@acme.example",
        "Jamie Park",
        globex.id,
        True,
    )
    assert verify_password("second password", user.password_hash)
    assert not verify_password("first password", user.password_hash)
    assert sessions.resolve(db, token) is None  # the old password's sessions end
    assert len(db.exec(select(PortalUser)).all()) == 1


def test_staff_user_can_sign_in_and_is_staff(db, acme):
    user_id = staff.create_staff_user(
        db, organisation_slug="acme", email="jamie@acme.example", name="Jamie", password="a long password"
    )
    db.commit()

    principal = principal_for(db, db.get(PortalUser, user_id))

    assert principal.customer_id is None
    assert staff_scope(db, principal).organisation.id == acme.id


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"organisation_slug": "nope"}, "There is no organisation with the slug 'nope'."),
        ({"email": "not an email"}, "is not a valid email address"),
        ({"email": "owner@bakery.example"}, "signs in as a customer"),
        ({"name": "  "}, "staff member's name"),
        ({"name": "x" * 121}, "at most 120 characters"),
        ({"password": "short"}, "Use at least 10 characters."),
    ],
)
def test_create_staff_user_refusals(db, bea, fields, reason):
    values = {"organisation_slug": "acme", "email": "new@acme.example", "name": "New", "password": "long enough pw"}

    with pytest.raises(PortalError, match=reason):
        staff.create_staff_user(db, **{**values, **fields})
    db.rollback()

    owner = db.exec(select(PortalUser).where(PortalUser.email == "owner@bakery.example")).one()
    assert owner.staff_organisation_id is None
    assert db.exec(select(PortalUser).where(PortalUser.email == "new@acme.example")).first() is None


# --- demo data -------------------------------------------------------------------------------------


def test_seed_support_adds_the_staff_user_and_a_rated_ticket_once(db):
    northwind = make_organisation(db, slug="northwind", name="Northwind Fiber")
    alex = make_customer(db, northwind, name="Alex Morgan")
    db.add(
        Ticket(
            customer_id=alex.id,
            subject="Router restarts",
            description="d",
            status=TicketStatus.RESOLVED,
            priority=Priority.MEDIUM,
        )
    )
    db.commit()

    for _ in range(2):
        seed_support(db, northwind_id=northwind.id, alex_customer_id=alex.id, today=date(2026, 6, 15))
        db.commit()

    resolved = db.exec(select(Ticket).where(Ticket.status == TicketStatus.RESOLVED)).all()
    assert sorted((t.subject, t.rating) for t in resolved) == [
        ("Router restarts", None),
        ("Wi-Fi extender in the garage keeps disconnecting", 5),
    ]
    assert all(t.resolved_at is not None for t in resolved)
    rated = next(t for t in resolved if t.rating)
    assert rated.rating_comment == "Quick fix, thanks!"
    staff_user = db.exec(select(PortalUser).where(PortalUser.email == STAFF_EMAIL)).one()
    assert (staff_user.name, staff_user.staff_organisation_id, staff_user.staff_role) == (
        "Jamie Park",
        northwind.id,
        "agent",
    )
    assert verify_password(STAFF_PASSWORD, staff_user.password_hash)
    admin = db.exec(select(PortalUser).where(PortalUser.email == ADMIN_EMAIL)).one()
    assert (admin.staff_organisation_id, admin.staff_role) == (northwind.id, "admin")
    assert verify_password(STAFF_PASSWORD, admin.password_hash)
    authors = set(db.exec(select(TicketMessage.author_name).where(TicketMessage.from_staff)).all())
    assert authors == {"Jamie Park (Northwind Fiber)"}
    assert db.exec(select(AuthSession)).all() == []
    assert db.get(Customer, alex.id).organisation_id == northwind.id


def test_seed_support_adds_a_rateable_ticket_when_there_is_none(db):
    northwind = make_organisation(db, slug="northwind", name="Northwind Fiber")
    alex = make_customer(db, northwind, name="Alex Morgan")

    seed_support(db, northwind_id=northwind.id, alex_customer_id=alex.id)
    db.commit()

    ratings = sorted(
        (t.rating or 0) for t in db.exec(select(Ticket).where(Ticket.status == TicketStatus.RESOLVED)).all()
    )
    assert ratings == [0, 5]
