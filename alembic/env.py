"""Alembic environment: the portal's models against the configured database."""

from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import portal_app.models  # noqa: F401  (registers every table)
from portal_app.config import settings
from portal_app.db import make_engine
from portal_app.services.help.search import include_schema_object

if context.config.config_file_name is not None and not context.config.attributes.get("skip_logging"):
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return context.config.get_main_option("sqlalchemy.url") or settings().db_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_schema_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def _migrate(conn) -> None:
    """Run the migrations; on SQLite, batch table rebuilds need foreign keys off (checked afterwards)."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()  # end the implicit transaction so the migrations' own one commits
    context.configure(
        connection=conn, target_metadata=target_metadata, render_as_batch=True, include_object=include_schema_object
    )
    with context.begin_transaction():
        context.run_migrations()
    conn.commit()
    if sqlite:
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"migrations left rows with broken foreign keys: {broken[:5]}")


def _sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (a fresh clone has no var/ yet)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = _url()
    _sqlite_folder(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
