"""Everything the load benchmark measures on one running server (one backend shape)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from bench import profile
from bench.load import Crowd, HistoryTiming, Pacing, StormResult, history_first_vs_last, login_storm, portal_crowd
from bench.server import VAR, Server, redis_state_bytes
from bench.stats import Summary, summarize
from bench.tab import Compiled
from bench.workload import FloorUser, Sample

STORM_SIGN_INS = 50
STORM_OTHER_TABS = 50
STATE_SAMPLE_TABS = 10
SATURATION = Pacing(think_seconds=0.0, warmup_seconds=2.0, window_seconds=8.0)  # no think time: capacity


@dataclass(frozen=True)
class Level:
    """One workload at one number of tabs."""

    tabs: int
    summary: Summary
    rss: int
    state_bytes: float
    pages: dict[str, Summary]
    problems: list[str]


@dataclass
class BackendResult:
    """The load benchmark's figures for one backend shape."""

    label: str
    start_seconds: float
    idle_rss: int
    floor: list[Level] = field(default_factory=list)
    portal: list[Level] = field(default_factory=list)
    floor_capacity: Summary | None = None
    portal_capacity: Summary | None = None
    start_failures: list[str] = field(default_factory=list)
    storm: StormResult | None = None
    history: list[HistoryTiming] = field(default_factory=list)
    profile: profile.Profile | None = None


async def measure(
    server: Server, start_seconds: float, compiled: Compiled, *, pacing: Pacing, tab_counts: list[int]
) -> BackendResult:
    """Ramp the floor, then the portal; profile, storm and compare history pages at the end."""
    result = BackendResult(server.backend.label, start_seconds, server.rss())
    base = server.base_url
    floor = Crowd(lambda _number: FloorUser(base, compiled))
    result.floor = await _ramp(floor, server, pacing, tab_counts)
    result.floor_capacity = summary_of(await floor.run(SATURATION), SATURATION.window_seconds)
    await floor.close()
    portal = portal_crowd(base, compiled)
    result.portal = await _ramp(portal, server, pacing, tab_counts)
    result.portal_capacity = summary_of(await portal.run(SATURATION), SATURATION.window_seconds)
    result.start_failures = floor.start_failures + portal.start_failures
    profile_dir = VAR / "profile" / server.backend.label.split(",")[0].split()[0].lower()
    profiled: dict[str, profile.Profile] = {}

    async def record() -> None:
        profiled["p"] = await profile.record(server.workers(), pacing.window_seconds, profile_dir)

    await portal.run(pacing, during=record)
    result.profile = profiled["p"]
    storm_first = max(tab_counts) + 1
    result.storm = await login_storm(
        portal.first(STORM_OTHER_TABS), base, compiled, first_number=storm_first, count=STORM_SIGN_INS, pacing=pacing
    )
    await portal.close()
    result.history = await history_first_vs_last(base, compiled)
    return result


async def _ramp(crowd: Crowd, server: Server, pacing: Pacing, tab_counts: list[int]) -> list[Level]:
    levels = []
    for count in tab_counts:
        await crowd.grow(count)
        samples = await crowd.run(pacing)
        rss = server.rss()
        levels.append(
            Level(
                tabs=len(crowd.users),
                summary=summary_of(samples, pacing.window_seconds),
                rss=rss,
                state_bytes=_state_bytes(crowd, server),
                pages={
                    page: summary_of([s for s in samples if s.page == page], pacing.window_seconds)
                    for page in sorted({s.page for s in samples})
                },
                problems=sorted({s.problem for s in samples if s.problem})[:5],
            )
        )
    return levels


def summary_of(samples: list[Sample], seconds: float) -> Summary:
    """The summary of some samples of a window."""
    return summarize([s.ms for s in samples], [s.problem for s in samples], seconds)


def _state_bytes(crowd: Crowd, server: Server) -> float:
    """Mean bytes of stored state per tab, over a few of the crowd's tabs."""
    tokens = [user.tab.token for user in crowd.users[:STATE_SAMPLE_TABS]]
    if not tokens:
        return 0.0
    redis_url = server.backend.redis_url
    if redis_url:
        sizes = [redis_state_bytes(redis_url, token) for token in tokens]
        return statistics.mean(sizes)
    # One worker without Redis keeps state in memory (rxconfig.py): nothing to weigh from outside;
    # the Redis backend's figure is the same states pickled.
    return math.nan
