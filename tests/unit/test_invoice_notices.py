"""Invoice emails and reminders from `notices run`: each once, with the PDF, only for invoices since emails began."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from factories import make_customer, make_organisation, make_user, sent_mail
from fault_injection import run_together
from payment_helpers import new_session
from sqlmodel import select

from portal_app.cli.main import main as cli_main
from portal_app.config import settings
from portal_app.models import (
    EmailSettings,
    Invoice,
    InvoiceLine,
    InvoiceNotice,
    InvoiceNoticeKind,
    InvoiceState,
    NotificationKind,
    NotificationOptOut,
)
from portal_app.models.base import utcnow
from portal_app.services.billing import invoice_notices
from portal_app.services.billing.invoice_notices import STALE_CLAIM, run_notices

TODAY = utcnow().date()


def make_shop(db):
    """Acme with a customer that has one portal person, Bea."""
    organisation = make_organisation(db, name="Acme Broadband")
    customer = make_customer(db, organisation, name="Riverside Bakery", email="office@bakery.example")
    bea = make_user(db, email="bea@bakery.example", customer=customer, name="Bea Baker")
    return organisation, customer, bea


@pytest.fixture
def shop(db):
    return make_shop(db)


def add_invoice(db, customer, *, issued_on: date = TODAY, due_in: int = 14, paid: int = 0, **fields) -> Invoice:
    invoice = Invoice(
        customer_id=customer.id,
        number=fields.pop("number", f"INV-{issued_on:%m%d}-{due_in}-{paid}"),
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=due_in),
        currency="USD",
        total_minor=12_500,
        paid_minor=paid,
        **fields,
    )
    db.add(invoice)
    db.flush()
    db.add(InvoiceLine(invoice_id=invoice.id, description="Fibre 500", unit_price_minor=12_500, amount_minor=12_500))
    db.commit()
    return invoice


def set_reminders(db, organisation, **fields) -> None:
    row = invoice_notices.email_settings(db, organisation)
    for name, value in fields.items():
        setattr(row, name, value)
    db.add(row)
    db.commit()


def test_an_issued_invoice_is_mailed_once_with_its_pdf_and_an_unsubscribe_header(db, shop):
    _organisation, customer, _bea = shop
    add_invoice(db, customer, number="INV-1001")

    report = run_notices(db)
    assert (report.sent, report.failed) == (1, 0)
    assert run_notices(db).sent == 0  # the next run: nothing again

    [mail] = sent_mail()
    assert mail["To"] == "bea@bakery.example"
    assert mail["Subject"] == "Invoice INV-1001 from Acme Broadband: $125.00"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "due on" in text and "https://portal.example.com/portal/billing" in text
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "INV-1001.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert mail["List-Unsubscribe"].startswith("<https://portal.example.com/api/unsubscribe?token=u")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].strip("<>") in text  # the same link, visible in the body
    [raw] = settings().outbox_dir.glob("*.eml")
    assert f"\nList-Unsubscribe: {mail['List-Unsubscribe']}\n".encode() in raw.read_bytes()  # one plain line


def test_two_runs_at_the_same_time_send_one_email(database, monkeypatch):
    _organisation, customer, _bea = make_shop(database)
    add_invoice(database, customer)
    both_looked = threading.Barrier(2, timeout=30)
    due = invoice_notices._due

    def due_then_wait(*args):
        found = due(*args)
        both_looked.wait()  # each run has found the invoice unclaimed
        return found

    monkeypatch.setattr(invoice_notices, "_due", due_then_wait)

    def run() -> int:
        with new_session() as session:
            return run_notices(session).sent

    assert sorted(run_together(run, run)) == [0, 1]
    assert len(sent_mail()) == 1
    [notice] = database.exec(select(InvoiceNotice)).all()
    assert notice.sent_at is not None and notice.recipients == 1


def test_invoices_from_before_emails_began_drafts_and_void_ones_are_never_mailed(db, shop):
    organisation, customer, _bea = shop
    db.add(EmailSettings(organisation_id=organisation.id, notices_since=TODAY))  # as the migration stores it
    db.commit()
    add_invoice(db, customer, issued_on=TODAY - timedelta(days=1), due_in=30)
    add_invoice(db, customer, state=InvoiceState.DRAFT)
    add_invoice(db, customer, state=InvoiceState.VOID, due_in=20)
    add_invoice(db, customer, issued_on=TODAY + timedelta(days=2))  # dated later: mailed on its day

    assert run_notices(db).sent == 0
    assert run_notices(db, today=TODAY + timedelta(days=2)).sent == 1
    assert sent_mail()[0]["Subject"].startswith(f"Invoice INV-{TODAY + timedelta(days=2):%m%d}")


def test_an_organisation_the_job_meets_first_starts_that_day_whatever_its_creation_date(db):
    organisation = make_organisation(db)
    organisation.created_at = utcnow() - timedelta(days=400)  # e.g. the demo, or moved from another system
    db.add(organisation)
    db.commit()
    customer = make_customer(db, organisation)
    make_user(db, customer=customer)
    add_invoice(db, customer, issued_on=TODAY - timedelta(days=300), due_in=1000)
    add_invoice(db, customer, issued_on=TODAY - timedelta(days=1), due_in=30)

    assert run_notices(db).sent == 0
    assert db.get(EmailSettings, organisation.id).notices_since == TODAY
    add_invoice(db, customer, issued_on=TODAY, number="NEW")
    assert run_notices(db, today=TODAY + timedelta(days=1)).sent == 1  # a day later: still from the first day


def test_invoice_emails_switched_off_send_nothing(db, shop):
    organisation, customer, _bea = shop
    set_reminders(db, organisation, invoice_emails=False)
    add_invoice(db, customer)

    assert run_notices(db).sent == 0
    assert sent_mail() == []


def test_reminders_are_off_by_default_and_go_only_for_a_balance_due(db, shop):
    organisation, customer, _bea = shop
    earlier = TODAY - timedelta(days=10)
    set_reminders(db, organisation, invoice_emails=False, notices_since=earlier)
    add_invoice(db, customer, issued_on=earlier, due_in=12, number="SOON")  # due in 2 days
    add_invoice(db, customer, issued_on=earlier, due_in=12, paid=12_500, number="SOON-PAID")
    add_invoice(db, customer, issued_on=earlier, due_in=5, number="LATE")  # 5 days overdue
    add_invoice(db, customer, issued_on=earlier, due_in=5, paid=12_500, number="LATE-PAID")
    add_invoice(db, customer, issued_on=earlier, due_in=30, number="LATER")  # due in 20 days

    assert run_notices(db).sent == 0  # reminders are off by default

    set_reminders(db, organisation, due_reminders=True, overdue_reminders=True)
    assert run_notices(db).sent == 2
    assert run_notices(db).sent == 0
    subjects = sorted(mail["Subject"] for mail in sent_mail())
    assert subjects[0].startswith("Overdue: invoice LATE ($125.00) was due on")
    assert subjects[1].startswith("Reminder: invoice SOON ($125.00) is due on")


def test_the_reminder_comes_the_set_number_of_days_before_the_due_date(db, shop):
    organisation, customer, _bea = shop
    earlier = TODAY - timedelta(days=10)
    set_reminders(
        db, organisation, invoice_emails=False, due_reminders=True, reminder_days_before=7, notices_since=earlier
    )
    add_invoice(db, customer, issued_on=earlier, due_in=18)  # due in 8 days: not yet

    assert run_notices(db).sent == 0
    assert run_notices(db, today=TODAY + timedelta(days=1)).sent == 1


def test_a_person_who_turned_invoices_off_is_not_mailed_and_the_others_are(db, shop):
    _organisation, customer, bea = shop
    make_user(db, email="sam@bakery.example", customer=customer)
    db.add(NotificationOptOut(portal_user_id=bea.id, kind=NotificationKind.INVOICES))
    db.commit()
    add_invoice(db, customer)

    assert run_notices(db).sent == 1
    assert [mail["To"] for mail in sent_mail()] == ["sam@bakery.example"]


def test_everybody_turned_off_marks_the_email_done_without_sending(db, shop):
    _organisation, customer, bea = shop
    db.add(NotificationOptOut(portal_user_id=bea.id, kind=NotificationKind.INVOICES))
    db.commit()
    add_invoice(db, customer)

    report = run_notices(db)
    assert (report.sent, report.skipped) == (0, 1)
    assert sent_mail() == []
    assert run_notices(db).skipped == 0


def test_a_customer_without_portal_people_is_mailed_at_its_record_address(db):
    customer = make_customer(db, name="Corner Shop", email="owner@corner.example")
    add_invoice(db, customer)

    run_notices(db)
    [mail] = sent_mail()
    assert mail["To"] == "owner@corner.example"
    assert "token=c" in mail["List-Unsubscribe"]


def test_a_claim_left_by_a_run_that_stopped_is_sent_by_a_later_run(db, shop):
    _organisation, customer, _bea = shop
    invoice = add_invoice(db, customer)
    db.add(InvoiceNotice(invoice_id=invoice.id, kind=InvoiceNoticeKind.ISSUED, claimed_at=utcnow()))
    db.commit()

    assert run_notices(db).sent == 0  # another run may still be sending it
    notice = db.exec(select(InvoiceNotice)).one()
    notice.claimed_at = utcnow() - STALE_CLAIM - timedelta(minutes=1)  # that run stopped long ago
    db.add(notice)
    db.commit()

    assert run_notices(db).sent == 1
    db.refresh(notice)
    assert notice.attempts == 2 and notice.sent_at is not None
    assert len(sent_mail()) == 1


def test_a_send_that_failed_for_good_is_tried_again_later(db, shop, monkeypatch):
    _organisation, customer, _bea = shop
    add_invoice(db, customer)
    monkeypatch.setenv("PORTAL_SMTP_URL", "http://mail.example.com")  # a set-up mistake: every send fails
    settings.cache_clear()
    report = run_notices(db)
    assert (report.sent, report.failed) == (0, 1)
    notice = db.exec(select(InvoiceNotice)).one()
    assert notice.sent_at is None

    monkeypatch.delenv("PORTAL_SMTP_URL")
    settings.cache_clear()
    notice.claimed_at = utcnow() - STALE_CLAIM - timedelta(minutes=1)
    db.add(notice)
    db.commit()
    assert run_notices(db).sent == 1
    assert len(sent_mail()) == 1


def test_the_cli_runs_the_notices(db, shop, capsys):
    _organisation, customer, _bea = shop
    add_invoice(db, customer, number="INV-CLI")

    assert cli_main(["notices", "run"]) == 0
    out = capsys.readouterr().out
    assert "Sent the issued email of invoice INV-CLI to 1 person." in out
    assert "Invoice emails: 1 sent" in out


def test_the_migration_starts_invoice_emails_on_its_day_for_the_organisations_already_there(tmp_path, monkeypatch):
    from alembic import command
    from alembic.config import Config
    from conftest import REPO
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("REFLEX_DB_URL", url)
    config = Config(str(REPO / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "0016")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (slug, name, brand_colour, address, email, phone, website, "
                "online_payments_enabled, autopay_allowed, stripe_charges_enabled, "
                "stripe_payouts_enabled, stripe_details_submitted, stripe_currently_due, "
                "stripe_past_due, created_at) VALUES ('old', 'Old ISP', '#0f766e', '', '', '', '', "
                "0, 0, 0, 0, 0, '[]', '[]', '2020-01-01 00:00:00')"
            )
        )
    command.upgrade(config, "0017")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT invoice_emails, due_reminders, reminder_days_before, "
                "overdue_reminders, notices_since FROM emailsettings"
            )
        ).all()
    engine.dispose()
    assert rows == [(1, 0, 3, 0, utcnow().date().isoformat())]


def test_deleting_a_customer_takes_its_invoice_emails_and_opt_outs_with_it(db):
    from portal_app.services.accounts.customer_admin import delete_customer

    organisation = make_organisation(db, slug="corner-isp")
    customer = make_customer(db, organisation, name="Corner Shop", email="owner@corner.example")
    add_invoice(db, customer)
    run_notices(db)
    db.add(NotificationOptOut(customer_id=customer.id, kind=NotificationKind.RECEIPTS))
    db.commit()

    delete_customer(db, "corner-isp", customer.id)
    assert db.exec(select(InvoiceNotice)).all() == []
    assert db.exec(select(NotificationOptOut)).all() == []
