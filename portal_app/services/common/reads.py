"""Page reads that touch nothing but the database.

A read marked `database_only` makes no network call (Stripe, mail), reads or writes no file and means to write
nothing. With the embedded database (SQLite) the portal runs such a read on the event loop: it is CPU work in this
process either way, and handing it to a worker thread and back cost more than many of the reads themselves (issue 16,
bench/RESULTS.md). A write it would make after all, such as the session's last-seen touch once a minute, is refused
before it reaches the database (`db.reading_only`) and the read runs again on a worker thread (state/unit_of_work.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

_DATABASE_ONLY: set[Callable[..., object]] = set()


def database_only(read: F) -> F:
    """Mark `read(db, principal, ...)` as a page read that touches nothing but the database."""
    _DATABASE_ONLY.add(read)
    return read


def is_database_only(read: Callable[..., object]) -> bool:
    """Whether `read` was marked with `database_only`."""
    return read in _DATABASE_ONLY
