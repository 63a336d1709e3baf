"""The capacity step of `make bench` alone: 200 tabs with no think time, floor events/s against portal page opens/s.

Run: `.venv/bin/python -m bench.capacity [--postgres] [--runs 3]` (about a minute and a half per run on SQLite).
For trying one change to the hot path: single runs vary by about 20% on a 2-core machine, so compare several runs
of each version, not one. Also prints the CPU seconds the server's worker processes and this load generator used,
which shows whether the server or the client was the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Iterable
from pathlib import Path

from bench import databases
from bench.load import Crowd, portal_crowd
from bench.measure import SATURATION, summary_of
from bench.run import compiled_frontend
from bench.server import Server, free_port
from bench.stats import Summary
from bench.workload import FloorUser

TABS = 200


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds the processes have used so far (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def saturate(crowd: Crowd, server: Server) -> tuple[Summary, float, float]:
    """The crowd's summary with no think time, and the server's and this process's CPU seconds meanwhile."""
    server_before, client_before = cpu_seconds(server.workers()), time.process_time()
    summary = summary_of(await crowd.run(SATURATION), SATURATION.window_seconds)
    return summary, cpu_seconds(server.workers()) - server_before, time.process_time() - client_before


async def measure(server: Server) -> str:
    compiled = compiled_frontend()
    floor = Crowd(lambda _number: FloorUser(server.base_url, compiled))
    await floor.grow(TABS)
    floor_summary, floor_server, floor_client = await saturate(floor, server)
    await floor.close()
    portal = portal_crowd(server.base_url, compiled)
    await portal.grow(TABS)
    portal_summary, portal_server, portal_client = await saturate(portal, server)
    await portal.close()
    problems = floor_summary.failed + floor_summary.dropped + portal_summary.failed + portal_summary.dropped
    return (
        f"floor {floor_summary.per_second:.0f} events/s (server CPU {floor_server:.1f} s, client {floor_client:.1f} s)"
        f" | portal {portal_summary.per_second:.0f} page opens/s (server CPU {portal_server:.1f} s, client"
        f" {portal_client:.1f} s) | ratio {portal_summary.per_second / floor_summary.per_second:.3f}x"
        f" | {problems} failed or dropped"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis, 2 workers (default: SQLite)")
    parser.add_argument("--runs", type=int, default=1, help="measurements on the same server")
    args = parser.parse_args()
    backend = databases.POSTGRES if args.postgres else databases.SQLITE
    databases.prepare(backend)
    server = Server(backend, free_port(), "capacity")
    server.start()
    try:
        for run in range(1, args.runs + 1):
            print(f"[capacity] {backend.label}, run {run}: {asyncio.run(measure(server))}", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
