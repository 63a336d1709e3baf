"""The load benchmark's floor handler exists only in the server the benchmark starts (bench/server.py sets
PORTAL_BENCH_FLOOR=1): a production app has no `FloorState.ping` for anyone to call."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO

STATES = """
import portal_app.portal_app
from portal_app.state.session import SessionState

def names(state):
    return [n for sub in state.get_substates() for n in (sub.__name__, *names(sub))]

print(" ".join(names(SessionState)))
"""


def _substates(**env: str) -> set[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PORTAL_BENCH_FLOOR"} | env
    done = subprocess.run(
        [sys.executable, "-c", STATES], cwd=REPO, env=environment, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_the_production_app_has_no_floor_handler():
    assert "FloorState" not in _substates()


def test_the_benchmarks_server_has_it():
    assert "FloorState" in _substates(PORTAL_BENCH_FLOOR="1")
