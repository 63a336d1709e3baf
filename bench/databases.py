"""Fresh bench databases: migrated with Alembic, the demo data (for its 20,000-invoice account),
then bench/seed.py's customers. Never the developer's portal.db or the test databases."""

from __future__ import annotations

import subprocess
import sys

from bench.server import BIN, REPO, VAR, Backend, command_env

SQLITE_PATH = VAR / "portal.db"
PG_DATABASE = "portal_bench"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/8"

SQLITE = Backend("SQLite, 1 worker", f"sqlite:///{SQLITE_PATH}", None, 1)
POSTGRES = Backend(
    "PostgreSQL + Redis, 2 workers", f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}", REDIS_URL, 2
)


def prepare(backend: Backend) -> None:
    """Create the backend's database afresh and load it; flush its Redis database."""
    if backend.db_url.startswith("sqlite"):
        VAR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            SQLITE_PATH.with_name(SQLITE_PATH.name + suffix).unlink(missing_ok=True)
    else:
        _recreate_postgres()
    if backend.redis_url:
        import redis

        client = redis.Redis.from_url(backend.redis_url)
        client.flushdb()
        client.close()
    env = command_env(REFLEX_DB_URL=backend.db_url)
    for command in (
        [str(BIN / "alembic"), "upgrade", "head"],
        [sys.executable, "-m", "portal_app.cli", "seed-demo"],
        [sys.executable, "-m", "bench.seed"],
    ):
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _recreate_postgres() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()
