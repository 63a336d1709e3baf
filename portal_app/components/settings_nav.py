"""The tabs above every Settings page of the provider console."""

from __future__ import annotations

import reflex as rx

SETTINGS_PAGES = (
    ("Company profile", "/staff/settings/company"),
    ("Payments", "/staff/settings/payments"),
    ("Users & roles", "/staff/settings/users"),
    ("Emails", "/staff/settings/emails"),
)


def settings_nav(current: str) -> rx.Component:
    """Links to the Settings pages; `current` is the route of the page showing them."""
    return rx.el.nav(
        rx.flex(
            *[
                rx.el.span(label, class_name="filter-chip filter-chip-current", aria_current="page")
                if route == current
                else rx.link(label, href=route, size="2", class_name="filter-chip")
                for label, route in SETTINGS_PAGES
            ],
            spacing="2",
            wrap="wrap",
        ),
        aria_label="Settings",
        margin_bottom="var(--space-4)",
    )
