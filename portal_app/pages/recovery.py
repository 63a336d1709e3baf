"""Forgot password, reset password and accept invitation pages."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import auth_card, brand_link, field, form_error, form_notice, submit_button
from portal_app.pages.registry import portal_page
from portal_app.state.limits import NAME_MAX, RULES_TEXT
from portal_app.state.recovery import AcceptInviteState, ForgotPasswordState, ResetPasswordState


def _back_to_sign_in() -> rx.Component:
    return brand_link("Back to sign in", "/portal/login")


def _new_password_fields(errors: rx.Var) -> rx.Component:
    return rx.fragment(
        field(
            "New password",
            "password",
            errors=errors,
            type_="password",
            autocomplete="new-password",
            required=True,
            max_length=200,
            hint=RULES_TEXT,
        ),
        field(
            "Repeat the new password",
            "confirm",
            errors=errors,
            type_="password",
            autocomplete="new-password",
            required=True,
            max_length=200,
        ),
    )


def _bad_link(problem: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.callout(problem, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
        brand_link("Ask for a new link", "/portal/forgot-password"),
        _back_to_sign_in(),
        spacing="3",
        width="100%",
    )


@portal_page("/portal/forgot-password", "Forgot password", on_load=ForgotPasswordState.load_forgot)
def forgot_password_page() -> rx.Component:
    """Ask for a password reset link by email."""
    return auth_card(
        "Forgot password",
        rx.form(
            rx.vstack(
                form_notice(ForgotPasswordState.notice),
                form_error(ForgotPasswordState.error),
                field(
                    "Email",
                    "email",
                    errors=ForgotPasswordState.field_errors,
                    type_="email",
                    autocomplete="email",
                    required=True,
                    max_length=254,
                ),
                submit_button("Send reset link"),
                _back_to_sign_in(),
                spacing="4",
                width="100%",
            ),
            on_submit=ForgotPasswordState.request_link,
            no_validate=True,
            width="100%",
        ),
        subtitle="Enter the email address you sign in with and we will send you a link to set a new password.",
    )


@portal_page("/portal/reset-password", "Reset password", on_load=ResetPasswordState.load_reset)
def reset_password_page() -> rx.Component:
    """Set a new password from an emailed link."""
    return auth_card(
        "Set a new password",
        rx.cond(
            ResetPasswordState.checked,
            rx.cond(
                ResetPasswordState.link_problem != "",
                _bad_link(ResetPasswordState.link_problem),
                rx.form(
                    rx.vstack(
                        form_error(ResetPasswordState.error),
                        _new_password_fields(ResetPasswordState.field_errors),
                        submit_button("Save new password"),
                        _back_to_sign_in(),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=ResetPasswordState.set_password,
                    no_validate=True,
                    width="100%",
                ),
            ),
            rx.text("Checking your link…", role="status"),
        ),
        subtitle="You will be signed out everywhere else once the new password is saved.",
    )


def _invite_form(sentence_end: list, *fields: rx.Component, button: str) -> rx.Component:
    """The invitation's form: who invited whom, then the fields and the button."""
    invited = [AcceptInviteState.invited_org, " invited ", rx.el.strong(AcceptInviteState.invited_email)]
    return rx.form(
        rx.vstack(
            rx.text(*invited, *sentence_end, size="2"),
            form_error(AcceptInviteState.error),
            *fields,
            submit_button(button),
            spacing="4",
            width="100%",
        ),
        on_submit=AcceptInviteState.accept,
        no_validate=True,
        width="100%",
    )


def _new_account_form() -> rx.Component:
    return _invite_form(
        [". Choose a password to finish setting up your account."],
        field(
            "Your name",
            "name",
            errors=AcceptInviteState.field_errors,
            autocomplete="name",
            limit=NAME_MAX,
            initial=AcceptInviteState.invited_name,
        ),
        _new_password_fields(AcceptInviteState.field_errors),
        button="Set password and continue",
    )


def _existing_account_form() -> rx.Component:
    customer = AcceptInviteState.invited_customer
    return rx.vstack(
        _invite_form(
            [
                " to the portal of ",
                customer,
                ". You already have a portal account: enter your password to add ",
                customer,
                " to it.",
            ],
            field(
                "Password",
                "password",
                errors=AcceptInviteState.field_errors,
                type_="password",
                autocomplete="current-password",
                required=True,
            ),
            button="Sign in and add it to my account",
        ),
        brand_link("Forgot your password?", "/portal/forgot-password"),
        spacing="3",
        width="100%",
    )


@portal_page("/portal/accept-invite", "Accept invitation", on_load=AcceptInviteState.load_invite)
def accept_invite_page() -> rx.Component:
    """Set a password from an invitation (or, with an account already, sign in with it) and enter the portal."""
    return auth_card(
        "Welcome to your customer portal",
        rx.cond(
            AcceptInviteState.checked,
            rx.cond(
                AcceptInviteState.link_problem != "",
                _bad_link(AcceptInviteState.link_problem),
                rx.cond(AcceptInviteState.has_account, _existing_account_form(), _new_account_form()),
            ),
            rx.text("Checking your invitation…", role="status"),
        ),
    )
