"""The portal shell: provider header, organisation switcher, tabs and the page body."""

from __future__ import annotations

import reflex as rx

from portal_app.state.session import SessionState
from portal_app.state.sign_in_branding import api_base

TABS = (
    ("Overview", "/portal"),
    ("Services", "/portal/services"),
    ("Billing", "/portal/billing"),
    ("Projects", "/portal/projects"),
    ("Support", "/portal/support"),
    ("Help", "/portal/help"),
)


def _brand() -> rx.Component:
    """The provider's logo (its wordmark names it) or, without a logo, its name."""
    return rx.link(
        rx.cond(
            SessionState.org_logo != "",
            rx.image(
                src=rx.cond(
                    SessionState.org_logo.startswith("/api/"), api_base() + SessionState.org_logo, SessionState.org_logo
                ),
                alt=SessionState.org_name,
                height="36px",
                width="auto",
                class_name="brand-logo",
            ),
            rx.heading(SessionState.org_name, size="4", as_="p", class_name="brand-name"),
        ),
        href="/portal",
        underline="none",
        color="inherit",
        min_width="0",
        aria_label=SessionState.org_name + " home",
    )


def _brand_colour() -> rx.Var:
    """The provider's colour, or a neutral grey until the header is known (never another provider's default)."""
    return rx.cond(SessionState.header_loaded, SessionState.org_colour, "var(--gray-a4)")


def _header_placeholder(width: str) -> rx.Component:
    """A bar where the provider's name or the person's menu will be, until the page load has read them."""
    return rx.skeleton(rx.box(height="2rem"), width=width, max_width="45%", loading=True)


def log_out_button() -> rx.Component:
    """Ends this browser's session (customer portal and staff console alike)."""
    return rx.button(
        rx.icon("log-out", size=16, aria_hidden="true"),
        rx.el.span("Log out", class_name="log-out-label"),
        on_click=SessionState.sign_out,
        aria_label="Log out",
        variant="soft",
        color_scheme="gray",
        size="2",
    )


def _org_switcher() -> rx.Component:
    """The person's customer records as a menu: it switches only on a choice (click, or Enter in the open list),
    never while arrow keys move over a closed control."""
    return rx.cond(
        SessionState.org_choices.length() > 1,
        rx.select.root(
            rx.select.trigger(aria_label="Organisation", id="org-switcher", class_name="org-switcher"),
            rx.select.content(
                rx.foreach(SessionState.org_choices, lambda c: rx.select.item(c.label, value=c.value)),
                position="popper",
            ),
            value=SessionState.active_customer,
            on_change=SessionState.switch_organisation,
            size="2",
        ),
    )


def _user_menu() -> rx.Component:
    return rx.hstack(
        _org_switcher(),
        rx.link(
            rx.hstack(
                rx.icon("circle-user", size=18, aria_hidden="true"),
                rx.text(SessionState.user_name, size="2", weight="medium", class_name="user-name"),
                align="center",
                spacing="1",
            ),
            href="/portal/profile",
            aria_label="Profile settings of " + SessionState.user_name,
            underline="hover",
            class_name="user-link",
        ),
        log_out_button(),
        rx.color_mode.button(size="2", variant="ghost", aria_label="Toggle light and dark mode"),
        align="center",
        spacing="3",
        wrap="wrap",
        justify="end",
    )


def _tabs(active: str) -> rx.Component:
    return rx.el.nav(
        *[
            rx.link(
                label,
                href=href,
                class_name="tab tab-active" if label == active else "tab",
                aria_current="page" if label == active else None,
                underline="none",
            )
            for label, href in TABS
        ],
        class_name="tabs",
        aria_label="Portal sections",
    )


def portal_shell(active: str, *body: rx.Component, always: bool = False) -> rx.Component:
    """A signed-in page: header, tabs and the body (or the not-linked notice unless `always`)."""
    return rx.box(
        rx.el.a(
            "Skip to content",
            href="#main",
            on_click=[rx.prevent_default, rx.set_focus("main")],  # the router would not move focus
            class_name="skip-link",
        ),
        rx.el.header(
            rx.box(
                rx.flex(
                    rx.cond(SessionState.header_loaded, _brand(), _header_placeholder("12rem")),
                    rx.cond(SessionState.header_loaded, _user_menu(), _header_placeholder("16rem")),
                    justify="between",
                    align="center",
                    wrap="wrap",
                    spacing="3",
                ),
                class_name="container",
            ),
            class_name="portal-header",
            style={"border_top": f"4px solid {_brand_colour()}"},
        ),
        rx.cond(SessionState.linked, rx.box(_tabs(active), class_name="container")),
        rx.el.main(
            rx.fragment(*body) if always else rx.cond(SessionState.linked, rx.fragment(*body), not_linked_notice()),
            class_name="container page-body",
            id="main",
            tab_index=-1,  # the skip link's target takes focus
        ),
        class_name="portal",
    )


def not_linked_notice() -> rx.Component:
    """What a person sees when no customer record is linked to their sign-in."""
    return rx.callout(
        "Your sign-in is not linked to a customer account yet, so there is nothing to show. "
        "Please contact your provider and ask them to link your portal user to your customer record.",
        icon="info",
        color_scheme="amber",
        high_contrast=True,
        role="status",
    )
