"""One unit of work per event: resolve who is asking, run one service call in one database session.

States never open database sessions themselves: they hand a service function to `SessionState._call`
(or `_call_public` for the signed-out account pages). The function runs in a worker thread (bcrypt work
on the hashing pool) with a session that commits when it returns and rolls back when it raises, and what
it returns, plain data, goes back to the state.

One exception, for speed: with SQLite, a page read marked `database_only` (services/common/reads.py) runs on the
event loop (`read_on_loop`), and goes to a worker thread only when it would write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from portal_app.db import is_embedded, reading_only, session_scope
from portal_app.services.accounts import sessions

R = TypeVar("R")


class SignedOut(Exception):
    """Nobody is signed in on this browser: no token, or the server ended or never knew its session."""


def as_principal(token: str, work: Callable[..., R], args: tuple[Any, ...], kwargs: dict[str, Any]) -> R:
    """Resolve the token and run work(db, principal, ...) in one database session (blocking)."""
    with session_scope() as db:
        principal = sessions.resolve(db, token) if token else None
        if principal is None:
            raise SignedOut
        return work(db, principal, *args, **kwargs)


def reads_on_loop() -> bool:
    """Whether `database_only` page reads run on the event loop: with the embedded database (SQLite) only. A server
    database is a network wait, which a worker thread spends instead of the loop."""
    return is_embedded()


def read_on_loop(token: str, work: Callable[..., R], args: tuple[Any, ...], kwargs: dict[str, Any]) -> R:
    """`as_principal` for a read that touches nothing but the database, run where it is called (the event loop).
    Raises WouldWrite, rolled back and with nothing sent to the database, at the first statement that would write
    (the session's last-seen touch): the caller then runs it on a worker thread, where a lock wait is harmless."""
    with reading_only():
        return as_principal(token, work, args, kwargs)


def in_session(work: Callable[..., R], args: tuple[Any, ...], kwargs: dict[str, Any]) -> R:
    """Run work(db, ...) in one database session (blocking), for callers nobody is signed in as."""
    with session_scope() as db:
        return work(db, *args, **kwargs)
