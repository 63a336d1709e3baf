"""Load scenarios over many virtual tabs: ramps, the login storm and history first-vs-last page.

Every tab runs its own loop: one event, wait for its final update, think, next event. The
think time is the same for the portal and the floor, so both see the same offered load and
their round trips compare directly.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bench import protocol
from bench.seed import BENCH_PASSWORD, HUNDRED_EMAIL, tab_email
from bench.tab import Compiled, Tab
from bench.workload import PortalUser, Sample, expect_page, merged_delta

STORM_BASELINE_SECONDS = 4.0  # the other tabs' steady state, measured just before the storm
START_CONCURRENCY = 25  # tabs opening (and signing in) at the same time while a crowd grows
DEMO_BULK = ("bulk@example.com", "portal-demo")  # the demo's 20,000-invoice account
FLIPS = 15  # navigations per page in the first-vs-last history comparison


class User(Protocol):
    """A virtual tab with something to do (bench/workload.py)."""

    tab: Tab

    async def start(self) -> None: ...

    async def step(self) -> Sample: ...


@dataclass(frozen=True)
class Pacing:
    """How tabs pace themselves and how long a measurement runs."""

    think_seconds: float  # mean pause between a tab's events (uniform in 0.5x-1.5x)
    warmup_seconds: float
    window_seconds: float


class Crowd:
    """The tabs of one workload; grows step by step and runs all its tabs' loops for a window."""

    def __init__(self, make_user: Callable[[int], User]) -> None:
        self.make_user = make_user
        self.users: list[User] = []
        self.start_failures: list[str] = []

    async def grow(self, count: int) -> None:
        """Open tabs until there are `count` (new ones connect and, for the portal, sign in)."""
        gate = asyncio.Semaphore(START_CONCURRENCY)
        new = [self.make_user(n) for n in range(len(self.users) + 1, count + 1)]

        async def start(user: User) -> None:
            async with gate:
                try:
                    await user.start()
                except Exception as exc:
                    self.start_failures.append(f"{type(exc).__name__}: {exc}")
                    await user.tab.close()
                    return
                self.users.append(user)

        await asyncio.gather(*(start(user) for user in new))

    async def run(self, pacing: Pacing, during: Callable[[], Awaitable[object]] | None = None) -> list[Sample]:
        """Run every tab for warm-up + window; returns the samples started inside the window.

        `during`, when given, runs at the start of the window (e.g. a profiler or a storm).
        """
        stop = asyncio.Event()
        samples: list[Sample] = []
        loops = [asyncio.create_task(_loop(user, pacing, stop, samples)) for user in self.users]
        await asyncio.sleep(pacing.warmup_seconds)
        window_start = time.perf_counter()
        samples.clear()
        if during is not None:
            await asyncio.gather(during(), asyncio.sleep(pacing.window_seconds))
        else:
            await asyncio.sleep(pacing.window_seconds)
        window_end = time.perf_counter()
        stop.set()
        await asyncio.gather(*loops)  # in-flight events finish (or time out): none is lost from view
        return [s for s in samples if window_start <= s.started < window_end]

    def first(self, count: int) -> Crowd:
        """A crowd of this one's first `count` tabs (the same connections)."""
        crowd = Crowd(self.make_user)
        crowd.users = self.users[:count]
        return crowd

    async def close(self) -> None:
        """Close every tab."""
        await asyncio.gather(*(user.tab.close() for user in self.users))
        self.users.clear()


async def _loop(user: User, pacing: Pacing, stop: asyncio.Event, samples: list[Sample]) -> None:
    await asyncio.sleep(random.uniform(0, pacing.think_seconds))  # noqa: S311  (tabs do not click in lockstep)
    while not stop.is_set():
        samples.append(await user.step())
        try:
            await asyncio.wait_for(stop.wait(), random.uniform(0.5, 1.5) * pacing.think_seconds)  # noqa: S311
        except TimeoutError:
            continue


@dataclass(frozen=True)
class StormResult:
    """The login storm: how long the sign-ins took and what the other tabs saw meanwhile."""

    sign_ins_ms: list[float]
    refused: list[str]
    seconds: float
    others_before: list[Sample]
    others_during: list[Sample]


async def login_storm(
    others: Crowd, base_url: str, compiled: Compiled, *, first_number: int, count: int, pacing: Pacing
) -> StormResult:
    """`count` tabs sign in at once (each its own customer) while the `others` keep walking."""
    storm_tabs = [Tab(base_url, compiled) for _ in range(count)]
    await asyncio.gather(*(tab.connect("/portal/login") for tab in storm_tabs))
    window: dict[str, float] = {}
    sign_ins: list[float] = []
    refused: list[str] = []

    async def sign_in(tab: Tab, number: int) -> None:
        try:
            await tab.sign_in(tab_email(number), BENCH_PASSWORD)
            sign_ins.append(tab.elapsed_ms)
        except Exception as exc:
            refused.append(f"{type(exc).__name__}: {exc}")

    async def storm() -> None:
        await asyncio.sleep(STORM_BASELINE_SECONDS)
        window["start"] = time.perf_counter()
        await asyncio.gather(*(sign_in(tab, first_number + i) for i, tab in enumerate(storm_tabs)))
        window["end"] = time.perf_counter()

    samples = await others.run(pacing, during=storm)
    await asyncio.gather(*(tab.close() for tab in storm_tabs))
    before = [s for s in samples if s.started < window["start"]]
    during = [s for s in samples if window["start"] <= s.started < window["end"]]
    return StormResult(sign_ins, refused, window["end"] - window["start"], before, during)


@dataclass(frozen=True)
class HistoryTiming:
    """Median round trip of the billing-history page, first vs last page, for one account."""

    account: str
    invoices: int
    pages: int
    first_ms: float
    last_ms: float


async def history_first_vs_last(base_url: str, compiled: Compiled) -> list[HistoryTiming]:
    """Open history page 1 and the last page alternately (no other load), for 100 and 20,000 invoices."""
    results = []
    for email, password in ((HUNDRED_EMAIL, BENCH_PASSWORD), DEMO_BULK):
        tab = Tab(base_url, compiled)
        try:
            await tab.connect("/portal/login")
            await tab.sign_in(email, password)
            first = await tab.navigate(protocol.history_path(1), expect_page(protocol.HISTORY, "invoice_pager", 1))
            position = merged_delta(first, protocol.HISTORY)[protocol.field("invoice_pager")]
            pages = position["pages"]
            timings: dict[int, list[float]] = {1: [], pages: []}
            for _ in range(FLIPS):
                for page in (1, pages):
                    await tab.navigate(
                        protocol.history_path(page), expect_page(protocol.HISTORY, "invoice_pager", page)
                    )
                    timings[page].append(tab.elapsed_ms)
        finally:
            await tab.close()
        results.append(
            HistoryTiming(
                email,
                position["total"],
                pages,
                statistics.median(timings[1]),
                statistics.median(timings[pages]),
            )
        )
    return results


def portal_crowd(base_url: str, compiled: Compiled) -> Crowd:
    """Tabs that each sign in as their own bench customer (tab-0001, tab-0002, ...)."""
    return Crowd(lambda number: PortalUser(base_url, compiled, number))
