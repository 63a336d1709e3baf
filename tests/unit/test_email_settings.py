"""Settings → Emails in the console: invoice emails and reminders, for administrators only, every change audited."""

from __future__ import annotations

import pytest
from factories import make_user, principal_for
from sqlmodel import select

from portal_app.errors import PortalError
from portal_app.models import AuditEntry, EmailSettings, StaffRole
from portal_app.models.base import utcnow
from portal_app.services.access import NotAdmin
from portal_app.services.console import email_settings as emails

IP = "198.51.100.4"
ALL_ON = {"invoice_emails": True, "due_reminders": True, "days_before": "5", "overdue_reminders": True}


@pytest.fixture
def admin(db, acme):
    user = make_user(db, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    return principal_for(db, user)


def test_the_defaults_invoice_emails_on_reminders_off_three_days(db, admin):
    shown = emails.organisation_email_settings(db, admin)
    assert (shown.invoice_emails, shown.due_reminders, shown.reminder_days_before, shown.overdue_reminders) == (
        True,
        False,
        3,
        False,
    )
    assert db.exec(select(EmailSettings)).all() == []  # reading stores nothing


def test_saving_stores_the_choice_and_audits_each_change(db, acme, admin):
    shown = emails.save_email_settings(db, admin, **ALL_ON, client_ip=IP)
    db.commit()
    assert (shown.due_reminders, shown.reminder_days_before, shown.overdue_reminders) == (True, 5, True)
    emails.save_email_settings(db, admin, **ALL_ON, client_ip=IP)  # nothing changed: no entry
    db.commit()

    [entry] = db.exec(select(AuditEntry)).all()
    assert (entry.action, entry.staff_email, entry.client_ip) == ("Changed email settings", "robin@acme.example", IP)
    assert entry.detail == "Invoice emails on, reminder before due on, 5 days before, overdue reminder on"
    stored = db.get(EmailSettings, acme.id)
    assert stored.notices_since == utcnow().date()  # emails begin the first day the settings are stored


@pytest.mark.parametrize("days", ["0", "31", "two", "", "3.5", "-1", 4])
def test_days_outside_one_to_thirty_are_refused_at_the_field(db, admin, days):
    with pytest.raises(PortalError) as refused:
        emails.save_email_settings(db, admin, **{**ALL_ON, "days_before": days}, client_ip=IP)
    assert refused.value.field == "days_before"
    db.rollback()
    assert db.exec(select(EmailSettings)).all() == []


def test_agents_cannot_read_or_change_them(db, acme):
    agent = principal_for(
        db, make_user(db, email="ari@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT)
    )
    with pytest.raises(NotAdmin):
        emails.organisation_email_settings(db, agent)
    with pytest.raises(NotAdmin):
        emails.save_email_settings(db, agent, **ALL_ON, client_ip=IP)
