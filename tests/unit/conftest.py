"""Shared fixtures: isolated settings and a fresh database built by the real migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings for one test: mail goes to tmp_path/outbox unless PORTAL_SMTP_URL is set; cheap bcrypt."""
    from factories import MAIL_FROM, PUBLIC_URL

    from portal_app.config import settings

    monkeypatch.setenv("PORTAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("PORTAL_LOGOS_DIR", str(tmp_path / "logos"))
    monkeypatch.setenv("PORTAL_ATTACHMENTS_DIR", str(tmp_path / "attachments"))
    monkeypatch.setenv("PORTAL_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("PORTAL_MAIL_FROM", MAIL_FROM)
    monkeypatch.delenv("PORTAL_SMTP_URL", raising=False)
    monkeypatch.setenv("PORTAL_BCRYPT_ROUNDS", "4")  # fast hashes; the race tests raise it again
    settings.cache_clear()
    yield tmp_path
    settings.cache_clear()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file migrated to head with Alembic once per test run (copied per test)."""
    from alembic import command
    from alembic.config import Config

    path = tmp_path_factory.mktemp("migrated") / "portal.db"
    url = f"sqlite:///{path}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REFLEX_DB_URL", url)
        config = Config(str(REPO / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", url)
        config.attributes["skip_logging"] = True  # keep pytest's log capture intact
        command.upgrade(config, "head")
    return path


@pytest.fixture
def db(env: Path, migrated_database: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """A session on a new SQLite database in tmp_path, as the real migrations build it."""
    from portal_app import db as portal_db
    from portal_app.config import settings

    target = env / "portal.db"
    with sqlite3.connect(migrated_database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{target}")
    settings.cache_clear()
    portal_db.engine.cache_clear()
    # Many tiny commits: skip the fsyncs (a crash of the test run loses nothing that matters).
    event.listen(portal_db.engine(), "connect", lambda conn, _record: conn.execute("PRAGMA synchronous=OFF"))
    with Session(portal_db.engine(), expire_on_commit=False) as session:
        yield session
    portal_db.engine().dispose()
    portal_db.engine.cache_clear()


@pytest.fixture
def acme(db: Session):
    """Acme Broadband, a provider (tests/unit/support_fixtures.py: the helpers of the support tests)."""
    from factories import make_organisation

    return make_organisation(db, slug="acme", name="Acme Broadband")


@pytest.fixture
def bakery(db: Session, acme):
    """Riverside Bakery, a customer of Acme."""
    from factories import make_customer

    return make_customer(db, acme, name="Riverside Bakery", email="office@bakery.example", locale="en_US")


@pytest.fixture
def bea(db: Session, bakery):
    """Bea Baker, signed in for Riverside Bakery."""
    from factories import make_user, principal_for

    return principal_for(db, make_user(db, email="owner@bakery.example", customer=bakery, name="Bea Baker"))


@pytest.fixture
def jamie(db: Session, acme):
    """Jamie Park, signed in as Acme's support staff."""
    from factories import make_user, principal_for

    return principal_for(
        db, make_user(db, email="jamie@acme.example", name="Jamie Park", staff_organisation_id=acme.id)
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, env, monkeypatch):
    """The portal's database on SQLite, then on a scratch PostgreSQL (for races that differ between the two)."""
    from fault_injection import scratch_postgres

    if request.param == "sqlite":
        yield request.getfixturevalue("db")
        return
    with scratch_postgres(monkeypatch) as session:
        yield session


@pytest.fixture
def fake(db, monkeypatch):
    """The Stripe-speaking test server (tests/unit/stripe_fake.py), with the portal's Stripe client pointed at it."""
    from stripe_fake import running

    with running(monkeypatch) as server:
        yield server


@pytest.fixture
def client(fake):
    """The portal's API routes (the Stripe webhook among them), called in process."""
    from starlette.testclient import TestClient

    from portal_app.api import api_app

    return TestClient(api_app)
