"""The centred card used by sign-in, forgot-password, reset and invitation pages."""

from __future__ import annotations

import reflex as rx

from portal_app.components.fields import text_field


def auth_card(
    title: str, *children: rx.Component, subtitle: str = "", area: rx.Var | str = "Customer portal"
) -> rx.Component:
    """A small centred card with the portal's area ("Customer portal", or "Staff area" for staff) above it."""
    return rx.el.main(
        rx.center(
            rx.vstack(
                rx.hstack(
                    rx.icon("shield-check", size=22, aria_hidden="true"),
                    rx.text(area, weight="bold", size="4"),
                    align="center",
                    spacing="2",
                ),
                rx.card(
                    rx.vstack(
                        rx.heading(title, size="6", as_="h1"),
                        rx.cond(subtitle != "", rx.text(subtitle, size="2", color_scheme="gray")),
                        *children,
                        spacing="4",
                        width="100%",
                    ),
                    width="100%",
                    size="3",
                ),
                align="center",
                spacing="4",
                width="100%",
                max_width="420px",
            ),
            min_height="100vh",
            class_name="auth-page",
        )
    )


def field(
    label: str, name: str, *, errors: rx.Var, type_: str = "text", autocomplete: str = "", **props
) -> rx.Component:
    """A labelled input for a form (label tied to the input by id, which is `name`), with its message from
    `errors` (the state's `field_errors`) under it; `hint`, `limit` and `initial` as in fields.text_field."""
    return text_field(label, name, errors=errors, type=type_, auto_complete=autocomplete or None, **props)


def form_error(message: rx.Var) -> rx.Component:
    """An error callout announced to screen readers: for refusals about the whole form (a field's own message
    sits at the field)."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def form_notice(message: rx.Var) -> rx.Component:
    """A confirmation callout announced to screen readers."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="green", role="status", width="100%"),
    )
