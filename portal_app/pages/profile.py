"""Profile settings (/portal/profile) and email confirmation (/portal/confirm-email)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import auth_card, field, form_error, form_notice
from portal_app.components.cards import labelled, link_button, section
from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.components.tables import labelled_cells
from portal_app.pages.profile_two_factor import two_factor_section
from portal_app.pages.registry import portal_page
from portal_app.state.limits import NAME_MAX, RULES_TEXT
from portal_app.state.profile import ConfirmEmailState, NotificationsState, ProfileState, UndoEmailState
from portal_app.state.two_factor import TwoFactorState


def _name_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_notice(ProfileState.name_notice),
            form_error(ProfileState.name_error),
            field(
                "Your name",
                "name",
                errors=ProfileState.field_errors,
                autocomplete="name",
                limit=NAME_MAX,
                initial=ProfileState.name,
            ),
            rx.button("Save name", type="submit"),
            spacing="3",
            align="start",
            width="100%",
        ),
        on_submit=ProfileState.save_name,
        no_validate=True,
        width="100%",
    )


def _email_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("You sign in with ", rx.el.strong(ProfileState.email), ".", size="2"),
            form_notice(ProfileState.email_notice),
            form_error(ProfileState.email_error),
            field(
                "New sign-in email",
                "new_email",
                errors=ProfileState.field_errors,
                type_="email",
                autocomplete="email",
                max_length=254,
            ),
            field(
                "Your current password",
                "password",
                errors=ProfileState.field_errors,
                type_="password",
                autocomplete="current-password",
            ),
            rx.cond(
                TwoFactorState.enabled,
                field(
                    "Code from your authenticator app",
                    "code",
                    errors=ProfileState.field_errors,
                    autocomplete="one-time-code",
                    max_length=32,
                ),
            ),
            rx.text("We send a link to the new address; the change takes effect once you open it.", size="1"),
            rx.button("Send confirmation link", type="submit"),
            spacing="3",
            align="start",
            width="100%",
        ),
        on_submit=ProfileState.change_email,
        no_validate=True,
        key=ProfileState.email_form_version,
        width="100%",
    )


def _password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_notice(ProfileState.password_notice),
            form_error(ProfileState.password_error),
            field(
                "Current password",
                "current_password",
                errors=ProfileState.field_errors,
                type_="password",
                autocomplete="current-password",
            ),
            field(
                "New password",
                "new_password",
                errors=ProfileState.field_errors,
                type_="password",
                autocomplete="new-password",
                max_length=200,
                hint=RULES_TEXT,
            ),
            field(
                "Repeat the new password",
                "confirm_password",
                errors=ProfileState.field_errors,
                type_="password",
                autocomplete="new-password",
            ),
            rx.button("Change password", type="submit"),
            spacing="3",
            align="start",
            width="100%",
        ),
        on_submit=ProfileState.change_password,
        no_validate=True,
        key=ProfileState.password_form_version,
        width="100%",
    )


def _session_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row.device, scope="row"),
        rx.el.td(rx.cond(row.address != "", row.address, "—")),
        rx.el.td(row.last_seen, class_name="nowrap"),
        rx.el.td(
            rx.cond(
                row.current,
                rx.badge("This browser", variant="soft"),
                rx.button(
                    "Sign out",
                    on_click=ProfileState.sign_out_session(row.id),
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    aria_label="Sign out " + row.device + ", last seen " + row.last_seen,
                ),
            )
        ),
    )


def _record() -> rx.Component:
    return section(
        "Your customer record",
        rx.el.dl(
            labelled("Client name", ProfileState.record_name),
            labelled("Email", ProfileState.record_email),
            labelled("Phone", ProfileState.record_phone),
            labelled("Address", ProfileState.record_address),
            class_name="details",
        ),
        rx.text(
            "These details belong to your provider's records and cannot be changed here. To change them, "
            "please contact your provider",
            rx.cond(ProfileState.provider_email != "", rx.fragment(" at ", ProfileState.provider_email)),
            ".",
            size="2",
            margin_top="var(--space-3)",
            as_="p",
        ),
    )


def _preference_row(row: rx.Var) -> rx.Component:
    switch_id = "notify-" + row.kind
    return rx.flex(
        rx.switch(
            id=switch_id,
            checked=row.enabled,
            on_change=lambda on: NotificationsState.set_notification(row.kind, on),
            aria_describedby=switch_id + "-hint",
        ),
        rx.vstack(
            rx.el.label(row.label, html_for=switch_id, class_name="field-label"),
            rx.text(row.hint, size="1", color_scheme="gray", id=switch_id + "-hint", as_="p"),
            spacing="0",
        ),
        spacing="3",
        align="start",
    )


def _notifications() -> rx.Component:
    return section(
        "Notifications",
        rx.text(
            "Choose which emails you get. Changes are saved at once.", size="2", as_="p", margin_bottom="var(--space-3)"
        ),
        form_notice(NotificationsState.notice),
        form_error(NotificationsState.error),
        until_loaded(
            NotificationsState.loaded,
            rx.vstack(rx.foreach(NotificationsState.preferences, _preference_row), spacing="3", id="notifications"),
            lines=4,
        ),
    )


@portal_page(
    "/portal/profile",
    "Profile settings",
    on_load=[ProfileState.load_profile, TwoFactorState.load_two_factor, NotificationsState.load_notifications],
)
def profile_page() -> rx.Component:
    """The person's own settings."""
    return portal_shell(
        "Profile",
        rx.heading("Profile settings", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(ProfileState.loaded, _settings(), _sessions(), lines=6),
        always=True,
    )


def _settings() -> rx.Component:
    return rx.grid(
        section("Name", _name_form()),
        section("Sign-in email", _email_form()),
        section("Password", _password_form()),
        two_factor_section(),
        _notifications(),
        rx.cond(ProfileState.linked, _record()),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def _sessions() -> rx.Component:
    return rx.box(
        section(
            "Active sessions",
            form_notice(ProfileState.sessions_notice),
            rx.box(
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(
                            rx.el.th("Device", scope="col"),
                            rx.el.th("Address", scope="col"),
                            rx.el.th("Last activity (UTC)", scope="col"),
                            rx.el.th(rx.el.span("Actions", class_name="visually-hidden"), scope="col"),
                        )
                    ),
                    rx.el.tbody(
                        rx.foreach(
                            ProfileState.sessions,
                            labelled_cells(["Device", "Address", "Last activity (UTC)", "Actions"], _session_row),
                        )
                    ),
                    class_name="data-table",
                ),
                class_name="table-scroll",
                tab_index=0,
                role="region",
                aria_label="Active sessions",
            ),
            rx.button(
                "Sign out other sessions",
                on_click=ProfileState.sign_out_others,
                variant="soft",
                color_scheme="red",
                margin_top="var(--space-3)",
            ),
        ),
        margin_top="var(--space-4)",
    )


@portal_page("/portal/confirm-email", "Confirm email", on_load=ConfirmEmailState.load_confirm)
def confirm_email_page() -> rx.Component:
    """Opened from the confirmation email."""
    return auth_card(
        "Confirm your new email",
        form_notice(ConfirmEmailState.result),
        form_error(ConfirmEmailState.problem),
        rx.link("Sign in", href="/portal/login", size="2"),
    )


@portal_page("/portal/undo-email-change", "Undo email change", on_load=UndoEmailState.load_undo)
def undo_email_page() -> rx.Component:
    """Opened from the notice sent to the old address after a change."""
    return auth_card(
        "Your sign-in email",
        form_notice(UndoEmailState.result),
        form_error(UndoEmailState.problem),
        rx.cond(
            UndoEmailState.result != "",
            link_button("Set a new password", "/portal/forgot-password"),
            rx.link("Sign in", href="/portal/login", size="2"),
        ),
    )
