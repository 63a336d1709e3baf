"""Browser-test fixtures: a real SMTP server, the portal as `make run` serves it, and Chromium.

The portal runs from its own Reflex work directories under var/e2e/ (REFLEX_WEB_WORKDIR,
REFLEX_STATES_WORKDIR): a production build bakes its port into the frontend bundle and
`reflex run` empties the states folder on start, so sharing .web/.states with a developer's
server on port 3000 would break that server.

`reflex run` also copies its web directory's package.json over reflex.lock/package.json in
its own one-line formatting; when only the formatting changed the committed bytes are put
back, so a test run leaves the working tree as it found it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from .helpers import CHROMIUM, CHROMIUM_ARGS, DESKTOP, REPO, SCREENSHOTS, UNLINKED, MailSink, snap

E2E_DIR = Path(__file__).resolve().parent
# PORTAL_E2E_DIR lets two test runs on one machine keep apart (each builds its own frontend).
VAR = Path(os.environ.get("PORTAL_E2E_DIR", REPO / "var" / "e2e"))
DB_PATH = VAR / "portal.db"
SERVER_LOG = VAR / "server.log"
BIN = Path(sys.executable).parent  # the virtualenv running pytest (.venv/bin under `make test`)
NODE_BIN = REPO / ".tools" / "node_modules" / ".bin"
WEB_DIR = VAR / "web"
LOCKED_PACKAGE_JSON = REPO / "reflex.lock" / "package.json"
START_TIMEOUT = 240  # seconds: the production build alone takes about 40 s
STRIPE_SECRET_KEY = "sk_test_e2e_portal"
STRIPE_WEBHOOK_SECRET = "whsec_e2e_portal"
STRIPE_ACCOUNT = "acct_1TestNorthwind"  # connected to the fake's platform, charges enabled
SECRET_KEY = "e2e-secret-key-that-signs-links"  # the tests sign links the way the server does
STRIPE_LOG = VAR / "stripe_fake.log"
LOG_TAIL_LINES = 60

expect.set_options(timeout=15_000)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m "not e2e"` sees the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here as e2e; skip them all, saying why, when Chromium is missing."""
    missing = None
    if not CHROMIUM.exists():
        missing = pytest.mark.skip(reason=f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)")
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(missing)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's outcome on the item, so the page fixture can screenshot failures."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**settings: str) -> dict[str, str]:
    """The environment for the portal's commands: this one minus portal/Redis settings, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "REFLEX_REDIS_URL"}
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["PATH"] = os.pathsep.join([str(NODE_BIN), str(BIN), env.get("PATH", "")])
    env.update(settings)
    return env


def _log_tail(log: Path = SERVER_LOG) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(empty)"


def migrate_and_seed(env: dict[str, str], cwd: Path = REPO) -> None:
    """Apply the Alembic migrations and load the demo data, in the database the environment (or cwd's app) names."""
    for command in (
        [str(BIN / "alembic"), "upgrade", "head"],
        [sys.executable, "-m", "portal_app.cli", "seed-demo"],
    ):
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def launch(command: list[str], log: Path, env: dict[str, str], cwd: Path = REPO) -> subprocess.Popen:
    """Start a server in its own process group (_stop ends all of it), its output written to the log."""
    with log.open("wb") as output:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[MailSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives."""
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def portal_db() -> Path:
    """A fresh SQLite database at var/e2e/portal.db, migrated with Alembic and seeded with the demo."""
    VAR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        DB_PATH.with_name(DB_PATH.name + suffix).unlink(missing_ok=True)
    migrate_and_seed(_env(REFLEX_DB_URL=f"sqlite:///{DB_PATH}"))
    return DB_PATH


def _answers(url: str) -> int | None:
    """The HTTP status of a GET (redirects followed), or None when nothing answers yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _wait_until_serving(server: subprocess.Popen, log: Path, *urls: str) -> None:
    """Wait until every URL answers 200; fail with the log's end when the server exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"the portal server exited with code {server.returncode} before serving; "
                f"{log} ends with:\n{_log_tail(log)}"
            )
        if all(_answers(url) == 200 for url in urls):
            return
        time.sleep(0.5)
    pytest.fail(f"the portal did not serve {', '.join(urls)} within {START_TIMEOUT} s; log ends:\n{_log_tail(log)}")


def _stop(server: subprocess.Popen) -> None:
    """Stop the server's whole process group (reflex, granian and its workers)."""
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _keep_lock_formatting(committed: bytes | None) -> None:
    """Undo a formatting-only rewrite of reflex.lock/package.json, here and for later runs."""
    if committed is None or not LOCKED_PACKAGE_JSON.exists():
        return
    current = LOCKED_PACKAGE_JSON.read_bytes()
    if current != committed and json.loads(current) == json.loads(committed):
        LOCKED_PACKAGE_JSON.write_bytes(committed)
        (WEB_DIR / "package.json").write_bytes(committed)  # Reflex keeps it: same JSON object


@pytest.fixture(scope="session")
def portal_port() -> int:
    """The port the portal will serve on (the fake Stripe sends its webhooks there)."""
    return free_port()


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def stripe_fake(portal_port: int) -> Iterator[str]:
    """Base URL of the Stripe-speaking test server; its hosted pages send signed webhooks to the portal."""
    port = free_port()
    VAR.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tests.unit.stripe_fake", "--port", str(port)]
    command += ["--webhook-url", f"http://localhost:{portal_port}/api/stripe/webhook"]
    command += ["--webhook-secret", STRIPE_WEBHOOK_SECRET, "--connected-account", STRIPE_ACCOUNT]
    server = launch(command, STRIPE_LOG, _env())
    try:
        deadline = time.monotonic() + 30
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the fake Stripe server did not start; {STRIPE_LOG}:\n{STRIPE_LOG.read_text()}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(server)


@pytest.fixture(scope="session")
def portal(portal_db: Path, smtp_server: MailSink, portal_port: int, stripe_fake: str) -> Iterator[str]:
    """Base URL of the portal, started like `make run` (`reflex run --env prod`) on a free port."""
    port = portal_port
    base_url = f"http://localhost:{port}"
    env = _env(
        REFLEX_DB_URL=f"sqlite:///{portal_db}",
        PORTAL_SMTP_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        PORTAL_PUBLIC_URL=base_url,
        PORTAL_OUTBOX_DIR=str(VAR / "outbox"),
        PORTAL_LOGOS_DIR=str(VAR / "logos"),
        PORTAL_ATTACHMENTS_DIR=str(VAR / "attachments"),
        # The benchmark's floor handler (bench/floor.py): the websocket tests wait for its ping to know that the
        # events they sent before it have run. A production app has no such handler.
        PORTAL_BENCH_FLOOR="1",
        REFLEX_WEB_WORKDIR=str(WEB_DIR),
        REFLEX_STATES_WORKDIR=str(VAR / "states"),
        # A state that grows past 100 KB (e.g. holding a whole history) fails the tests.
        REFLEX_PERF_MODE="raise",
        REFLEX_STATE_SIZE_LIMIT="100",
        PORTAL_STRIPE_SECRET_KEY=STRIPE_SECRET_KEY,
        PORTAL_STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET,
        PORTAL_STRIPE_API_BASE=stripe_fake,
        PORTAL_SECRET_KEY=SECRET_KEY,
    )
    command = [str(BIN / "reflex"), "run", "--env", "prod", "--frontend-port", str(port)]
    command += ["--backend-port", str(port)]
    committed = LOCKED_PACKAGE_JSON.read_bytes() if LOCKED_PACKAGE_JSON.exists() else None
    server = launch(command, SERVER_LOG, env)
    try:
        _wait_until_serving(server, SERVER_LOG, f"{base_url}/ping", f"{base_url}/portal/login")
        _keep_lock_formatting(committed)
        yield base_url
        if server.poll() is not None:
            pytest.fail(f"the portal server died during the tests; log ends with:\n{_log_tail()}")
    finally:
        _stop(server)


# Playwright's sync API keeps an asyncio loop running in the main thread while it is open, which
# breaks asyncio.run() in other tests: the driver and browser end with this package's tests.
@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's sync driver for the browser tests."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium (Playwright's own download does not work here)."""
    for stale in SCREENSHOTS.glob("FAILED-*.png"):
        stale.unlink()  # failure screenshots of an earlier run
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def open_context(browser: Browser, portal: str) -> Iterator[Callable[..., BrowserContext]]:
    """Open fresh browser contexts (1280x900, relative URLs go to the portal); all closed afterwards."""
    contexts: list[BrowserContext] = []

    def open_one(**options) -> BrowserContext:
        context = browser.new_context(**{"viewport": DESKTOP, "base_url": portal, **options})
        contexts.append(context)
        return context

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_context: Callable[..., BrowserContext], request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh context: no cookies, nobody signed in. Screenshotted when the test fails."""
    tab = open_context().new_page()
    yield tab
    snap_failure(request, tab)


def snap_failure(request: pytest.FixtureRequest, tab: Page) -> None:
    """Screenshot the tab as FAILED-<test> when the test itself failed."""
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not tab.is_closed():
        snap(tab, f"FAILED-{request.node.name}")


@pytest.fixture
def clean_throttle(portal_db: Path) -> Iterator[None]:
    """Start with no failures counted for the test's client address; afterwards put every counter back as it was,
    so no lock is left for the tests that sign in as unlinked@example.com later."""
    with sqlite3.connect(portal_db, timeout=30) as db:
        kept = db.execute("SELECT key, failures, window_started_at, locked_until FROM auththrottle").fetchall()
        db.execute("DELETE FROM auththrottle WHERE key LIKE 'client:%' OR key = ?", (f"account:{UNLINKED}",))
    yield
    with sqlite3.connect(portal_db, timeout=30) as db:
        db.execute("DELETE FROM auththrottle")
        db.executemany("INSERT INTO auththrottle VALUES (?, ?, ?, ?)", kept)
