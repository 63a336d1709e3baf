"""A restart mid-session: the portal process is stopped and started again while a person is signed in.

Runs its own production server (its own port, database and build under PORTAL_E2E_DIR/restart), so
restarting it does not disturb the shared server the other browser tests use.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect

from .conftest import BIN, REPO, START_TIMEOUT, VAR, _answers, _env, _stop, free_port
from .helpers import DEMO, DEMO_PASSWORD, at_path, h1, sign_in, snap

HOME = VAR / "restart"
DB_URL = f"sqlite:///{HOME / 'portal.db'}"
LOG = HOME / "server.log"


def _log_tail() -> str:
    return "\n".join(LOG.read_text(errors="replace").splitlines()[-40:]) if LOG.exists() else "(no log)"


def _fresh_database() -> None:
    HOME.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (HOME / f"portal.db{suffix}").unlink(missing_ok=True)
    env = _env(REFLEX_DB_URL=DB_URL)
    for command in ([str(BIN / "alembic"), "upgrade", "head"], [sys.executable, "-m", "portal_app.cli", "seed-demo"]):
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def restartable_portal() -> Iterator[tuple[str, Callable[[], None]]]:
    """The portal on its own port, and a function that stops it and starts it again (same port, same data)."""
    _fresh_database()
    port = free_port()
    base_url = f"http://localhost:{port}"
    env = _env(
        REFLEX_DB_URL=DB_URL,
        PORTAL_PUBLIC_URL=base_url,
        PORTAL_OUTBOX_DIR=str(HOME / "outbox"),
        REFLEX_WEB_WORKDIR=str(HOME / "web"),
        REFLEX_STATES_WORKDIR=str(HOME / "states"),
    )
    command = [str(BIN / "reflex"), "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)]
    running: list[subprocess.Popen] = []

    def start() -> None:
        with LOG.open("ab") as log:
            server = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        running.append(server)
        deadline = time.monotonic() + START_TIMEOUT
        while _answers(f"{base_url}/api/health") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the portal did not start; {LOG} ends with:\n{_log_tail()}")
            time.sleep(0.5)

    def restart() -> None:
        _stop(running.pop())
        assert _answers(f"{base_url}/api/health") is None  # really down
        start()

    LOG.unlink(missing_ok=True)
    start()
    try:
        yield base_url, restart
    finally:
        while running:
            _stop(running.pop())


def test_signed_in_person_stays_signed_in_across_a_restart(
    restartable_portal: tuple[str, Callable[[], None]], browser: Browser
) -> None:
    base_url, restart = restartable_portal
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, DEMO, DEMO_PASSWORD)  # without "Remember me": only the browser-session cookie
        page.goto("/portal/billing")
        expect(h1(page, "Billing")).to_be_visible()

        restart()

        page.reload()  # the new process has no memory of this tab: the cookie and the database carry it
        expect(h1(page, "Billing")).to_be_visible()
        expect(page).to_have_url(at_path("/portal/billing"))
        page.get_by_role("link", name="Support").first.click()  # an event over the new websocket
        expect(h1(page, "Support")).to_be_visible()
        snap(page, "fault-restart-still-signed-in")
    finally:
        context.close()
