"""Sign in (/portal/login): email + password with Remember me, then a code when two-factor sign-in is on."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import auth_card, brand_link, field, form_error, form_notice, submit_button
from portal_app.pages.registry import portal_page
from portal_app.state.login import LoginState
from portal_app.state.staff_sign_in import StaffSignInState

CUSTOMER_SUBTITLE = "Sign in to see your services, invoices and support tickets."
STAFF_SUBTITLE = "Sign in with your staff account to answer tickets and run your organisation's portal."


def _password_step() -> rx.Component:
    return auth_card(
        rx.cond(StaffSignInState.for_staff, "Staff sign-in", "Sign in"),
        rx.form(
            rx.vstack(
                form_notice(LoginState.notice),
                form_error(LoginState.error),
                field(
                    "Email",
                    "email",
                    errors=LoginState.field_errors,
                    type_="email",
                    autocomplete="username",
                    required=True,
                    max_length=254,
                ),
                field(
                    "Password",
                    "password",
                    errors=LoginState.field_errors,
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
                submit_button("Sign in", loading=LoginState.busy),
                brand_link("Forgot password?", "/portal/forgot-password"),
                spacing="4",
                width="100%",
            ),
            on_submit=LoginState.sign_in,
            no_validate=True,
            width="100%",
        ),
        subtitle=rx.cond(StaffSignInState.for_staff, STAFF_SUBTITLE, CUSTOMER_SUBTITLE),
        area=rx.cond(StaffSignInState.for_staff, "Staff area", "Customer portal"),
    )


def _code_step() -> rx.Component:
    return auth_card(
        "Enter your sign-in code",
        rx.form(
            rx.vstack(
                form_error(LoginState.error),
                field(
                    "Code",
                    "code",
                    errors=LoginState.field_errors,
                    autocomplete="one-time-code",
                    required=True,
                    max_length=64,
                    auto_focus=True,
                    spell_check=False,
                    auto_capitalize="none",
                ),
                rx.text(
                    "Lost your phone? Enter one of your recovery codes instead; each works once.",
                    size="2",
                    color_scheme="gray",
                ),
                submit_button("Verify", loading=LoginState.busy),
                rx.button(
                    "Back to sign in",
                    type="button",
                    variant="ghost",
                    size="2",
                    on_click=LoginState.restart_sign_in,
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=LoginState.finish_sign_in,
            reset_on_submit=True,
            no_validate=True,
            width="100%",
        ),
        subtitle="Enter the 6-digit code from your authenticator app.",
    )


@portal_page("/portal/login", "Sign in", on_load=LoginState.load_login)
def login_page() -> rx.Component:
    """The sign-in form; after a correct password of a two-factor account, the code form."""
    return rx.cond(LoginState.second_step, _code_step(), _password_step())
