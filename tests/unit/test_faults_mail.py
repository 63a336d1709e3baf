"""The mail server down or refusing: the action still answers, the failure is logged, the mail held and resent."""

from __future__ import annotations

import email
import json
import logging
import stat
import threading
from datetime import UTC, date, datetime, timedelta
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from factories import make_customer, make_organisation, make_user, token_in
from fault_injection import closed_port, run_together
from sqlmodel import select
from stripe_fake import ACCOUNT, running, scenario

from portal_app import cli
from portal_app.config import settings
from portal_app.mail import MailError, held, held_messages, resend_held, send_mail
from portal_app.models import TicketMessage
from portal_app.services.accounts import invites, password_reset, sessions
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import start_card_setup
from portal_app.services.billing.stripe_events import handle_event
from portal_app.services.support import inbox as staff
from portal_app.services.support import tickets

NOW = datetime(2025, 2, 15, 6, 0, tzinfo=UTC).replace(tzinfo=None)


class Inbox:
    """An aiosmtpd handler that keeps every message, or answers DATA with `reply` when set."""

    def __init__(self, reply: str = "") -> None:
        self.reply = reply
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reply:
            return self.reply
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=default))
        return "250 Message accepted"


@pytest.fixture
def smtp_port(env, monkeypatch) -> int:
    """The portal's SMTP server address; nothing listens there until a test starts `serve(port)`."""
    port = closed_port()
    monkeypatch.setenv("PORTAL_SMTP_URL", f"smtp://127.0.0.1:{port}")
    settings.cache_clear()
    return port


@pytest.fixture
def serve():
    started: list[Controller] = []

    def start(port: int, inbox: Inbox) -> Inbox:
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return inbox

    yield start
    for controller in started:
        controller.stop()


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_password_reset_with_smtp_down_answers_the_same_and_the_held_mail_goes_out_later(db, smtp_port, serve, caplog):
    user = make_user(db, email="bob@example.com")
    with caplog.at_level(logging.ERROR):
        assert password_reset.request_reset(db, "bob@example.com") is None
        assert password_reset.request_reset(db, "bob@example.com") is None  # asked again: replaces the first
    assert any("held" in line for line in errors(caplog))
    assert any(f"user {user.id} could not be sent" in line for line in errors(caplog))
    [path] = held_messages()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it carries a sign-in link

    inbox = serve(smtp_port, Inbox())
    report = resend_held()
    assert (report.sent, report.kept, report.dropped) == (1, 0, 0)
    [message] = inbox.messages
    assert message["To"] == "bob@example.com"
    assert held.EXPIRES_HEADER not in message
    assert password_reset.check_reset_token(db, token_in(message.get_content())) is None  # the newest link works
    assert held_messages() == []
    assert resend_held().sent == 0


def test_a_held_reset_mail_is_dropped_once_its_link_has_expired(db, smtp_port, serve):
    make_user(db, email="bob@example.com")
    password_reset.request_reset(db, "bob@example.com")
    inbox = serve(smtp_port, Inbox())
    report = resend_held(now=datetime.now(UTC) + password_reset.RESET_LIFETIME + timedelta(minutes=1))
    assert (report.sent, report.dropped) == (0, 1)
    assert "expired" in report.lines[0]
    assert inbox.messages == []
    assert held_messages() == []


def test_staff_reply_with_smtp_down_is_saved_and_the_notice_is_resent_by_the_cron_command(
    db, smtp_port, serve, caplog, capsys
):
    acme = make_organisation(db, slug="acme", name="Acme Broadband")
    bakery = make_customer(db, acme, name="Riverside Bakery")
    customer = sessions.resolve(db, _token(db, make_user(db, email="owner@bakery.example", customer=bakery)))
    jamie = sessions.resolve(db, _token(db, make_user(db, email="jamie@acme.example", staff_organisation_id=acme.id)))
    ticket_id = tickets.open_ticket(
        db, customer, subject="Slow line", description="Since Monday.", priority="Low", submission_key=""
    )
    db.commit()

    with caplog.at_level(logging.ERROR):
        staff.staff_reply(db, jamie, ticket_id, "We're on it.")
    db.rollback()
    assert db.exec(select(TicketMessage.body)).all() == ["We're on it."]
    assert any("Could not send the ticket notification" in line for line in errors(caplog))
    assert len(held_messages()) == 1

    assert cli.main(["mail", "held"]) == 0
    assert "owner@bakery.example" in capsys.readouterr().out
    assert cli.main(["mail", "retry"]) == 0  # still down: kept, said so
    assert "1 still held" in capsys.readouterr().out

    inbox = serve(smtp_port, Inbox())
    assert cli.main(["mail", "retry"]) == 0
    assert "1 sent" in capsys.readouterr().out
    [message] = inbox.messages
    assert message["To"] == "owner@bakery.example"
    assert "We're on it." in message.get_content()


def _token(db, user) -> str:
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return token


def test_invitation_with_smtp_down_reports_the_link_to_the_operator_and_holds_nothing(db, smtp_port):
    acme = make_organisation(db, slug="acme", name="Acme Broadband")
    bakery = make_customer(db, acme, name="Riverside Bakery")
    with pytest.raises(MailError) as refused:
        invites.invite(db, organisation_slug="acme", customer_id=bakery.id, email="bob@example.com")
    assert "resend-invite" in refused.value.message
    assert token_in(refused.value.message)
    assert held_messages() == []  # the operator has the link; resending later would send a replaced one


@pytest.mark.parametrize(
    ("reply", "kept"),
    [("451 4.3.0 Mail server temporarily rejected message", True), ("554 5.7.1 Message refused", False)],
)
def test_try_again_later_is_held_and_a_refusal_is_not(env, smtp_port, serve, reply, kept):
    serve(smtp_port, Inbox(reply=reply))
    with pytest.raises(MailError) as failed:
        send_mail("bob@example.com", "Ticket update", "Hello", resend=held.Resend())
    assert failed.value.transient is kept
    assert len(held_messages()) == (1 if kept else 0)


def test_two_retries_at_once_send_each_held_message_once(env, smtp_port, serve, monkeypatch):
    for n in range(3):
        with pytest.raises(MailError):
            send_mail(f"person{n}@example.com", "Ticket update", "Hello", resend=held.Resend())
    inbox = serve(smtp_port, Inbox())
    both_listed = threading.Barrier(2, timeout=30)
    listing = held.held_messages

    def list_then_wait():
        paths = listing()
        both_listed.wait()  # each run has the same three files before either claims one
        return paths

    monkeypatch.setattr(held, "held_messages", list_then_wait)
    first, second = run_together(resend_held, resend_held)
    assert first.sent + second.sent == 3
    assert sorted(m["To"] for m in inbox.messages) == [f"person{n}@example.com" for n in range(3)]


def test_failed_autopay_notice_with_smtp_down_is_held(db, smtp_port, serve, monkeypatch):
    with running(monkeypatch) as fake:
        s = scenario(db, autopay=True, due_on=date(2025, 2, 1))
        url = start_card_setup(db, s.principal, return_base="https://portal.example.com")
        session = fake.complete_session(url.rsplit("/", 1)[1], card="pm_card_chargeDeclined")
        handle_event(db, json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
        assert run_autopay(db, now=NOW).failed == 1
    [path] = held_messages()
    inbox = serve(smtp_port, Inbox())
    assert resend_held().sent == 1
    assert "Automatic payment failed" in inbox.messages[0]["Subject"]
    assert not path.exists()
