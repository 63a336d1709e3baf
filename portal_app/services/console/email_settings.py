"""Settings → Emails in the console: whether customers get invoice emails and payment reminders (sent by
`notices run`, services/billing/invoice_notices.py). Administrators only; each change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.errors import PortalError
from portal_app.models import EmailSettings
from portal_app.services.access import admin_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_notices import email_settings
from portal_app.services.common.dates import show_date
from portal_app.services.common.inputs import parse_id
from portal_app.services.console.audit import AuditAction, record

MIN_DAYS, MAX_DAYS = 1, 30


@dataclass(frozen=True)
class EmailSettingsView:
    """What the page shows."""

    invoice_emails: bool
    due_reminders: bool
    reminder_days_before: int
    overdue_reminders: bool
    notices_since: str


def organisation_email_settings(db: Session, principal: Principal) -> EmailSettingsView:
    """The administrator's organisation's email settings."""
    organisation = admin_scope(db, principal).organisation
    return _view(email_settings(db, organisation))


def save_email_settings(
    db: Session,
    principal: Principal,
    *,
    invoice_emails: object,
    due_reminders: object,
    days_before: object,
    overdue_reminders: object,
    client_ip: str = "",
) -> EmailSettingsView:
    """Save the switches and the reminder's days before the due date (1 to 30); audited when something changed."""
    staff = admin_scope(db, principal)
    if not all(isinstance(flag, bool) for flag in (invoice_emails, due_reminders, overdue_reminders)):
        raise PortalError("Choose which emails are on.")
    days = parse_id(days_before.strip(), MAX_DAYS) if isinstance(days_before, str) else None
    if days is None or days < MIN_DAYS:
        raise PortalError(f"Enter a whole number of days from {MIN_DAYS} to {MAX_DAYS}.", field="days_before")
    current = email_settings(db, staff.organisation)
    wanted = (invoice_emails, due_reminders, days, overdue_reminders)
    before = (current.invoice_emails, current.due_reminders, current.reminder_days_before, current.overdue_reminders)
    if wanted != before:
        current.invoice_emails, current.due_reminders, current.reminder_days_before, current.overdue_reminders = wanted
        db.add(current)
        record(db, staff, AuditAction.EMAIL_SETTINGS, client_ip=client_ip, detail=_detail(current))
    return _view(current)


def _detail(settings: EmailSettings) -> str:
    reminder = f"on, {settings.reminder_days_before} days before" if settings.due_reminders else "off"
    return (
        f"Invoice emails {'on' if settings.invoice_emails else 'off'}, reminder before due {reminder}, "
        f"overdue reminder {'on' if settings.overdue_reminders else 'off'}"
    )


def _view(settings: EmailSettings) -> EmailSettingsView:
    return EmailSettingsView(
        invoice_emails=settings.invoice_emails,
        due_reminders=settings.due_reminders,
        reminder_days_before=settings.reminder_days_before,
        overdue_reminders=settings.overdue_reminders,
        notices_since=show_date(settings.notices_since),
    )
