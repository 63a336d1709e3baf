"""Tools the fault and concurrency tests share: dead addresses, failing or racing databases, states driven directly."""

from __future__ import annotations

import asyncio
import atexit
import inspect
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from reflex.state import State
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from test_handler_guards import cookies_of


def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused at once (a server that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_fails(engine: Engine, fragment: str) -> Iterator[list[str]]:
    """Every statement containing `fragment` raises OperationalError, as when the server went away.

    Yields the statements that were refused, so a test can check the fault was really hit.
    """
    refused: list[str] = []

    def fail(_conn, _cursor, statement, _params, _context, _many) -> None:
        if fragment in statement:
            refused.append(statement)
            raise OperationalError(statement, {}, ConnectionError("server closed the connection unexpectedly"))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield refused
    finally:
        event.remove(engine, "before_cursor_execute", fail)


@contextmanager
def meet_after(engine: Engine, fragment: str, parties: int) -> Iterator[threading.Barrier]:
    """Each of `parties` threads waits, after its first statement containing `fragment`, until all got there.

    Forces the interleaving "everyone has read, nobody has written yet" without sleeping.
    """
    barrier = threading.Barrier(parties, timeout=30)
    passed: set[int] = set()

    def wait(_conn, _cursor, statement, _params, _context, _many) -> None:
        me = threading.get_ident()
        if fragment in statement and me not in passed:
            passed.add(me)
            barrier.wait()

    event.listen(engine, "after_cursor_execute", wait)
    try:
        yield barrier
    finally:
        event.remove(engine, "after_cursor_execute", wait)


def run_together(*calls: Callable[[], object]) -> list[object]:
    """Run the calls on threads at once; each one's result, or the exception it raised."""
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


def fresh_state(state_cls: type, token: str = "") -> Any:
    """The state as a new browser tab has it, signed in with the session token when given."""
    root = State(_reflex_internal_init=True)
    state = root.get_substate(state_cls.get_full_name().split(".")[1:])
    cookies_of(state).browser_token = token
    return state


def drive(state: Any, handler_name: str, *args: Any) -> list[Any]:
    """Run one event handler to the end like Reflex does; returns what it returned or yielded."""
    fn = type(state).event_handlers[handler_name].fn
    result = fn(state, *args)

    async def collect() -> list[Any]:
        if inspect.isasyncgen(result):
            return [item async for item in result]
        return [await result]

    if inspect.isasyncgen(result) or inspect.isawaitable(result):
        return asyncio.run(collect())
    if inspect.isgenerator(result):
        return list(result)
    return [result]


PG_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_postgres(monkeypatch: Any) -> Iterator[Session]:
    """The portal on an empty PostgreSQL database at the migrations' head (skips when no server answers).

    One database per test run (per process) is migrated once; each test starts by emptying every table
    (TRUNCATE ... RESTART IDENTITY), which takes a fraction of creating and migrating a database per test."""
    from portal_app import db as portal_db
    from portal_app.config import settings

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        name = _migrated_database(admin)
    except OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(error.orig).__name__})")
    finally:
        admin.dispose()
    monkeypatch.setenv("REFLEX_DB_URL", _database_url(name))
    settings.cache_clear()
    portal_db.engine.cache_clear()
    try:
        _empty_every_table(portal_db.engine())
        with Session(portal_db.engine(), expire_on_commit=False) as session:
            yield session
    finally:
        portal_db.engine().dispose()
        portal_db.engine.cache_clear()


_databases: list[str] = []  # this process's migrated test database (at most one), dropped when the run ends


def _migrated_database(admin: Engine) -> str:
    """The name of a database migrated to head with Alembic, made on first use and dropped at exit."""
    if _databases:
        return _databases[0]
    from alembic import command
    from alembic.config import Config
    from conftest import REPO

    name = f"portal_tests_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    atexit.register(_drop, name)
    config = Config(str(REPO / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", _database_url(name))
    config.attributes["skip_logging"] = True
    command.upgrade(config, "head")
    _databases.append(name)
    return name


def _empty_every_table(engine: Engine) -> None:
    """Every table but Alembic's emptied, ids restarting at 1, as on a newly migrated database."""
    with engine.begin() as conn:
        tables = conn.exec_driver_sql(
            "SELECT quote_ident(tablename) FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ).scalars()
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _database_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
