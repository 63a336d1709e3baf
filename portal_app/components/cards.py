"""Cards and badges used across tabs."""

from __future__ import annotations

import reflex as rx

STATUS_COLOURS = {
    "Active": "green",
    "Inactive": "gray",
}


def section(title: str, *children: rx.Component, action: rx.Component | None = None) -> rx.Component:
    """A titled card section."""
    return rx.card(
        rx.flex(
            rx.heading(title, size="4", as_="h2"),
            action or rx.fragment(),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="2",
            margin_bottom="var(--space-3)",
        ),
        *children,
        width="100%",
    )


def figure(label: str, value: rx.Var | str, detail: rx.Var | str = "") -> rx.Component:
    """A labelled figure, like 'Balance due  $120.00'."""
    return rx.box(
        rx.text(label, size="2", color_scheme="gray", as_="div"),
        rx.text(value, size="6", weight="bold", as_="div", class_name="figure-value"),
        rx.text(detail, size="1", color_scheme="gray", as_="div"),
        class_name="figure",
    )


def status_badge(status: rx.Var | str) -> rx.Component:
    """A coloured badge for Active/Inactive (and later other statuses)."""
    return rx.badge(
        status,
        color_scheme=rx.match(status, ("Active", "green"), ("Inactive", "gray"), "blue"),
        variant="soft",
        size="2",
    )


def labelled(label: str, value: rx.Var | str) -> rx.Component:
    """A label/value pair in a definition list."""
    return rx.fragment(
        rx.el.dt(label),
        rx.el.dd(rx.cond(value != "", value, "—")),
    )


def link_button(label: str, href: str, variant: str = "solid") -> rx.Component:
    """A link that looks like a button (a real link: no button nested in an anchor)."""
    return rx.link(label, href=href, class_name=f"link-button link-button-{variant}", underline="none")


def heading_with_back_link(title: rx.Var | str, back_label: str, back_href: str) -> rx.Component:
    """A page's h1 with a '← Back to ...' link at the other end of the line."""
    return rx.flex(
        rx.heading(title, size="6", as_="h1"),
        rx.link(f"← {back_label}", href=back_href, size="2"),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="2",
        width="100%",
        margin_bottom="var(--space-4)",
    )


def position_notice(notice: rx.Var) -> rx.Component:
    """Why the table shows another page than the address asked for (nothing when it does not)."""
    return rx.cond(notice != "", rx.callout(notice, icon="info", role="status", margin_bottom="var(--space-3)"))
