"""The profile's "Two-factor authentication" section: turn on with an app, recovery codes, turn off."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import field, form_error, form_notice
from portal_app.components.cards import section
from portal_app.state.two_factor import TwoFactorState

MONO = {"font_family": "var(--code-font-family, monospace)", "overflow_wrap": "anywhere"}


def _status() -> rx.Component:
    return rx.hstack(
        rx.text("Status:", size="2", weight="medium"),
        rx.cond(
            TwoFactorState.enabled,
            rx.badge("On", color_scheme="green", variant="soft"),
            rx.badge("Off", color_scheme="gray", variant="soft"),
        ),
        align="center",
        spacing="2",
    )


def _off() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Add a second step to signing in: after your password, enter the 6-digit code that an "
            "authenticator app on your phone shows (for example Google Authenticator, Microsoft "
            "Authenticator or 1Password).",
            size="2",
        ),
        rx.button("Turn on two-factor authentication", on_click=TwoFactorState.start_setup),
        spacing="3",
        align="start",
        width="100%",
    )


def _setup() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("1. Scan this QR code with your authenticator app.", size="2"),
            rx.image(
                src=TwoFactorState.setup_qr,
                alt="QR code that adds this portal to an authenticator app",
                width="180px",
                height="180px",
                background="white",
            ),
            rx.text("Or type this key into the app:", size="2"),
            rx.code(TwoFactorState.setup_secret, id="two-factor-key", size="3", style=MONO),
            rx.text("2. Enter the 6-digit code the app shows, to confirm it works.", size="2"),
            field(
                "Code from the app",
                "setup_code",
                errors=TwoFactorState.field_errors,
                autocomplete="one-time-code",
                input_mode="numeric",
                max_length=12,
                required=True,
            ),
            rx.hstack(
                rx.button("Confirm and turn on", type="submit"),
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=TwoFactorState.cancel_setup,
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        on_submit=TwoFactorState.confirm_setup,
        reset_on_submit=True,
        no_validate=True,
        width="100%",
    )


def _recovery_codes() -> rx.Component:
    return rx.vstack(
        rx.callout(
            "Save these recovery codes somewhere safe now, e.g. in a password manager or on paper. "
            "If you lose your phone, each code signs you in once. They will not be shown again.",
            icon="triangle-alert",
            color_scheme="amber",
            width="100%",
        ),
        rx.el.ol(
            rx.foreach(TwoFactorState.new_recovery_codes, lambda code: rx.el.li(rx.code(code, size="3", style=MONO))),
            aria_label="Recovery codes",
            style={"columns": "2", "margin": "0", "padding_left": "1.6em", "width": "100%"},
        ),
        rx.hstack(
            rx.button(
                "Copy codes",
                variant="soft",
                on_click=rx.set_clipboard(TwoFactorState.new_recovery_codes.join("\n")),
            ),
            rx.button("I have saved my codes", on_click=TwoFactorState.hide_recovery_codes),
            spacing="3",
            wrap="wrap",
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def _on() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Signing in asks for a code from your authenticator app after your password. Unused recovery codes: ",
            rx.el.strong(TwoFactorState.recovery_codes_left),
            ".",
            size="2",
        ),
        rx.form(
            rx.vstack(
                field(
                    "Your password or a code from the app",
                    "off_proof",
                    errors=TwoFactorState.field_errors,
                    type_="password",
                    autocomplete="current-password",
                ),
                rx.button("Turn off two-factor authentication", type="submit", variant="soft", color_scheme="red"),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=TwoFactorState.disable,
            reset_on_submit=True,
            no_validate=True,
            width="100%",
        ),
        rx.el.details(
            rx.el.summary("Make new recovery codes", style={"cursor": "pointer"}),
            rx.form(
                rx.vstack(
                    rx.text("The old codes stop working.", size="2"),
                    field(
                        "Confirm with your password or an app code",
                        "renew_proof",
                        errors=TwoFactorState.field_errors,
                        type_="password",
                        autocomplete="current-password",
                    ),
                    rx.button("Make new recovery codes", type="submit", variant="soft"),
                    spacing="3",
                    align="start",
                    width="100%",
                ),
                on_submit=TwoFactorState.renew_recovery_codes,
                reset_on_submit=True,
                no_validate=True,
                width="100%",
                margin_top="var(--space-3)",
            ),
            style={"width": "100%", "font_size": "var(--font-size-2)"},
        ),
        spacing="4",
        align="start",
        width="100%",
    )


def two_factor_section() -> rx.Component:
    """Off: a button to start; setting up: QR code, key and a code to confirm; on: recovery codes and off."""
    return section(
        "Two-factor authentication",
        rx.vstack(
            _status(),
            form_notice(TwoFactorState.notice),
            form_error(TwoFactorState.error),
            rx.cond(
                TwoFactorState.new_recovery_codes.length() > 0,
                _recovery_codes(),
                rx.cond(
                    TwoFactorState.enabled,
                    _on(),
                    rx.cond(TwoFactorState.setup_secret != "", _setup(), _off()),
                ),
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
    )
