"""Property-based tests: random and hostile input at every ticket and profile field of the services.

Each property either sees the input accepted and stored in the allowed form (a string within the
limit, no NUL or other control characters, no lone surrogates or bidi overrides, composed NFC) or
refused with a PortalError whose message the UI shows; nothing else is ever raised, and a refusal
changes no row. Inputs are random Unicode (surrogates and controls included), hostile fragments
(NUL, RLO, HTML/script, SQL, FTS syntax, emoji, combining marks) mixed with random text, strings of
up to 30,000 characters, and non-string JSON values (numbers, lists, objects) as a client may send.

Examples per property (derandomized, hostile_input.FUZZ): open_ticket 150, reply 150, rate_ticket 100,
change_name 150, change_password 80, request_email_change 60.
"""

from __future__ import annotations

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from hostile_input import fuzz, hostile_text, hostile_value, is_refusal, is_safe_text, json_value
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from portal_app.models import AuthToken, PortalUser, Ticket, TicketMessage, TicketStatus
from portal_app.services.accounts import profile
from portal_app.services.accounts.passwords import verify_password
from portal_app.services.support import tickets

PASSWORD = "correct horse battery"


def usable_key(value: object) -> bool:
    """Whether the value could be a stored submission key (only those are looked up)."""
    return isinstance(value, str) and value.strip() != "" and value.isascii() and value.isprintable()


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def attempt(db, call):
    """Run a service call as a request does: commit what it did, or check its refusal and roll back."""
    try:
        result = call()
    except Exception as error:
        assert is_refusal(error), f"not a clear refusal: {error!r}"
        return error
    db.commit()
    return result


@pytest.fixture
def customer(db):
    return make_customer(db, make_organisation(db, name="Northwind Fiber"), name="Riverside Bakery")


@pytest.fixture
def alex(db, customer):
    return principal_for(db, make_user(db, email="alex@example.com", customer=customer, name="Alex Baker"))


def new_ticket(db, customer, status=TicketStatus.OPEN) -> int:
    ticket = Ticket(customer_id=customer.id, subject="Slow internet", description="Since Monday.", status=status)
    db.add(ticket)
    db.commit()
    return ticket.id


priorities = st.one_of(st.sampled_from([*tickets.PRIORITIES, " High ", "high", "Urgent"]), hostile_value)
submission_keys = st.one_of(st.just(""), st.text(alphabet="abcXYZ019-_", max_size=70), hostile_value)


@fuzz(150)
@given(subject=hostile_value, description=hostile_value, priority=priorities, key=submission_keys)
@example(subject="Wi\x00-Fi \u202edown", description="<script>alert(1)</script>\r\n' OR 1=1", priority="High", key="")
@example(subject={"$gt": ""}, description=["x"], priority=5, key=7)  # a client's JSON instead of text
def test_open_ticket_stores_only_safe_text_or_refuses_clearly(db, alex, subject, description, priority, key):
    before = count(db, Ticket)
    earlier = (
        db.exec(select(Ticket.id).where(Ticket.submission_key == key.strip())).first() if usable_key(key) else None
    )
    outcome = attempt(
        db,
        lambda: tickets.open_ticket(
            db, alex, subject=subject, description=description, priority=priority, submission_key=key
        ),
    )
    if isinstance(outcome, Exception) or outcome == earlier:  # refused, or the same form sent again
        assert count(db, Ticket) == before
        db.rollback()
        return
    assert count(db, Ticket) == before + 1
    stored = db.get(Ticket, outcome)
    assert is_safe_text(stored.subject, tickets.SUBJECT_MAX, multi_line=False) and stored.subject
    assert is_safe_text(stored.description, tickets.DESCRIPTION_MAX, multi_line=True) and stored.description
    assert stored.subject == tickets.clean_line(subject)
    assert stored.description == tickets.clean_text(description)
    assert str(stored.priority) == priority.strip()
    thread = tickets.ticket_thread(db, alex, outcome)  # read back as the page gets it: unchanged text
    assert (thread.subject, thread.description) == (stored.subject, stored.description)


@fuzz(150)
@given(body=hostile_value)
def test_reply_stores_only_safe_text_or_refuses_clearly(db, alex, customer, body):
    ticket_id = new_ticket(db, customer, TicketStatus.AWAITING_CUSTOMER)
    outcome = attempt(db, lambda: tickets.reply(db, alex, ticket_id, body))
    messages = db.exec(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)).all()
    if isinstance(outcome, Exception):
        assert messages == []
        assert db.get(Ticket, ticket_id).status == TicketStatus.AWAITING_CUSTOMER
        db.rollback()
        return
    [message] = messages
    assert is_safe_text(message.body, tickets.REPLY_MAX, multi_line=True) and message.body
    assert message.body == tickets.clean_text(body)
    assert [m.body for m in tickets.ticket_thread(db, alex, ticket_id).messages] == [message.body]


ticket_ids = st.one_of(
    json_value, st.text(max_size=20), st.integers(), st.sampled_from([0, -1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30])
)


@fuzz(150)
@given(ticket_id=ticket_ids, body=hostile_text)
@example(ticket_id=2**63, body="hi")  # past SQLite's integer: was an OverflowError
def test_a_ticket_id_that_is_not_an_owned_number_is_not_found(db, alex, customer, ticket_id, body):
    new_ticket(db, customer)
    before = count(db, TicketMessage)
    outcome = attempt(db, lambda: tickets.reply(db, alex, ticket_id, body))
    if not isinstance(outcome, Exception):  # only a real id of this customer's ticket takes a reply
        assert db.get(Ticket, ticket_id).customer_id == customer.id
        return
    assert count(db, TicketMessage) == before
    db.rollback()


ratings = st.one_of(st.integers(-3, 8), st.booleans(), st.sampled_from(["5", "4.0", "", "★★★"]), json_value)


@fuzz(100)
@given(rating=ratings, comment=st.one_of(hostile_value, st.just("")))
def test_rating_is_one_to_five_with_a_safe_comment_or_refused(db, alex, customer, rating, comment):
    ticket_id = new_ticket(db, customer, TicketStatus.RESOLVED)
    outcome = attempt(db, lambda: tickets.rate_ticket(db, alex, ticket_id, rating, comment))
    ticket = db.get(Ticket, ticket_id)
    if isinstance(outcome, Exception):
        assert (ticket.rating, ticket.rating_comment, ticket.rated_at) == (None, "", None)
        db.rollback()
        return
    assert type(rating) is int and 1 <= rating <= 5
    assert ticket.rating == rating
    assert is_safe_text(ticket.rating_comment, tickets.COMMENT_MAX, multi_line=True)


@pytest.fixture
def ann(db, customer):
    user = make_user(db, email="ann@example.com", name="Ann", password=PASSWORD, customer=customer)
    return user, principal_for(db, user)


@fuzz(150)
@given(name=hostile_value)
@example(name="Ren\u200be\u0301")  # NFC again once the zero-width space is gone
@example(name=["Ann"])
def test_display_name_is_stored_safe_on_one_line_or_refused(db, ann, name):
    user, principal = ann
    before = db.get(PortalUser, user.id).name
    outcome = attempt(db, lambda: profile.change_name(db, principal, name))
    db.expire_all()
    stored = db.get(PortalUser, user.id).name
    if isinstance(outcome, Exception):
        assert stored == before
        return
    assert stored == outcome and stored
    assert is_safe_text(stored, profile.NAME_MAX, multi_line=False)
    assert all(not ch.isspace() or ch == " " for ch in stored)


@fuzz(80)
@given(
    current=st.one_of(st.just(PASSWORD), hostile_value), new=st.one_of(st.just("another good password"), hostile_value)
)
@example(current=PASSWORD, new="\ud800" * 12)  # not UTF-8: bcrypt cannot take it
@example(current="\ud800" * 12, new="another good password")
def test_password_change_with_hostile_input_refuses_or_changes_to_exactly_that_password(db, ann, current, new):
    user, principal = ann
    holder = db.get(PortalUser, user.id)
    old_hash = holder.password_hash
    outcome = attempt(db, lambda: profile.change_password(db, principal, current, new))
    db.expire_all()
    stored = db.get(PortalUser, user.id).password_hash
    if isinstance(outcome, Exception):
        assert stored == old_hash
        return
    assert current == PASSWORD and isinstance(new, str)
    assert verify_password(new, stored)
    holder.password_hash = old_hash  # the next example starts from the known password again
    db.add(holder)
    db.commit()


emails = st.one_of(
    hostile_value,
    st.builds(lambda local, tail: f"{local}@{tail}", hostile_text, st.sampled_from(["example.com", "EXAMPLE.com "])),
    st.emails(),
)


@fuzz(60)
@given(new_email=emails)
def test_email_change_stores_only_a_valid_address_or_refuses(db, ann, new_email):
    _user, principal = ann
    before = count(db, AuthToken)
    outcome = attempt(db, lambda: profile.request_email_change(db, principal, new_email, PASSWORD))
    if isinstance(outcome, Exception):
        assert count(db, AuthToken) == before
        db.rollback()
        return
    row = db.exec(select(AuthToken).order_by(AuthToken.id.desc())).first()
    assert row.new_email == outcome
    assert is_safe_text(outcome, 254, multi_line=False) and "@" in outcome and " " not in outcome


@fuzz(100)
@given(token=hostile_value)
def test_email_confirmation_link_with_any_token_is_refused_clearly(db, ann, token):
    outcome = attempt(db, lambda: profile.confirm_email_change(db, token))
    assert isinstance(outcome, Exception)
    db.rollback()
