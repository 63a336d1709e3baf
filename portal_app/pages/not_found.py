"""The page for an address that is no page, inside the portal's shell so the way back is right there."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import link_button
from portal_app.components.shell import portal_shell
from portal_app.pages.registry import portal_page
from portal_app.state.not_found import NotFoundState

NOT_FOUND_ROUTE = "404"  # Reflex serves this page for every unknown address


@portal_page(NOT_FOUND_ROUTE, "Page not found", on_load=NotFoundState.load_not_found)
def not_found_page() -> rx.Component:
    """'Page not found', the address's likely causes, and links to the main sections."""
    return portal_shell(
        "",
        rx.box(
            rx.heading("Page not found", size="6", as_="h1", margin_bottom="var(--space-3)"),
            rx.text(
                "There is no page at this address. The link may be mistyped or out of date.",
                as_="p",
                margin_bottom="var(--space-4)",
            ),
            rx.hstack(
                link_button("Go to Overview", "/portal"),
                link_button("Open a support ticket", "/portal/support", "soft"),
                spacing="3",
                wrap="wrap",
            ),
            id="page-not-found",
        ),
        always=True,
    )
