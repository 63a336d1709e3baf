"""Settings → Users & roles for administrators (/staff/settings/users): the organisation's staff, inviting someone
by email with a role, and resending, role changes, deactivating and reactivating."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import section
from portal_app.components.fields import field_error, invalid_props, text_field
from portal_app.components.loading import until_loaded
from portal_app.components.settings_nav import settings_nav
from portal_app.components.tables import data_table
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.pages.staff_customers import access_badge
from portal_app.state.staff_users import INVITE_FIELDS, STAFF_USERS_ROUTE, StaffUsersState

HEADERS = ["Person", "Role", "Status", "Last sign-in", "Actions"]
ROLES = (("agent", "Agent"), ("admin", "Admin"))
ROLE_HINT = "Agents answer tickets and write help articles. Admins also run customers, billing, settings and this list."


def _confirm(label: str, title: rx.Var, body: str, on_confirm: rx.EventHandler) -> rx.Component:
    """A button that asks first."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(label, type="button", color_scheme="red", variant="soft", size="2")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(body),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(label, color_scheme="red", on_click=on_confirm)),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
        ),
    )


def _small_button(label: str | rx.Var, on_click: rx.EventHandler, aria_label: rx.Var) -> rx.Component:
    return rx.button(label, type="button", variant="soft", size="2", on_click=on_click, aria_label=aria_label)


def _person_row(person: rx.Var) -> rx.Component:
    state = StaffUsersState
    make = rx.cond(person.role == "admin", "agent", "admin")
    return rx.el.tr(
        rx.el.th(
            rx.box(
                rx.text(
                    rx.cond(person.name != "", person.name, person.email),
                    rx.cond(person.is_you, " (you)", ""),
                    weight="medium",
                    class_name="ticket-subject",
                ),
                rx.cond(
                    person.name != "", rx.text(person.email, size="1", color_scheme="gray", class_name="ticket-subject")
                ),
            ),
            scope="row",
        ),
        rx.el.td(person.role_label, class_name="nowrap"),
        rx.el.td(access_badge(person.status), class_name="nowrap"),
        rx.el.td(person.last_sign_in, class_name="nowrap"),
        rx.el.td(
            rx.flex(
                rx.cond(
                    person.can_resend,
                    _small_button("Resend invite", state.resend_invite(person.id), "Resend invite to " + person.email),
                ),
                rx.cond(
                    person.can_reactivate,
                    _small_button("Reactivate", state.reactivate(person.id), "Reactivate " + person.email),
                    _small_button(
                        rx.cond(person.role == "admin", "Make agent", "Make admin"),
                        state.change_role(person.id, make),
                        rx.cond(person.role == "admin", "Make agent: ", "Make admin: ") + person.email,
                    ),
                ),
                rx.cond(
                    person.can_deactivate,
                    _confirm(
                        "Deactivate",
                        "Deactivate " + person.email + "?",
                        "They are signed out everywhere and can no longer sign in. You can reactivate them later.",
                        state.deactivate(person.id),
                    ),
                ),
                spacing="2",
                wrap="wrap",
            )
        ),
    )


def _role_field() -> rx.Component:
    element_id = INVITE_FIELDS["role"]
    message = StaffUsersState.field_errors.get(element_id, "")
    return rx.vstack(
        rx.el.label("Role", html_for=element_id, class_name="field-label"),
        rx.el.select(
            *[rx.el.option(label, value=value) for value, label in ROLES],
            name="role",
            id=element_id,
            default_value="agent",
            class_name="native-select",
            **invalid_props(element_id, message),
        ),
        field_error(element_id, message),
        spacing="1",
    )


def _invite_form() -> rx.Component:
    state = StaffUsersState
    return rx.form(
        rx.vstack(
            rx.flex(
                rx.box(
                    text_field(
                        "Email",
                        INVITE_FIELDS["email"],
                        name="email",
                        errors=state.field_errors,
                        type="email",
                        max_length=254,
                        autocomplete="off",
                    ),
                    flex_grow="1",
                    min_width="14rem",
                ),
                rx.box(
                    text_field(
                        "Name (optional)", "staff-invite-name", name="name", errors=state.field_errors, limit=120
                    ),
                    flex_grow="1",
                    min_width="14rem",
                ),
                _role_field(),
                spacing="3",
                align="start",
                wrap="wrap",
                width="100%",
            ),
            rx.text(ROLE_HINT, size="1", color_scheme="gray", as_="p"),
            rx.button("Send invitation", type="submit", size="3"),
            spacing="3",
            width="100%",
        ),
        on_submit=state.invite,
        key=state.form_key,
        no_validate=True,
        width="100%",
    )


@portal_page(STAFF_USERS_ROUTE, "Users & roles", on_load=StaffUsersState.load_staff_users)
def staff_users_page() -> rx.Component:
    """The organisation's staff with their role and status, the invitation form, and the actions on each person."""
    state = StaffUsersState
    return staff_shell(
        settings_nav(STAFF_USERS_ROUTE),
        rx.heading("Settings → Users & roles", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(
            state.loaded,
            rx.vstack(
                form_notice(state.notice),
                form_error(state.error),
                section(
                    "Staff users",
                    data_table(HEADERS, state.rows, _person_row, "No staff users yet.", "Staff users"),
                ),
                section("Invite a staff member", _invite_form()),
                spacing="4",
                width="100%",
            ),
        ),
        admin_only=True,
    )
