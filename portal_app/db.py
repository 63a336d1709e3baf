"""The database engine and sessions for services (no Reflex here)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from sqlalchemy import Engine, event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from portal_app.config import settings
from portal_app.errors import PortalError

log = logging.getLogger(__name__)

UNAVAILABLE = "The portal is temporarily unavailable. Nothing was changed; please try again in a minute."
CONNECT_TIMEOUT_SECONDS = 10
POOL_RECYCLE_SECONDS = 1800  # a database host that does not answer fails the request instead of hanging it
# What a database that is down, restarting, unreachable or locked for too long raises.
OUTAGES = (OperationalError, InterfaceError, PoolTimeout)


class DatabaseUnavailable(PortalError):
    """The database did not answer; the person can try again shortly (the message says so)."""


class WouldWrite(Exception):
    """A statement that writes was about to run inside `reading_only()`; it was not sent to the database."""


_READING_ONLY: ContextVar[bool] = ContextVar("reading_only", default=False)


@contextmanager
def reading_only() -> Iterator[None]:
    """Within it, on SQLite, every statement other than a SELECT raises WouldWrite before it is sent: no write lock
    (which may wait up to the busy timeout for another writer) is ever asked for."""
    token = _READING_ONLY.set(True)
    try:
        yield
    finally:
        _READING_ONLY.reset(token)


def _refuse_writes_when_reading_only(_conn, _cursor, statement: str, _params, _context, _many) -> None:
    if _READING_ONLY.get() and not statement.lstrip()[:6].upper() == "SELECT":
        raise WouldWrite(statement.split(None, 1)[0])


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets foreign keys and WAL for concurrent readers. Statement parameters are
    kept out of error messages and logs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL still never corrupts the database; it only skips the fsync per commit
            # (a power cut may lose the last commits, not consistency): SQLite's advice for WAL.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        event.listen(engine, "before_cursor_execute", _refuse_writes_when_reading_only)
        return engine
    return create_engine(
        url,
        hide_parameters=True,  # errors and logs never carry the values of a statement (emails, token hashes)
        # No ping round trip on every checkout: connections are replaced after half an hour instead, and one the
        # server dropped (a restart) fails that one request as DatabaseUnavailable and empties the pool, so the
        # next request connects afresh. psycopg prepares a statement on a connection after five runs (its
        # default `prepare_threshold`), which the hot page reads reach within seconds.
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_size=10,
        max_overflow=10,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(settings().db_url)


def is_embedded() -> bool:
    """Whether the database is SQLite, inside this process: a read costs CPU here, not a wait on a server."""
    return engine().dialect.name == "sqlite"


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    A database outage leaves as DatabaseUnavailable, a PortalError whose message the UI can show as-is.
    """
    with Session(engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except OUTAGES as exc:
            _roll_back_quietly(session)
            log.error("Database unavailable: %s", exc, exc_info=exc)
            raise DatabaseUnavailable(UNAVAILABLE) from exc
        except BaseException:
            session.rollback()
            raise


def _roll_back_quietly(session: Session) -> None:
    """Roll back after an outage; the connection may be gone, which is what we are already reporting."""
    try:
        session.rollback()
    except OUTAGES:
        log.debug("Rollback after a database outage failed too", exc_info=True)
