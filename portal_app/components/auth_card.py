"""The centred card used by sign-in, forgot-password, reset and invitation pages."""

from __future__ import annotations

import reflex as rx

from portal_app.components.fields import text_field
from portal_app.state.sign_in_branding import SignInBrandingState


def auth_card(
    title: str, *children: rx.Component, subtitle: str = "", area: rx.Var | str = "Customer portal"
) -> rx.Component:
    """A small centred card with the portal's area ("Customer portal", or "Staff area" for staff) above it, under
    the provider's logo or name and with its colour when the page is branded (state/sign_in_branding.py)."""
    return rx.el.main(
        rx.center(
            rx.vstack(
                _masthead(area),
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
                    border_top=rx.cond(_branded(), "4px solid " + SignInBrandingState.brand_colour, "none"),
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


def submit_button(label: str, **props) -> rx.Component:
    """The form's main button, in the provider's colour on a branded page (its colour keeps white text readable:
    services/console/company_profile.py checks the contrast)."""
    return rx.button(
        label,
        type="submit",
        size="3",
        width="100%",
        background_color=rx.cond(_branded(), SignInBrandingState.brand_colour, "var(--accent-9)"),
        color=rx.cond(_branded(), "white", "var(--accent-contrast)"),
        **props,
    )


def brand_link(label: str, route: str) -> rx.Component:
    """A link to another signed-out page that keeps the provider's look (its ?org= goes along)."""
    return rx.link(label, href=route + SignInBrandingState.brand_query, size="2")


def _branded() -> rx.Var:
    return SignInBrandingState.brand_name != ""


def _masthead(area: rx.Var | str) -> rx.Component:
    """The provider's logo (or its name) over the area on a branded page; the portal's shield and area otherwise."""
    neutral = rx.hstack(
        rx.icon("shield-check", size=22, aria_hidden="true"),
        rx.text(area, weight="bold", size="4"),
        align="center",
        spacing="2",
    )
    branded = rx.vstack(
        rx.cond(
            SignInBrandingState.brand_logo != "",
            rx.image(
                src=SignInBrandingState.brand_logo,
                alt=SignInBrandingState.brand_name,
                height="48px",
                width="auto",
                max_width="260px",
                class_name="brand-logo",
                id="sign-in-logo",
            ),
            rx.text(SignInBrandingState.brand_name, weight="bold", size="6", id="sign-in-brand-name"),
        ),
        rx.text(area, size="2", color_scheme="gray"),
        align="center",
        spacing="1",
    )
    return rx.cond(_branded(), branded, neutral)


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
