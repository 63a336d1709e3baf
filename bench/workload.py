"""What the virtual tabs do: a customer walking the portal, or the floor's trivial ping."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import protocol
from bench.seed import BENCH_PASSWORD, INVOICES_PER_CUSTOMER, tab_email
from bench.tab import Compiled, Dropped, Failed, Tab

Check = Callable[[list[dict]], str | None]
THREAD_SUBJECT = "Slow speeds in the evening"  # bench/seed.py gives every bench customer this ticket


@dataclass(frozen=True)
class Sample:
    """One event's round trip; `problem` says why it failed or was dropped (None: it was fine)."""

    workload: str
    page: str
    started: float
    ms: float
    problem: str | None = None


def merged_delta(updates: list[dict], state: str) -> dict[str, Any]:
    """Everything the updates changed in one state, later values winning."""
    merged: dict[str, Any] = {}
    for update in updates:
        merged |= protocol.delta_of(update, state)
    return merged


def expect_value(state: str, name: str, value: Any) -> Check:
    """A check that the page delta set `name` of `state` to `value`."""

    def check(updates: list[dict]) -> str | None:
        got = merged_delta(updates, state).get(protocol.field(name))
        return None if got == value else f"{name} is {got!r}, expected {value!r}"

    return check


def expect_field(state: str, name: str, key: str, value: Any) -> Check:
    """A check that the page delta set `key` of the typed row `name` of `state` to `value`."""

    def check(updates: list[dict]) -> str | None:
        got = (merged_delta(updates, state).get(protocol.field(name)) or {}).get(key)
        return None if got == value else f"{name}.{key} is {got!r}, expected {value!r}"

    return check


def expect_page(state: str, pager: str, number: int) -> Check:
    """A check that the page delta moved the `pager` (a Pager var) of `state` to page `number`."""
    return expect_field(state, pager, "page", number)


async def timed(workload: str, page: str, tab: Tab, action) -> Sample:
    """Run one tab action and turn its outcome into a sample."""
    started = time.perf_counter()
    try:
        await action
    except Dropped as dropped:
        return Sample(workload, page, started, (time.perf_counter() - started) * 1000, f"dropped: {dropped}")
    except Failed as failed:  # timed to when the failure showed
        return Sample(workload, page, started, (time.perf_counter() - started) * 1000, f"failed: {failed}")
    return Sample(workload, page, started, tab.elapsed_ms)


class PortalUser:
    """A tab signed in as its own bench customer: Overview, three history pages, Support, a thread."""

    workload = "portal"

    def __init__(self, base_url: str, compiled: Compiled, number: int) -> None:
        self.tab = Tab(base_url, compiled)
        self.number = number
        self.thread_path = ""
        self._pages = itertools.cycle(self._walk())

    async def start(self) -> None:
        """Open the sign-in page, sign in, land on Overview and find the ticket's link on Support."""
        await self.tab.connect("/portal/login")
        await self.tab.sign_in(tab_email(self.number), BENCH_PASSWORD)
        await self.tab.navigate("/portal", self._overview_check())
        updates = await self.tab.navigate("/portal/support", lambda _: None)
        tickets = merged_delta(updates, protocol.SUPPORT).get(protocol.field("tickets")) or []
        if not tickets:
            raise Failed(f"{tab_email(self.number)} sees no ticket on Support")
        self.thread_path = tickets[0]["href"]

    def _overview_check(self) -> Check:
        return expect_value(protocol.OVERVIEW, "client_name", f"Bench Customer {self.number:04d}")

    def _walk(self) -> list[tuple[str, Callable[[], tuple[str, dict | None, Check]]]]:
        pages = [("overview", lambda: ("/portal", None, self._overview_check()))]
        for page in range(1, INVOICES_PER_CUSTOMER // 10 + 1):
            check = expect_page(protocol.HISTORY, "invoice_pager", page)
            pages.append((f"history {page}", lambda page=page, check=check: (protocol.history_path(page), None, check)))
        pages.append(("support", lambda: ("/portal/support", None, lambda _: None)))
        pages.append(("thread", self._thread))
        return pages

    def _thread(self) -> tuple[str, dict, Check]:
        ticket_id = self.thread_path.rsplit("/", 1)[-1]
        check = expect_field(protocol.THREAD, "thread", "subject", THREAD_SUBJECT)
        return self.thread_path, {"ticket_id": ticket_id}, check

    async def step(self) -> Sample:
        """Open the next page of the walk."""
        label, target = next(self._pages)
        path, params, check = target()
        return await timed(self.workload, label, self.tab, self.tab.navigate(path, check, params))


class FloorUser:
    """A tab on a page without on_load that only sends the floor's trivial event."""

    workload = "floor"

    def __init__(self, base_url: str, compiled: Compiled) -> None:
        self.tab = Tab(base_url, compiled)
        self.pings = 0

    async def start(self) -> None:
        """Connect and hydrate."""
        await self.tab.connect(protocol.FLOOR_PATH)

    async def step(self) -> Sample:
        """One ping; its delta must carry this tab's next count."""
        return await timed(self.workload, "ping", self.tab, self._ping())

    async def _ping(self) -> None:
        got = await self.tab.ping()
        expected, self.pings = self.pings + 1, got
        if got != expected:
            raise Failed(f"ping count {got}, expected {expected} (a delta was lost or misrouted)")
