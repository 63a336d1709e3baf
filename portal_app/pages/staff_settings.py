"""Settings → Payments for administrators (/staff/settings/payments): Stripe Connect status, onboarding, switches."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import section
from portal_app.components.fields import checkbox_field
from portal_app.components.loading import until_loaded
from portal_app.components.settings_nav import settings_nav
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_settings import PAYMENTS_ROUTE, StaffPaymentSettingsState


def _stripe_card() -> rx.Component:
    state = StaffPaymentSettingsState
    return section(
        "Stripe Connect",
        rx.el.ul(
            rx.foreach(state.status, lambda line: rx.el.li(rx.text(line, size="2"))),
            class_name="suggestion-list",
            id="stripe-status",
            aria_label="Stripe status",
        ),
        rx.cond(
            state.stripe_configured,
            rx.flex(
                rx.cond(
                    state.has_account,
                    rx.button("Refresh status", type="button", variant="soft", on_click=state.refresh_status),
                ),
                rx.button(
                    rx.cond(
                        state.has_account,
                        rx.cond(state.onboarding_finished, "Update details on Stripe", "Continue onboarding on Stripe"),
                        "Connect with Stripe",
                    ),
                    type="button",
                    on_click=state.open_onboarding,
                ),
                spacing="3",
                wrap="wrap",
                margin_top="var(--space-3)",
            ),
            rx.text(
                "The portal is not set up to talk to Stripe (PORTAL_STRIPE_SECRET_KEY); ask whoever runs it.",
                size="2",
                color_scheme="gray",
                as_="p",
                margin_top="var(--space-3)",
            ),
        ),
    )


def _switches_card() -> rx.Component:
    state = StaffPaymentSettingsState
    return section(
        "Online payments",
        rx.form(
            rx.vstack(
                checkbox_field(
                    "online",
                    "Online payments on",
                    state.online_payments_enabled,
                    "Customers can pay invoices by card once Stripe has enabled card payments.",
                ),
                checkbox_field(
                    "autopay",
                    "Automatic payments allowed",
                    state.autopay_allowed,
                    "Customers may save a card to pay each new invoice automatically.",
                ),
                rx.button("Save payment settings", type="submit"),
                spacing="3",
                align="start",
            ),
            on_submit=state.save_switches,
            key=state.form_key,
        ),
    )


@portal_page(PAYMENTS_ROUTE, "Payment settings", on_load=StaffPaymentSettingsState.load_payment_settings)
def staff_payment_settings_page() -> rx.Component:
    """The Stripe Connect status in words, with refresh and onboarding, and the online/automatic payments switches."""
    state = StaffPaymentSettingsState
    return staff_shell(
        settings_nav(PAYMENTS_ROUTE),
        rx.heading("Settings → Payments", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(
            state.loaded,
            rx.vstack(
                form_notice(state.notice),
                form_error(state.error),
                _stripe_card(),
                _switches_card(),
                spacing="4",
                width="100%",
            ),
        ),
        admin_only=True,
    )
