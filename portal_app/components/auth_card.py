"""The centred card used by sign-in, forgot-password, reset and invitation pages."""

from __future__ import annotations

import reflex as rx


def auth_card(title: str, *children: rx.Component, subtitle: str = "") -> rx.Component:
    """A small centred card with the portal name above it."""
    return rx.el.main(
        rx.center(
            rx.vstack(
                rx.hstack(
                    rx.icon("shield-check", size=22, aria_hidden="true"),
                    rx.text("Customer portal", weight="bold", size="4"),
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


def field(label: str, name: str, *, type_: str = "text", autocomplete: str = "", **props) -> rx.Component:
    """A labelled input for a form (label tied to the input by id)."""
    return rx.vstack(
        rx.el.label(label, html_for=name, class_name="field-label"),
        rx.input(
            name=name,
            id=name,
            type=type_,
            auto_complete=autocomplete or None,
            size="3",
            width="100%",
            **props,
        ),
        spacing="1",
        width="100%",
    )


def form_error(message: rx.Var) -> rx.Component:
    """An error callout announced to screen readers."""
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
