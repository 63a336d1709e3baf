"""`reflex run` as rxconfig.py sets it up: only the sources reload the backend, and Reflex's start-up schema
check stays quiet on a migrated database but still reports a real difference between models and schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, Table, inspect
from sqlmodel import Session, SQLModel

from portal_app import db as portal_db
from portal_app.services.help.search import SEARCH_TABLE

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "portal_app", REPO / "assets", REPO / "rxconfig.py"]
# What a fresh process reports: the paths Reflex's reloader watches, and where the portal writes by default.
PROBE = """
import json, rxconfig
from reflex.utils.exec import get_reload_paths
from portal_app.config import settings
from portal_app.services.common.secret_key import KEY_FILE
print(json.dumps({"watched": [str(p) for p in get_reload_paths()], "written": [
    settings().db_url.removeprefix("sqlite:///"), str(settings().outbox_dir), str(KEY_FILE)]}))
"""


def test_reflex_run_watches_the_sources_and_nothing_the_portal_writes() -> None:
    names = ("REFLEX_DB_URL", "PORTAL_OUTBOX_DIR", "PORTAL_SECRET_KEY", "REFLEX_HOT_RELOAD_OVERRIDE_PATHS")
    env = {name: value for name, value in os.environ.items() if name not in names}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    probe = json.loads(done.stdout.splitlines()[-1])
    assert probe["watched"] == [str(path) for path in SOURCES]
    for written in map(Path, probe["written"]):
        assert written.is_relative_to(REPO / "var"), written
        assert not any(written.is_relative_to(source) for source in SOURCES), written


@pytest.fixture
def start_up_check(db: Session, monkeypatch: pytest.MonkeyPatch) -> Callable[[], bool]:
    """Reflex's check at `reflex run` (prerequisites.check_schema_up_to_date), on the test's migrated database:
    whether it finds schema changes."""
    from reflex import model

    import rxconfig  # noqa: F401  (what `reflex run` loads first: it teaches Alembic to skip the search index)

    monkeypatch.chdir(REPO)  # Reflex reads alembic.ini from the working directory

    def changes_detected() -> bool:
        with portal_db.engine().connect() as connection:
            return model.alembic_autogenerate(connection=connection, write_migration_scripts=False)

    return changes_detected


def test_a_migrated_database_gives_no_schema_warning_at_start(start_up_check: Callable[[], bool]) -> None:
    with portal_db.engine().connect() as connection:
        tables = inspect(connection).get_table_names()
    assert SEARCH_TABLE in tables  # the help-search index the models do not describe is there
    assert not start_up_check()


def test_a_model_without_its_migration_is_still_reported(start_up_check: Callable[[], bool]) -> None:
    unmigrated = Table("unmigrated_model", SQLModel.metadata, Column("id", Integer, primary_key=True))
    try:
        assert start_up_check()
    finally:
        SQLModel.metadata.remove(unmigrated)
    assert not start_up_check()


def test_a_column_the_models_lost_is_still_reported(start_up_check: Callable[[], bool]) -> None:
    with portal_db.engine().begin() as connection:
        connection.exec_driver_sql("ALTER TABLE ticket ADD COLUMN left_behind TEXT")
    assert start_up_check()
