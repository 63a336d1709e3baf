"""article full text search

SQLite: an FTS5 index (article_fts, external content = article) kept in sync by triggers.
PostgreSQL: a GIN index on the same words, used by services/help_search.py.

Neither is in the models (alembic/env.py's include_object keeps autogenerate away from them).
A later migration that rebuilds the article table on SQLite (batch_alter_table) drops the
triggers with the old table: it must create them again and rebuild the index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 02:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = (
    """CREATE VIRTUAL TABLE article_fts USING fts5(title, tags, body_markdown, content='article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER article_fts_insert AFTER INSERT ON article BEGIN
        INSERT INTO article_fts(rowid, title, tags, body_markdown)
        VALUES (new.id, new.title, new.tags, new.body_markdown);
    END""",
    """CREATE TRIGGER article_fts_delete AFTER DELETE ON article BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, tags, body_markdown)
        VALUES ('delete', old.id, old.title, old.tags, old.body_markdown);
    END""",
    """CREATE TRIGGER article_fts_update AFTER UPDATE OF title, tags, body_markdown ON article BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, tags, body_markdown)
        VALUES ('delete', old.id, old.title, old.tags, old.body_markdown);
        INSERT INTO article_fts(rowid, title, tags, body_markdown)
        VALUES (new.id, new.title, new.tags, new.body_markdown);
    END""",
    "INSERT INTO article_fts(article_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS article_fts_update",
    "DROP TRIGGER IF EXISTS article_fts_delete",
    "DROP TRIGGER IF EXISTS article_fts_insert",
    "DROP TABLE IF EXISTS article_fts",
)
POSTGRES_UP = (
    "CREATE INDEX ix_article_search ON article "
    "USING gin (to_tsvector('simple', title || ' ' || tags || ' ' || body_markdown))",
)
POSTGRES_DOWN = ("DROP INDEX IF EXISTS ix_article_search",)


def _run(sqlite: Sequence[str], postgres: Sequence[str]) -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": sqlite, "postgresql": postgres}.get(dialect, ()):
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP, POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN, POSTGRES_DOWN)
