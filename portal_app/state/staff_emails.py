"""Settings → Emails for administrators: invoice emails and payment reminders on or off, and when reminders go."""

from __future__ import annotations

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.console import email_settings as emails
from portal_app.services.console.email_settings import EmailSettingsView
from portal_app.state.client import caller_address
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

EMAILS_ROUTE = "/staff/settings/emails"
CHECKED = (True, "on")  # a ticked checkbox as the browser's form data sends it
DAYS_FIELDS = {"days_before": "days_before"}


class StaffEmailSettingsState(FieldErrors, StaffSession):
    """The organisation's email settings as last read, and the outcome of the last change."""

    loaded: bool = False
    invoice_emails: bool = True
    due_reminders: bool = False
    reminder_days_before: str = "3"
    overdue_reminders: bool = False
    notices_since: str = ""
    notice: str = ""
    error: str = ""
    form_key: int = 0

    @rx.event
    async def load_email_settings(self):
        """Read the settings (redirects when signed out; nothing for agents)."""
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            shown = await self._as_admin(emails.organisation_email_settings)
        except SignedOut:
            return self._login_redirect()
        self._show(shown)
        self.loaded = True
        return None

    @rx.event
    async def save_email_settings(self, form: dict):
        """Save the switches and the days before the due date."""
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            shown = await self._as_admin(
                emails.save_email_settings,
                invoice_emails=form_field(form, "invoice_emails") in CHECKED,
                due_reminders=form_field(form, "due_reminders") in CHECKED,
                days_before=form_field(form, "days_before"),
                overdue_reminders=form_field(form, "overdue_reminders") in CHECKED,
                client_ip=caller_address(self),
            )
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, DAYS_FIELDS)
        self._show(shown)
        self.notice = "Email settings saved." if shown is not None else ""
        return None

    def _show(self, shown: EmailSettingsView | None) -> None:
        if shown is None:
            return
        self.invoice_emails = shown.invoice_emails
        self.due_reminders = shown.due_reminders
        self.reminder_days_before = str(shown.reminder_days_before)
        self.overdue_reminders = shown.overdue_reminders
        self.notices_since = shown.notices_since
        self.form_key += 1
