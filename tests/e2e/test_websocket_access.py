"""Every event handler, called by name over Reflex's websocket protocol (not through the UI) by a
signed-in customer of the same provider, with the ids of another customer's records in its
arguments and in the page URL, returns none of that customer's data and changes none of it.

The handler list comes from the app itself, so a new handler is covered without editing this file.
The tab speaks the protocol as the browser does (bench/tab.py); the signed-out and other-provider
cases of the same list run in tests/unit/test_handler_guards.py.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from bench import protocol
from bench.tab import Compiled, Tab
from portal_app.state.session import SessionState

from .conftest import WEB_DIR
from .helpers import DEMO_PASSWORD, MULTI

VICTIM = "Alex Morgan"  # demo@example.com's customer record at Northwind Fiber
SKIPPED = {"sign_out"}  # would end the intruder's own session half-way; covered by test_sign_in.py


def _handlers() -> list[tuple[str, str, object]]:
    found, todo = [], [SessionState]
    while todo:
        state = todo.pop()
        todo.extend(state.get_substates())
        for name, handler in state.event_handlers.items():
            if name != "setvar" and name in vars(state) and name not in SKIPPED:
                found.append((state.get_full_name(), name, handler.fn))
    return found


def _payload(fn: object, victim_id: int) -> dict:
    payload = {}
    for param in list(inspect.signature(fn).parameters.values())[1:]:
        if "dict" in str(param.annotation):
            payload[param.name] = {key: str(victim_id) for key in ("id", "ticket_id", "invoice_id", "customer_id")}
        elif "int" in str(param.annotation):
            payload[param.name] = victim_id
        else:
            payload[param.name] = str(victim_id)
    return payload


def _victim(db_path: Path) -> tuple[int, list[int], set[str], dict[str, int]]:
    """The victim's customer id, ticket ids, strings only they have, and row counts of their data."""
    with sqlite3.connect(db_path) as db:
        (customer_id,) = db.execute("SELECT id FROM customer WHERE name = ?", (VICTIM,)).fetchone()
        tickets = [row[0] for row in db.execute("SELECT id FROM ticket WHERE customer_id = ?", (customer_id,))]
        secrets = {VICTIM, *(row[0] for row in db.execute("SELECT email FROM customer WHERE id = ?", (customer_id,)))}
        secrets |= {row[0] for row in db.execute("SELECT subject FROM ticket WHERE customer_id = ?", (customer_id,))}
        counts = {
            table: db.execute(f"SELECT count(*) FROM {table} WHERE customer_id = ?", (customer_id,)).fetchone()[0]
            for table in ("ticket", "invoice", "payment", "service")
        }
    return customer_id, tickets, secrets, counts


async def _call_every_handler(base_url: str, ticket_id: int, customer_id: int) -> tuple[list[dict], int]:
    compiled = Compiled(*protocol.compiled_schema((WEB_DIR / "utils" / "context.jsx").read_text()))
    tab = Tab(base_url, compiled)
    await tab.connect("/portal/login")
    await tab.sign_in(MULTI, DEMO_PASSWORD)
    await tab.navigate("/portal", lambda updates: None)
    seen, calls = [], 0
    try:
        for state, name, fn in _handlers():
            path = f"/portal/support/{ticket_id}?invoice={ticket_id}&customer={customer_id}"
            message = protocol.event(f"{state}.{name}", path, _payload(fn, ticket_id), {"ticket_id": str(ticket_id)})
            await tab.client.emit("event", message, namespace=protocol.NAMESPACE)
            calls += 1
            # Events of one tab run in order: once the floor's ping comes back, the call has finished.
            seen.extend(await tab._exchange([protocol.ping(path)], _pinged))
    finally:
        await tab.close()
    return seen, calls


def _pinged(update: dict) -> bool:
    return protocol.field("pings") in protocol.delta_of(update, protocol.FLOOR)


def test_every_handler_over_the_websocket_gives_away_nothing(portal: str, portal_db: Path) -> None:
    customer_id, tickets, secrets, counts = _victim(portal_db)
    assert tickets, "the demo customer has tickets"

    # Playwright's sync API keeps an event loop running in this thread: the tab runs in its own
    # (with this thread's context, where Reflex keeps its registry of states).
    with ThreadPoolExecutor(max_workers=1) as thread:
        call = _call_every_handler(portal, tickets[0], customer_id)
        updates, calls = thread.submit(contextvars.copy_context().run, asyncio.run, call).result()

    assert calls == len(_handlers()) > 40
    leaked = sorted({secret for secret in secrets for update in updates if secret in repr(update)})
    assert leaked == []
    assert _victim(portal_db)[3] == counts
