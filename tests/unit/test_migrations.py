"""The schema exists only through Alembic: the migrations and the models must agree."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import portal_app.models  # noqa: F401  (registers every table)
from portal_app import db as portal_db
from portal_app.services.help.search import include_schema_object


def test_models_and_migrations_agree(db):
    with portal_db.engine().connect() as connection:
        opts = {"render_as_batch": True, "include_object": include_schema_object}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_migrations_create_every_table(db):
    with portal_db.engine().connect() as connection:
        tables = set(connection.dialect.get_table_names(connection))
    assert set(SQLModel.metadata.tables) <= tables
