"""Sign in (/portal/login): email + password with Remember me."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import auth_card, field, form_error, form_notice
from portal_app.pages.registry import portal_page
from portal_app.state.login import LoginState


@portal_page("/portal/login", "Sign in", on_load=LoginState.load_login)
def login_page() -> rx.Component:
    """The sign-in form."""
    return auth_card(
        "Sign in",
        rx.form(
            rx.vstack(
                form_notice(LoginState.notice),
                form_error(LoginState.error),
                field("Email", "email", type_="email", autocomplete="username", required=True, max_length=254),
                field(
                    "Password",
                    "password",
                    type_="password",
                    autocomplete="current-password",
                    required=True,
                    max_length=1024,
                ),
                rx.el.label(
                    rx.el.input(type="checkbox", name="remember", id="remember", class_name="checkbox"),
                    "Remember me",
                    html_for="remember",
                    class_name="checkbox-label",
                ),
                rx.button(
                    "Sign in",
                    type="submit",
                    size="3",
                    width="100%",
                    loading=LoginState.busy,
                ),
                rx.link("Forgot password?", href="/portal/forgot-password", size="2"),
                spacing="4",
                width="100%",
            ),
            on_submit=LoginState.sign_in,
            width="100%",
        ),
        subtitle="Sign in to see your services, invoices and support tickets.",
    )
