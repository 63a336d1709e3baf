"""`make bench`: the load benchmark on SQLite (1 worker) and PostgreSQL + Redis (2 workers),
the service-level benchmarks, cold starts; writes bench/RESULTS.md.

Run: `.venv/bin/python -m bench.run [--tabs 10,50,200] [--think 5] [--window 10]`. Starts its own
servers on a free port with work directories under var/bench; needs no running portal. The
PostgreSQL + Redis part is skipped, saying so in RESULTS.md, where 127.0.0.1:5432 or :6379 is down.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import databases, protocol, report
from bench.load import Pacing
from bench.measure import BackendResult, measure
from bench.seed import HUNDRED_EMAIL
from bench.server import REPO, VAR, Backend, Server, command_env, free_port, reachable
from bench.tab import Compiled


def machine() -> str:
    """Cores, RAM and CPU model from /proc, and the Python version."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    mem_kib = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    return f"{os.cpu_count()} cores, {mem_kib / 1024 / 1024:.0f} GiB RAM, {cpu}, Python {platform.python_version()}"


def run_module(module: str, backend: Backend, *args: str) -> str:
    """Run a service-level benchmark module on the bench database; returns what it printed."""
    command = [sys.executable, "-m", module, *args]
    env = command_env(REFLEX_DB_URL=backend.db_url)
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


def compiled_frontend() -> Compiled:
    """The state schema and hashes from the build, as the browser sends them with its first hydrate."""
    context = VAR / "web" / "utils" / "context.jsx"
    return Compiled(*protocol.compiled_schema(context.read_text())) if context.exists() else Compiled()


def load_backend(backend: Backend, port: int, pacing: Pacing, tab_counts: list[int]):
    """Prepare the backend's database, start the server, measure, stop it."""
    print(f"[bench] {backend.label}: preparing the database", flush=True)
    databases.prepare(backend)
    server = Server(backend, port, backend.label.split(",")[0].split()[0].lower())
    print(f"[bench] {backend.label}: starting `reflex run --env prod`", flush=True)
    seconds = server.start()
    try:
        print(f"[bench] {backend.label}: up in {seconds:.1f} s; running the load", flush=True)
        return asyncio.run(measure(server, seconds, compiled_frontend(), pacing=pacing, tab_counts=tab_counts))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", default="10,50,200", help="tab counts of the ramp, comma-separated")
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds a tab waits between events")
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured per level")
    args = parser.parse_args()
    tab_counts = [int(n) for n in args.tabs.split(",")]
    pacing = Pacing(think_seconds=args.think, warmup_seconds=3.0, window_seconds=args.window)
    port = free_port()  # one port for every server: the build bakes it into the bundle
    backends: list[BackendResult] = []
    skipped: list[str] = []
    cold_starts: list[tuple[str, float]] = []

    backends.append(load_backend(databases.SQLITE, port, pacing, tab_counts))
    cold_starts.append(("`reflex run --env prod` (compile + frontend build, 1 worker)", backends[-1].start_seconds))
    print("[bench] service-level benchmarks", flush=True)
    history_table = run_module("bench.billing_history", databases.SQLITE, HUNDRED_EMAIL, "bulk@example.com")
    pdf_table = run_module("bench.invoice_pdf", databases.SQLITE)
    backend_only = Server(databases.SQLITE, port, "backend-only", backend_only=True)
    try:
        cold_starts.append(
            ("`reflex run --env prod --backend-only` (frontend already built): /api/health", backend_only.start())
        )
    finally:
        backend_only.stop()

    down = [name for name, port_of in (("PostgreSQL", 5432), ("Redis", 6379)) if not reachable("127.0.0.1", port_of)]
    if down:
        skipped.append(f"{databases.POSTGRES.label} skipped: {' and '.join(down)} not running on 127.0.0.1.")
    else:
        backends.append(load_backend(databases.POSTGRES, port, pacing, tab_counts))
        cold_starts.append(("`reflex run --env prod`, again (compile + build, 2 workers)", backends[-1].start_seconds))

    report.write(
        report.Run(
            machine=machine(),
            command="make bench  # " + shlex.join(["python", "-m", "bench.run", *sys.argv[1:]]),
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            pacing=pacing,
            backends=backends,
            skipped=skipped,
            cold_starts=cold_starts,
            billing_history_table=history_table,
            invoice_pdf_table=pdf_table,
        )
    )
    print(f"[bench] wrote {report.RESULTS}", flush=True)


if __name__ == "__main__":
    main()
