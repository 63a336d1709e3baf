"""The portal under test: `reflex run --env prod` on its own port and work directories under var/bench.

Like tests/e2e/conftest.py: its own REFLEX_WEB_WORKDIR / REFLEX_STATES_WORKDIR (a production build
bakes its port into the bundle, and `reflex run` empties the states folder), the whole process
group stopped at the end, and reflex.lock/package.json put back when only its formatting changed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VAR = REPO / "var" / "bench"
BIN = Path(sys.executable).parent
NODE_BIN = REPO / ".tools" / "node_modules" / ".bin"
LOCKED_PACKAGE_JSON = REPO / "reflex.lock" / "package.json"
START_TIMEOUT = 300.0


@dataclass(frozen=True)
class Backend:
    """One deployment shape to measure: database, optional Redis, backend workers."""

    label: str
    db_url: str
    redis_url: str | None
    workers: int


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    """Whether something accepts TCP connections there."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def command_env(**settings: str) -> dict[str, str]:
    """This environment minus portal/Redis settings, plus the repo's tools and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "REFLEX_REDIS_URL"}
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["PATH"] = os.pathsep.join([str(NODE_BIN), str(BIN), env.get("PATH", "")])
    env.update(settings)
    return env


def answers(url: str) -> bool:
    """Whether a GET of the URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (our own http:// URL)
            return response.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (granian's backend workers among them)."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return children + [grandchild for child in children for grandchild in descendants(child)]


def rss_bytes(pids: Iterable[int]) -> int:
    """The resident set size of the processes, summed (VmRSS from /proc)."""
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


class Server:
    """`reflex run --env prod` for one backend shape, on `port`, logging to var/bench/<name>.log."""

    def __init__(self, backend: Backend, port: int, name: str, *, backend_only: bool = False) -> None:
        self.backend = backend
        self.port = port
        self.base_url = f"http://localhost:{port}"
        self.log = VAR / f"{name}.log"
        self.backend_only = backend_only
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        """The server's environment."""
        settings = {
            "REFLEX_DB_URL": self.backend.db_url,
            "GRANIAN_WORKERS": str(self.backend.workers),
            "PORTAL_PUBLIC_URL": self.base_url,
            "PORTAL_OUTBOX_DIR": str(VAR / "outbox"),
            "REFLEX_WEB_WORKDIR": str(VAR / "web"),
            "REFLEX_STATES_WORKDIR": str(VAR / "states"),
            "PORTAL_BENCH_FLOOR": "1",  # the floor handler exists only in this server (portal_app.py)
        }
        if self.backend.redis_url:
            settings["REFLEX_REDIS_URL"] = self.backend.redis_url
        return command_env(**settings)

    def start(self) -> float:
        """Start the server; returns the seconds until it answered both health and a page."""
        VAR.mkdir(parents=True, exist_ok=True)
        command = [str(BIN / "reflex"), "run", "--env", "prod", "--backend-port", str(self.port)]
        command += ["--backend-only"] if self.backend_only else ["--frontend-port", str(self.port)]
        committed = LOCKED_PACKAGE_JSON.read_bytes() if LOCKED_PACKAGE_JSON.exists() else None
        started = time.perf_counter()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=REPO, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        ready = [f"{self.base_url}/api/health"] + ([] if self.backend_only else [f"{self.base_url}/portal/login"])
        while not all(answers(url) for url in ready):
            if self.process.poll() is not None or time.perf_counter() - started > START_TIMEOUT:
                tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
                self.stop()
                raise RuntimeError(f"the portal did not start ({self.backend.label}); {self.log} ends:\n{tail}")
            time.sleep(0.2)
        _keep_lock_formatting(committed)
        return time.perf_counter() - started

    def pids(self) -> list[int]:
        """The server's processes: `reflex run` and everything below it."""
        return [self.process.pid, *descendants(self.process.pid)] if self.process else []

    def workers(self) -> list[int]:
        """The backend worker processes (the leaves of the process tree)."""
        return [pid for pid in self.pids() if not descendants(pid)]

    def rss(self) -> int:
        """The server's resident memory, summed over its processes."""
        return rss_bytes(self.pids())

    def stop(self) -> None:
        """Stop the whole process group (reflex, granian and its workers)."""
        if self.process is None:
            return
        for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process = None


def _keep_lock_formatting(committed: bytes | None) -> None:
    """Undo `reflex run`'s formatting-only rewrite of reflex.lock/package.json."""
    if committed is None or not LOCKED_PACKAGE_JSON.exists():
        return
    current = LOCKED_PACKAGE_JSON.read_bytes()
    if current != committed and json.loads(current) == json.loads(committed):
        LOCKED_PACKAGE_JSON.write_bytes(committed)
        (VAR / "web" / "package.json").write_bytes(committed)


def redis_state_bytes(redis_url: str, token: str) -> int:
    """Bytes Redis keeps for one tab: the pickled states stored under `<token>_<state name>`."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return sum(client.strlen(key) for key in client.scan_iter(match=f"{token}_reflex___*", count=1000))
    finally:
        client.close()
