"""Summaries of event round trips: percentiles, rates, problems and ratios to the floor."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    """One workload at one load level: round trips (ms), throughput and what went wrong."""

    events: int
    p50: float
    p99: float
    per_second: float
    failed: int
    dropped: int

    @property
    def clean(self) -> bool:
        """No failed and no dropped events (and some events at all)."""
        return self.events > 0 and self.failed == 0 and self.dropped == 0


def summarize(round_trips_ms: Sequence[float], problems: Sequence[str | None], seconds: float) -> Summary:
    """Summarise the events started in a window of `seconds`; problems name failures/drops."""
    return Summary(
        events=len(round_trips_ms),
        p50=percentile(round_trips_ms, 50),
        p99=percentile(round_trips_ms, 99),
        per_second=len(round_trips_ms) / seconds if seconds > 0 else math.nan,
        failed=sum(1 for p in problems if p and p.startswith("failed")),
        dropped=sum(1 for p in problems if p and p.startswith("dropped")),
    )


def ratio(value: float, floor: float) -> str:
    """`value` as a multiple of the floor's, e.g. "3.2x" ("n/a" without a usable floor)."""
    if not floor or math.isnan(floor) or math.isnan(value):
        return "n/a"
    return f"{value / floor:.1f}x"


def ms(value: float) -> str:
    """Milliseconds for a table cell: one decimal under 10 ms, whole numbers above."""
    if math.isnan(value):
        return "n/a"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"
