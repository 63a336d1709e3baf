"""The developer's loop: under `reflex run` (dev mode, hot reload) using the portal never reloads the backend,
and editing a page's source does.

The dev server runs from a fresh copy of the app's sources (var/e2e/dev-loop/app) with the copy's own defaults (its
SQLite database, mail outbox and secret key in its var/), so what the portal writes lands inside the app's folder as
in a developer's checkout, and the test edits the copy, never the working tree. Granian, logging at info level, names
every reload and the files that caused it.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import (
    BIN,
    REPO,
    VAR,
    _env,
    _log_tail,
    _stop,
    _wait_until_serving,
    free_port,
    launch,
    migrate_and_seed,
    snap_failure,
)
from .helpers import CUSTOMER_PAGES, DEMO, DEMO_PASSWORD, DESKTOP, at_path, h1, sign_in, wait_hydrated
from .portal_data import OPEN_TICKET_STATUSES

DEV_DIR = VAR / "dev-loop"
APP = DEV_DIR / "app"
LOG = DEV_DIR / "server.log"
# What of a developer's checkout the app needs (.tools, with the repo's bun, is linked instead).
SOURCES = (
    "portal_app",
    "assets",
    "alembic",
    "alembic.ini",
    "rxconfig.py",
    "requirements.txt",
    "reflex.lock",
    ".gitignore",
)
EDITED_PAGE = Path("portal_app") / "pages" / "help.py"
RELOADED = "Changes detected, reloading workers"  # granian, then one "Modified: <path>" line per file
CHANGED_FILE = ("Added: ", "Modified: ", "Deleted: ")
WORKER_STARTED = "Started worker-"
FALSE_SCHEMA_WARNING = "Detected database schema changes"  # Reflex's start-up check, on a database at head
DEV_TIMEOUT_MS = 90_000  # Vite compiles each route on its first request: slow on a busy 2-core machine
RELOAD_TIMEOUT = 120  # seconds: a reload compiles the app again


@dataclass(frozen=True)
class DevPortal:
    """The dev server: the frontend's URL, the app folder it runs from, its log."""

    url: str
    app: Path
    log: Path

    def lines(self, *markers: str) -> list[str]:
        """The log's lines holding any of the markers."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if any(marker in line for marker in markers)]


def _copy_app() -> None:
    shutil.rmtree(APP, ignore_errors=True)
    APP.mkdir(parents=True)
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, APP / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, APP / name)
    (APP / ".tools").symlink_to(REPO / ".tools")


@pytest.fixture(scope="module")
def dev_portal() -> Iterator[DevPortal]:
    """`reflex run --env dev` on free ports, from a fresh copy of the app with a migrated and seeded database."""
    _copy_app()
    frontend, backend = free_port(), free_port()
    url = f"http://localhost:{frontend}"
    env = _env(
        PORTAL_PUBLIC_URL=url,
        REFLEX_WEB_WORKDIR=str(DEV_DIR / "web"),
        REFLEX_STATES_WORKDIR=str(DEV_DIR / "states"),
        REFLEX_LOGLEVEL="info",  # granian logs each reload with the files that caused it
    )
    for name in ("REFLEX_DB_URL", "REFLEX_HOT_RELOAD_OVERRIDE_PATHS"):
        env.pop(name, None)  # the app's own defaults, as on a developer's machine
    migrate_and_seed(env, cwd=APP)
    command = [str(BIN / "reflex"), "run", "--env", "dev", "--frontend-port", str(frontend)]
    command += ["--backend-port", str(backend)]
    server = launch(command, LOG, env, cwd=APP)
    try:
        _wait_until_serving(server, LOG, f"http://localhost:{backend}/ping", f"{url}/portal/login")
        yield DevPortal(url, APP, LOG)
        if server.poll() is not None:
            pytest.fail(f"the dev server died during the test; log ends with:\n{_log_tail(LOG)}")
    finally:
        _stop(server)


@pytest.fixture
def dev_page(browser: Browser, dev_portal: DevPortal, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A tab on the dev server, nobody signed in. Screenshotted when the test fails."""
    context = browser.new_context(viewport=DESKTOP, base_url=dev_portal.url)
    tab = context.new_page()
    tab.set_default_timeout(DEV_TIMEOUT_MS)
    yield tab
    snap_failure(request, tab)
    context.close()


def _open_ticket_of_alex(app: Path) -> int:
    with sqlite3.connect(f"file:{app / 'var' / 'portal.db'}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT t.id FROM ticket t JOIN customer c ON c.id = t.customer_id WHERE c.name = 'Alex Morgan' "
            f"AND t.status IN ({', '.join('?' * len(OPEN_TICKET_STATUSES))}) ORDER BY t.id LIMIT 1",
            OPEN_TICKET_STATUSES,
        ).fetchone()
    assert row, "the demo customer needs an open ticket"
    return row[0]


def _wait_for(condition: Callable[[], bool], timeout: float, failure: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure())
        time.sleep(0.5)


def _use_the_portal(page: Page, app: Path) -> None:
    """Sign in as the demo customer, open every customer page, reply to an open ticket."""
    sign_in(page, DEMO, DEMO_PASSWORD, heading=None)
    expect(h1(page, "Overview")).to_be_visible(timeout=DEV_TIMEOUT_MS)
    for path in CUSTOMER_PAGES:
        page.goto(path)
        expect(page).to_have_url(at_path(path))
        wait_hydrated(page, "h1")
    page.goto(f"/portal/support/{_open_ticket_of_alex(app)}")
    wait_hydrated(page, "#reply-body")
    page.fill("#reply-body", "Written under reflex run: the backend must not reload.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").filter(has_text="Your reply was sent")).to_be_visible(timeout=DEV_TIMEOUT_MS)


def test_using_the_portal_never_reloads_the_backend_but_editing_a_page_does(
    dev_portal: DevPortal, dev_page: Page
) -> None:
    assert dev_portal.lines(FALSE_SCHEMA_WARNING) == []
    page = dev_page
    try:
        _use_the_portal(page, dev_portal.app)
    finally:  # a reload shows in the browser as a lost event (a sign-in that never completes): name it first
        reloads = dev_portal.lines(RELOADED, *CHANGED_FILE)
        assert reloads == [], "the backend reloaded while the portal was used:\n" + "\n".join(reloads)
    assert len(dev_portal.lines(WORKER_STARTED)) == 1

    edited = dev_portal.app / EDITED_PAGE
    edited.write_text(edited.read_text() + "\n# Edited by tests/e2e/test_dev_loop.py: a comment changes nothing.\n")
    _wait_for(
        lambda: len(dev_portal.lines(WORKER_STARTED)) == 2,
        RELOAD_TIMEOUT,
        lambda: f"editing {EDITED_PAGE} did not reload the backend; log ends:\n{_log_tail(dev_portal.log)}",
    )
    changed = dev_portal.lines(*CHANGED_FILE)
    assert len(changed) == 1 and changed[0].endswith(f"Modified: {edited}"), changed
    page.goto("/portal/help")  # the new worker serves the page to the same signed-in tab
    expect(h1(page, "Help center")).to_be_visible(timeout=DEV_TIMEOUT_MS)
