"""bench/RESULTS.md: the generated part between markers; everything outside them is kept as written."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from bench.load import Pacing
from bench.measure import STORM_OTHER_TABS, BackendResult, Level
from bench.stats import Summary, ms, percentile, ratio

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BEGIN = "<!-- make bench: generated from here -->"
END = "<!-- make bench: generated up to here -->"
TARGET_P99_MS = 250.0
TARGET_P50_RATIO = 2.0
TARGET_LAST_PAGE_RATIO = 1.5
MIB = 1024 * 1024


@dataclass(frozen=True)
class Run:
    """Everything one `make bench` measured."""

    machine: str
    command: str
    date: str
    pacing: Pacing
    backends: list[BackendResult]
    skipped: list[str]
    cold_starts: list[tuple[str, float]]
    billing_history_table: str
    invoice_pdf_table: str


def merge(generated: str, existing: str) -> str:
    """Put the generated block between the markers, keeping the rest of the file."""
    block = f"{BEGIN}\n{generated.strip()}\n{END}"
    if BEGIN in existing and END in existing:
        head, _, rest = existing.partition(BEGIN)
        _, _, tail = rest.partition(END)
        return f"{head}{block}{tail}"
    title, _, body = existing.partition("\n")
    return f"{title}\n\n{block}\n\n{body.lstrip()}" if title.startswith("# ") else f"{block}\n\n{existing}"


def write(run: Run) -> None:
    """Write the run into RESULTS.md."""
    existing = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    RESULTS.write_text(merge(render(run), existing))


def render(run: Run) -> str:
    """The generated Markdown."""
    parts = [
        f"Machine: {run.machine}. Date: {run.date}. Command: `{run.command}`.",
        _pacing_text(run.pacing),
        "## Targets\n\n" + _targets(run),
    ]
    parts += [f"> {reason}" for reason in run.skipped]
    for backend in run.backends:
        parts.append(_backend_section(backend, run.pacing))
    parts.append(_cold_starts(run.cold_starts))
    parts.append(
        "## Billing history, service call (query + formatting), median of 50\n\n" + run.billing_history_table.strip()
    )
    parts.append("## Invoice PDF render time (median of 20 after a warm-up render)\n\n" + run.invoice_pdf_table.strip())
    return "\n\n".join(parts) + "\n"


def _pacing_text(pacing: Pacing) -> str:
    return (
        "Each virtual tab is a socket.io client with its own token that speaks Reflex's websocket protocol "
        "like the compiled frontend (bench/protocol.py). A portal tab signs in as its own customer, then walks "
        "Overview, billing history pages 1-3, Support and its ticket thread; each step is a client-side "
        "navigation (`update_vars_internal` + `on_load_internal`, then the page's on_load handlers and "
        "`set_is_hydrated`), timed from the first emit to the delta that sets `is_hydrated` (Reflex 0.10 "
        "has no final-update flag) and checked for the page's own data (a wrong or missing delta counts as "
        "failed, a missing final update within 30 s as dropped). A floor tab sends `FloorState.ping` "
        "(bumps a counter; its delta must carry the tab's own next count). "
        f"Both pause {pacing.think_seconds * 0.5:g}-{pacing.think_seconds * 1.5:g} s (mean "
        f"{pacing.think_seconds:g} s) between events, so they offer the same load; each level runs "
        f"{pacing.warmup_seconds:g} s of warm-up, then counts the events started in a "
        f"{pacing.window_seconds:g} s window. RSS is the sum over the server's processes (/proc VmRSS); state "
        "per tab is what the state manager stores for a tab's token (pickles in Redis; one worker without Redis "
        "keeps state in memory, where it cannot be weighed from outside)."
    )


def _last_level(levels: list[Level]) -> Level | None:
    return levels[-1] if levels else None


def _targets(run: Run) -> str:
    rows = ["| target | " + " | ".join(b.label for b in run.backends) + " |"]
    rows.append("| --- |" + " ---: |" * len(run.backends))
    checks = [
        ("portal p50 within 2x the floor's p50 (most tabs)", _p50_target),
        (f"portal p99 under {TARGET_P99_MS:.0f} ms (most tabs)", _p99_target),
        ("no failed or dropped events, every tab started", _clean_target),
        ("last history page within 1.5x of the first (20,000 invoices)", _history_target),
        (f"login storm: other tabs' p99 under {TARGET_P99_MS:.0f} ms", _storm_target),
    ]
    for name, check in checks:
        rows.append(f"| {name} | " + " | ".join(check(b) for b in run.backends) + " |")
    return "\n".join(rows)


def _verdict(ok: bool, detail: str) -> str:
    return f"{'met' if ok else '**missed**'}: {detail}"


def _p50_target(backend: BackendResult) -> str:
    floor, portal = _last_level(backend.floor), _last_level(backend.portal)
    if not floor or not portal:
        return "n/a"
    value = portal.summary.p50 / floor.summary.p50
    return _verdict(value <= TARGET_P50_RATIO, f"{value:.1f}x ({ms(portal.summary.p50)} vs {ms(floor.summary.p50)} ms)")


def _p99_target(backend: BackendResult) -> str:
    portal = _last_level(backend.portal)
    if not portal:
        return "n/a"
    return _verdict(portal.summary.p99 < TARGET_P99_MS, f"{ms(portal.summary.p99)} ms at {portal.tabs} tabs")


def _clean_target(backend: BackendResult) -> str:
    summaries = [level.summary for level in backend.floor + backend.portal]
    failed = sum(s.failed for s in summaries)
    dropped = sum(s.dropped for s in summaries)
    events = sum(s.events for s in summaries)
    ok = failed == 0 and dropped == 0 and not backend.start_failures
    detail = f"{events:,} events, {failed} failed, {dropped} dropped, {len(backend.start_failures)} tabs not started"
    return _verdict(ok, detail)


def _history_target(backend: BackendResult) -> str:
    bulk = max(backend.history, key=lambda h: h.invoices, default=None)
    if bulk is None:
        return "n/a"
    value = bulk.last_ms / bulk.first_ms
    return _verdict(value <= TARGET_LAST_PAGE_RATIO, f"{value:.2f}x ({ms(bulk.last_ms)} vs {ms(bulk.first_ms)} ms)")


def _storm_target(backend: BackendResult) -> str:
    storm = backend.storm
    if storm is None or not storm.others_during:
        return "n/a"
    p99 = percentile([s.ms for s in storm.others_during], 99)
    failed = sum(1 for s in storm.others_during if s.problem)
    return _verdict(p99 < TARGET_P99_MS and not failed, f"{ms(p99)} ms, {failed} failed or dropped")


def _backend_section(backend: BackendResult, pacing: Pacing) -> str:
    lines = [
        f"## {backend.label}",
        "",
        f"Started in {backend.start_seconds:.1f} s (`reflex run --env prod`, compile + build included); "
        f"idle RSS {backend.idle_rss / MIB:.0f} MiB.",
        "",
        "| tabs | workload | events | p50 ms | p50 vs floor | p99 ms | p99 vs floor | events/s | RSS MiB "
        "| RSS vs floor | state KiB/tab | state vs floor | failed | dropped |",
        "| ---: | --- |" + " ---: |" * 12,
    ]
    for floor, portal in zip(backend.floor, backend.portal, strict=False):
        lines.append(_level_row("floor", floor, floor))
        lines.append(_level_row("portal", portal, floor))
    lines.append("")
    lines.append(_capacity(backend))
    portal = _last_level(backend.portal)
    if portal:
        lines += ["", f"Portal pages at {portal.tabs} tabs:", "", "| page | events | p50 ms | p99 ms |"]
        lines.append("| --- | ---: | ---: | ---: |")
        lines += [f"| {page} | {s.events} | {ms(s.p50)} | {ms(s.p99)} |" for page, s in portal.pages.items()]
    problems = sorted({p for level in backend.floor + backend.portal for p in level.problems})
    problems += backend.start_failures[:5]
    if problems:
        lines += ["", "First problems seen:", ""] + [f"- {p}" for p in problems[:8]]
    lines += ["", _storm_text(backend), "", _history_text(backend)]
    if backend.profile:
        lines += ["", _profile_text(backend)]
    return "\n".join(lines)


def _level_row(workload: str, level: Level, floor: Level) -> str:
    s, f = level.summary, floor.summary
    return (
        f"| {level.tabs} | {workload} | {s.events} | {ms(s.p50)} | {ratio(s.p50, f.p50)} | {ms(s.p99)} | "
        f"{ratio(s.p99, f.p99)} | {s.per_second:.1f} | {level.rss / MIB:.0f} | {ratio(level.rss, floor.rss)} | "
        f"{_kib(level.state_bytes)} | {ratio(level.state_bytes, floor.state_bytes)} | {s.failed} | {s.dropped} |"
    )


def _kib(size: float) -> str:
    return "in memory" if math.isnan(size) else f"{size / 1024:.1f}"


def _capacity(backend: BackendResult) -> str:
    floor, portal = backend.floor_capacity, backend.portal_capacity
    if not floor or not portal:
        return ""
    tabs = _last_level(backend.portal).tabs if backend.portal else 0
    return (
        f"Capacity (the same {tabs} tabs with no think time): floor {floor.per_second:.0f} events/s "
        f"(p50 {ms(floor.p50)} ms), portal {portal.per_second:.0f} page opens/s (p50 {ms(portal.p50)} ms) = "
        f"{portal.per_second / floor.per_second:.3f}x the floor's rate (issue 16's target: 0.15x on SQLite, 0.2x on "
        "PostgreSQL + Redis); "
        f"{_problems(floor)} / {_problems(portal)}."
    )


def _problems(summary: Summary) -> str:
    return f"{summary.failed} failed, {summary.dropped} dropped"


def _storm_text(backend: BackendResult) -> str:
    storm = backend.storm
    if storm is None:
        return ""
    before = [s.ms for s in storm.others_before]
    during = [s.ms for s in storm.others_during]
    sign_ins = storm.sign_ins_ms
    return (
        f"Login storm: {len(sign_ins) + len(storm.refused)} tabs signed in at once (production bcrypt cost) in "
        f"{storm.seconds:.1f} s (sign-in p50 {ms(percentile(sign_ins, 50))} ms, max "
        f"{ms(max(sign_ins, default=math.nan))} ms, {len(storm.refused)} refused); the other "
        f"{STORM_OTHER_TABS} tabs' events: p99 {ms(percentile(before, 99))} ms "
        f"before ({len(before)} events), p99 {ms(percentile(during, 99))} ms and p50 {ms(percentile(during, 50))} ms "
        f"during ({len(during)} events, {sum(1 for s in storm.others_during if s.problem)} failed or dropped)."
    )


def _history_text(backend: BackendResult) -> str:
    if not backend.history:
        return ""
    rows = ["| account | invoices | pages | page 1 ms (median) | last page ms (median) | last / first |"]
    rows.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for h in backend.history:
        rows.append(
            f"| {h.account} | {h.invoices:,} | {h.pages:,} | {ms(h.first_ms)} | {ms(h.last_ms)} | "
            f"{h.last_ms / h.first_ms:.2f}x |"
        )
    return "Billing history over the websocket (no other load, median of 15 navigations each):\n\n" + "\n".join(rows)


def _profile_text(backend: BackendResult) -> str:
    profile = backend.profile
    total = profile.samples or 1
    rows = [
        f"Profile of the backend worker(s) during a further {backend.portal[-1].tabs if backend.portal else 0}-tab "
        f"portal window (py-spy, {profile.samples:,} samples of busy threads):",
        "",
        "| where | share |",
        "| --- | ---: |",
    ]
    rows += [f"| {name} | {count / total:.0%} |" for name, count in profile.buckets]
    rows += ["", "| busiest leaf functions | share |", "| --- | ---: |"]
    rows += [f"| `{name}` | {count / total:.1%} |" for name, count in profile.leaves]
    return "\n".join(rows)


def _cold_starts(cold_starts: list[tuple[str, float]]) -> str:
    rows = ["## Cold start (process start to the first answer of /api/health and /portal/login)", ""]
    rows += ["| start | seconds |", "| --- | ---: |"]
    rows += [f"| {label} | {seconds:.1f} |" for label, seconds in cold_starts]
    return "\n".join(rows)
