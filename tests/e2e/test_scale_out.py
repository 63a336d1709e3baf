"""Production mode at scale: PostgreSQL + Redis with two backend workers, driven through a browser.

Skipped, with the reason shown, only where PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379)
is not running.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import BIN, REPO, _answers, _env, _stop, free_port
from .helpers import DEMO, DEMO_PASSWORD, h1, sign_in

PG = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
DATABASE = "portal_e2e_scale"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/7"
VAR = REPO / "var" / "e2e-scale"
LOG = VAR / "server.log"
WORKERS = 2


def _reachable(address: tuple[str, int]) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(address) == 0


def _fresh_database() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    env = _env(REFLEX_DB_URL=DB_URL)
    for command in ([str(BIN / "alembic"), "upgrade", "head"], [sys.executable, "-m", "portal_app.cli", "seed-demo"]):
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def _log_tail() -> str:
    return "\n".join(LOG.read_text(errors="replace").splitlines()[-40:]) if LOG.exists() else "(no log)"


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (the supervisor's backend workers among them)."""
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return children + [grandchild for child in children for grandchild in _descendants(child)]


@pytest.fixture(scope="module")
def scaled_portal() -> Iterator[tuple[str, subprocess.Popen]]:
    """The portal in production mode on PostgreSQL + Redis with two workers, on its own port."""
    missing = [name for name, address in (("PostgreSQL", PG), ("Redis", REDIS)) if not _reachable(address)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not running on this machine: the scale-out test needs them")
    _fresh_database()
    VAR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://localhost:{port}"
    env = _env(
        REFLEX_DB_URL=DB_URL,
        REFLEX_REDIS_URL=REDIS_URL,
        GRANIAN_WORKERS=str(WORKERS),
        PORTAL_PUBLIC_URL=base_url,
        PORTAL_OUTBOX_DIR=str(VAR / "outbox"),
        REFLEX_WEB_WORKDIR=str(VAR / "web"),
        REFLEX_STATES_WORKDIR=str(VAR / "states"),
    )
    command = [str(BIN / "reflex"), "run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)]
    with LOG.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 300
        while _answers(f"{base_url}/api/health") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the scaled portal did not start; {LOG} ends with:\n{_log_tail()}")
            time.sleep(0.5)
        yield base_url, server
    finally:
        _stop(server)


def test_two_workers_on_postgresql_and_redis_serve_sign_in_history_and_tickets(
    scaled_portal: tuple[str, subprocess.Popen], browser: Browser
) -> None:
    base_url, server = scaled_portal
    assert len(_descendants(server.pid)) >= WORKERS, _log_tail()
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page: Page = context.new_page()
    try:
        sign_in(page, DEMO, DEMO_PASSWORD)
        page.goto("/portal/billing/history?invoices=2")
        expect(h1(page, "Billing history")).to_be_visible()
        expect(page.get_by_role("navigation", name="Invoice pages")).to_contain_text("Page 2 of")

        page.goto("/portal/support")
        subject = f"Two workers {os.getpid()}"
        page.get_by_label("Subject").fill(subject)
        page.get_by_label("Describe the issue").fill("Sent through the portal running on PostgreSQL and Redis.")
        page.get_by_role("button", name="Send ticket").click()
        expect(page.get_by_text("was created")).to_be_visible()
        page.get_by_role("link", name=subject).first.click()
        expect(h1(page, subject)).to_be_visible()

        page.reload()  # a new connection may land on the other worker: the session holds
        expect(h1(page, subject)).to_be_visible()
    finally:
        context.close()
