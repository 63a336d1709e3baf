"""What a page shows until its data has arrived: a skeleton, never a false "nothing here"."""

from __future__ import annotations

import reflex as rx

LOADING = "Loading…"


def until_loaded(loaded: rx.Var, *content: rx.Component, lines: int = 3) -> rx.Component:
    """`content` once `loaded` is true; before, grey placeholder bars that screen readers hear as busy."""
    return rx.cond(loaded, rx.fragment(*content), skeleton(lines))


def skeleton(lines: int = 3) -> rx.Component:
    """Placeholder bars of decreasing width, announced once as "Loading…"."""
    return rx.box(
        rx.el.span(LOADING, class_name="visually-hidden"),
        *[rx.skeleton(rx.box(height="1.25rem"), width=f"{100 - 15 * (n % 3)}%", loading=True) for n in range(lines)],
        role="status",
        aria_busy="true",
        class_name="page-skeleton",
    )
