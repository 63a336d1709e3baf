"""Settings → Emails for administrators (/staff/settings/emails): invoice emails and payment reminders."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import field, form_error
from portal_app.components.cards import section
from portal_app.components.fields import checkbox_field
from portal_app.components.loading import until_loaded
from portal_app.components.settings_nav import settings_nav
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_emails import EMAILS_ROUTE, StaffEmailSettingsState


def _form() -> rx.Component:
    state = StaffEmailSettingsState
    return rx.form(
        rx.vstack(
            checkbox_field(
                "invoice_emails",
                "Invoice emails",
                state.invoice_emails,
                "When an invoice is issued, the customer's people get it by email with the PDF attached.",
            ),
            checkbox_field(
                "due_reminders",
                "Reminder before the due date",
                state.due_reminders,
                "One reminder for each invoice with a balance due, the number of days below before its due date.",
            ),
            rx.box(
                field(
                    "Days before the due date",
                    "days_before",
                    errors=state.field_errors,
                    type_="number",
                    initial=state.reminder_days_before,
                    min=1,
                    max=30,
                    input_mode="numeric",
                ),
                max_width="14rem",
            ),
            checkbox_field(
                "overdue_reminders",
                "Overdue reminder",
                state.overdue_reminders,
                "One reminder when an invoice becomes overdue with a balance due.",
            ),
            rx.button("Save email settings", type="submit"),
            spacing="3",
            align="start",
        ),
        on_submit=state.save_email_settings,
        no_validate=True,
        key=state.form_key,
    )


def _about() -> rx.Component:
    return rx.text(
        "Emails go out when the portal's scheduled notices run, once per invoice and kind. Customers choose which "
        "emails they get under Profile → Notifications, and every email has a one-click unsubscribe link. "
        "Invoices issued before ",
        rx.el.strong(StaffEmailSettingsState.notices_since),
        " are never emailed.",
        size="2",
        color_scheme="gray",
        as_="p",
        margin_top="var(--space-3)",
    )


@portal_page(EMAILS_ROUTE, "Email settings", on_load=StaffEmailSettingsState.load_email_settings)
def staff_email_settings_page() -> rx.Component:
    """Invoice emails on or off, and the payment reminders before the due date and once overdue."""
    state = StaffEmailSettingsState
    return staff_shell(
        rx.heading("Settings → Emails", size="6", as_="h1", margin_bottom="var(--space-4)"),
        settings_nav(EMAILS_ROUTE),
        until_loaded(
            state.loaded,
            rx.vstack(
                form_notice(state.notice),
                form_error(state.error),
                section("Invoice emails and reminders", _form(), _about()),
                spacing="4",
                width="100%",
            ),
        ),
        admin_only=True,
    )
