"""Internal notes: staff see them in the ticket's thread, marked; the customer never sees them nor is emailed."""

from __future__ import annotations

import pytest
from factories import make_organisation, make_user, principal_for, sent_mail
from sqlmodel import select
from support_fixtures import open_ticket, ticket_row

from portal_app.errors import NotFound
from portal_app.models import TicketMessage, TicketStatus
from portal_app.services.access import NotStaff
from portal_app.services.support import inbox, tickets
from portal_app.services.support.internal_notes import add_internal_note
from portal_app.services.support.tickets import TicketInputError

NOTE = "Customer is on the old router firmware; check before replying."


def test_a_note_is_shown_to_staff_marked_internal_and_never_to_the_customer(db, jamie, bea):
    ticket_id = open_ticket(db, bea)
    tickets.reply(db, bea, ticket_id, "Still slow")
    db.commit()

    staff_thread = add_internal_note(db, jamie, ticket_id, NOTE)
    db.commit()

    assert [(m.body, m.internal, m.from_staff) for m in staff_thread.messages] == [
        ("Still slow", False, False),
        (NOTE, True, True),
    ]
    assert inbox.staff_thread(db, jamie, ticket_id).messages[-1].internal is True
    customer_thread = tickets.ticket_thread(db, bea, ticket_id)
    assert [m.body for m in customer_thread.messages] == ["Still slow"]
    assert NOTE not in str(customer_thread)
    assert sent_mail() == []
    assert ticket_row(db, ticket_id).status == TicketStatus.OPEN  # a note does not answer the customer


def test_a_note_after_a_reply_neither_reaches_the_customer_nor_changes_the_status(db, jamie, bea):
    ticket_id = open_ticket(db, bea)
    inbox.staff_reply(db, jamie, ticket_id, "Please restart the router.")
    mails = len(sent_mail())

    add_internal_note(db, jamie, ticket_id, NOTE)
    db.commit()

    assert len(sent_mail()) == mails == 1
    assert ticket_row(db, ticket_id).status == TicketStatus.AWAITING_CUSTOMER
    assert [m.body for m in tickets.ticket_thread(db, bea, ticket_id).messages] == ["Please restart the router."]
    assert all(NOTE not in m.get_content() for m in sent_mail())


def test_notes_can_be_added_to_finished_tickets_but_not_empty(db, jamie, bea):
    ticket_id = open_ticket(db, bea)
    inbox.set_status(db, jamie, ticket_id, "Closed")

    assert add_internal_note(db, jamie, ticket_id, "Closed after a call.").messages[-1].internal is True
    with pytest.raises(TicketInputError) as refused:
        add_internal_note(db, jamie, ticket_id, "   ")
    assert refused.value.field == "note"


def test_staff_of_another_organisation_and_customers_cannot_add_notes(db, bea, jamie):
    globex = make_organisation(db, slug="globex", name="Globex")
    rival = principal_for(db, make_user(db, email="rival@globex.example", staff_organisation_id=globex.id))
    ticket_id = open_ticket(db, bea)

    with pytest.raises(NotFound):
        add_internal_note(db, rival, ticket_id, NOTE)
    with pytest.raises(NotStaff):
        add_internal_note(db, bea, ticket_id, NOTE)
    db.rollback()
    assert db.exec(select(TicketMessage)).all() == []


def test_a_new_message_is_not_internal_by_default(db, bea):
    ticket_id = open_ticket(db, bea)
    tickets.reply(db, bea, ticket_id, "Hello")
    db.commit()
    assert db.exec(select(TicketMessage.internal)).all() == [False]
