"""One unit of work per event: resolve who is asking, run one service call in one database session, off the loop.

States never open database sessions themselves: they hand a service function to `SessionState._call`
(or `_call_public` for the signed-out account pages). The function runs in a worker thread (bcrypt work
on the hashing pool) with a session that commits when it returns and rolls back when it raises, and what
it returns, plain data, goes back to the state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from portal_app.db import session_scope
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


def in_session(work: Callable[..., R], args: tuple[Any, ...], kwargs: dict[str, Any]) -> R:
    """Run work(db, ...) in one database session (blocking), for callers nobody is signed in as."""
    with session_scope() as db:
        return work(db, *args, **kwargs)
