"""Signing out leaves nothing of the person in the tab: the next person in the same tab (here one with no
customer record, whose pages load no data of their own) finds none of the first one's data in any update.

The tab speaks Reflex's websocket protocol as the browser does (bench/tab.py), so every delta is seen.
"""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import protocol
from bench.tab import Compiled, Tab

from .conftest import WEB_DIR
from .helpers import CUSTOMER_PAGES, DEMO, DEMO_PASSWORD, UNLINKED


def _first_person(db_path: Path) -> tuple[int, set[str]]:
    """A ticket of Alex Morgan's (demo@example.com), and text only their pages show: name, email, invoice
    numbers, ticket subjects, services and projects."""
    with sqlite3.connect(db_path) as db:
        (customer_id, name, email) = db.execute(
            "SELECT id, name, email FROM customer WHERE id = "
            "(SELECT customer_id FROM membership JOIN portaluser ON portaluser.id = portal_user_id WHERE email = ?)",
            (DEMO,),
        ).fetchone()
        (ticket_id,) = db.execute("SELECT min(id) FROM ticket WHERE customer_id = ?", (customer_id,)).fetchone()
        found = {name, email}
        for table, column in (("invoice", "number"), ("ticket", "subject"), ("service", "name"), ("project", "name")):
            found |= {
                row[0] for row in db.execute(f"SELECT {column} FROM {table} WHERE customer_id = ?", (customer_id,))
            }
    return ticket_id, {text for text in found if text}


async def _two_people_in_one_tab(base_url: str, ticket_path: str) -> tuple[list[dict], list[dict]]:
    """Every update the tab received while the first person browsed, and after they signed out."""
    compiled = Compiled(*protocol.compiled_schema((WEB_DIR / "utils" / "context.jsx").read_text()))
    tab = Tab(base_url, compiled)
    first: list[dict] = []
    try:
        await tab.connect("/portal/login")
        await tab.sign_in(DEMO, DEMO_PASSWORD)
        for path in (*CUSTOMER_PAGES, ticket_path):
            first.extend(await tab.navigate(path, lambda _updates: None))
        signed_out = await tab._exchange(
            [protocol.event(f"{protocol.SESSION}.sign_out", "/portal")], lambda u: bool(protocol.redirect_target(u))
        )
        tab.cookies = {}  # the browser applies the emptied cookies
        await tab.sign_in(UNLINKED, DEMO_PASSWORD)
        second = list(signed_out)
        for path in (*CUSTOMER_PAGES, ticket_path):
            second.extend(await tab.navigate(path, lambda _updates: None))
    finally:
        await tab.close()
    # Reloading the tab hydrates it afresh: the update carries every var the server keeps for the tab.
    for path in (*CUSTOMER_PAGES, ticket_path):
        second.extend(await _reload(base_url, compiled, tab, path))
    return first, second


async def _reload(base_url: str, compiled: Compiled, tab: Tab, path: str) -> list[dict]:
    """The updates of reloading the tab at `path` (same tab token and cookies, a new connection)."""
    reloaded = Tab(base_url, compiled)
    reloaded.token, reloaded.cookies = tab.token, dict(tab.cookies)
    try:
        auth = protocol.hydrate_auth(path, reloaded.cookies, compiled.schema, compiled.hashes)
        return await reloaded._exchange([], protocol.hydrated, connect_auth=auth)
    finally:
        await reloaded.close()


def test_the_next_person_in_the_tab_sees_nothing_of_the_first(portal: str, portal_db: Path) -> None:
    ticket_id, secrets = _first_person(portal_db)

    # Playwright's sync API keeps an event loop running in this thread: the tab runs in its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        visit = _two_people_in_one_tab(portal, f"/portal/support/{ticket_id}")
        first, second = thread.submit(contextvars.copy_context().run, asyncio.run, visit).result()

    seen = {secret for secret in secrets if secret in repr(first)}
    assert len(seen) >= 10  # the first person's pages showed their name, invoices, tickets, services...
    assert sorted(secret for secret in secrets if secret in repr(second)) == []
