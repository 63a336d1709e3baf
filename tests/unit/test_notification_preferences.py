"""Profile → Notifications: each person chooses the emails they get; receipts and ticket updates follow the choice."""

from __future__ import annotations

import pytest
from factories import make_user, principal_for, sent_mail
from sqlmodel import select
from support_fixtures import open_ticket, ticket_row

from portal_app.errors import PortalError
from portal_app.models import NotificationKind, NotificationOptOut, Payment, PaymentStatus
from portal_app.services.accounts.notification_preferences import preferences, recipients, set_preference
from portal_app.services.billing import receipt_mail
from portal_app.services.support import ticket_mail


def choices(db, principal) -> dict[str, bool]:
    return {row.kind: row.enabled for row in preferences(db, principal)}


def test_every_kind_of_email_is_on_until_the_person_turns_it_off(db, bea):
    assert choices(db, bea) == {"invoices": True, "reminders": True, "receipts": True, "tickets": True}
    assert [row.label for row in preferences(db, bea)] == [
        "New invoices",
        "Payment reminders",
        "Payment receipts",
        "Ticket updates",
    ]

    set_preference(db, bea, "receipts", False)
    set_preference(db, bea, "receipts", False)  # twice: still one row
    db.commit()
    assert choices(db, bea) == {"invoices": True, "reminders": True, "receipts": False, "tickets": True}
    assert len(db.exec(select(NotificationOptOut)).all()) == 1

    set_preference(db, bea, "receipts", True)
    db.commit()
    assert all(choices(db, bea).values())


@pytest.mark.parametrize(
    ("kind", "enabled"), [("newsletters", False), ("", True), (["receipts"], False), ("tickets", "no")]
)
def test_a_choice_that_is_not_one_of_the_list_changes_nothing(db, bea, kind, enabled):
    with pytest.raises(PortalError):
        set_preference(db, bea, kind, enabled)
    assert db.exec(select(NotificationOptOut)).all() == []


def test_one_persons_choice_leaves_the_others_alone(db, bea, bakery):
    sam = principal_for(db, make_user(db, email="sam@bakery.example", customer=bakery))
    set_preference(db, bea, "invoices", False)
    db.commit()

    assert choices(db, sam)["invoices"] is True
    addresses = [r.address for r in recipients(db, bakery, NotificationKind.INVOICES)]
    assert addresses == ["sam@bakery.example"]
    assert len(recipients(db, bakery, NotificationKind.RECEIPTS)) == 2


def manual_payment(db, customer) -> Payment:
    payment = Payment(
        customer_id=customer.id, amount_minor=4_000, currency="USD", status=PaymentStatus.SUCCEEDED, reference="CHQ-1"
    )
    db.add(payment)
    db.commit()
    return payment


def test_receipts_go_only_to_people_who_want_them_with_their_own_unsubscribe_link(db, bea, bakery):
    make_user(db, email="sam@bakery.example", customer=bakery)
    set_preference(db, bea, "receipts", False)
    db.commit()

    assert receipt_mail.send_receipt(db, manual_payment(db, bakery)) is True
    [mail] = sent_mail()
    assert mail["To"] == "sam@bakery.example"
    assert "token=u" in mail["List-Unsubscribe"] and ".receipts." in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_nobody_wanting_receipts_sends_none(db, bea, bakery):
    set_preference(db, bea, "receipts", False)
    db.commit()

    assert receipt_mail.send_receipt(db, manual_payment(db, bakery)) is False
    assert sent_mail() == []


def test_ticket_updates_follow_the_choice(db, bea):
    ticket = ticket_row(db, open_ticket(db, bea))

    notice = ticket_mail.reply_notice(db, ticket, "Jamie Park", "Looking into it")
    assert ticket_mail.send_notice(notice) == 1
    [mail] = sent_mail()
    assert ".tickets." in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe"].strip("<>") in mail.get_body(preferencelist=("plain",)).get_content()

    set_preference(db, bea, "tickets", False)
    db.commit()
    notice = ticket_mail.reply_notice(db, ticket, "Jamie Park", "Fixed")
    assert notice.recipients == []
    assert ticket_mail.send_notice(notice) == 0
    assert len(sent_mail()) == 1
