"""A small decorator that records pages so portal_app.py can register them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx


@dataclass(frozen=True)
class PageSpec:
    """One page: its component function, route, title and load events."""

    component: Callable[[], rx.Component]
    route: str
    title: str
    on_load: Any = None


PAGES: list[PageSpec] = []


def portal_page(route: str, title: str, on_load: Any = None):
    """Register a page function under a route with a browser title."""

    def register(fn: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        PAGES.append(PageSpec(fn, route, title, on_load))
        return fn

    return register
