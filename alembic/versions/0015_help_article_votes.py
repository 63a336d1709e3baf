"""help article votes, and a search index that ranks by field and stems words

"Was this helpful?" answers: one row per person and article (articlevote).

The help search index is rebuilt so that "wifi" finds "Wi-Fi" and "refunded" finds "refund":
every field is indexed as written and again with its hyphens removed ("Wi-Fi" gives wi, fi and wifi).
SQLite: article_fts becomes a contentless FTS5 table (its text differs from the article's columns), fed by
triggers; still porter-stemmed. PostgreSQL: the GIN index is on one weighted tsvector in the 'english'
configuration (stemmed), title A, tags B, text D, so a query can ask for the title or tags alone
(services/help/search.py builds exactly this expression).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sqlmodel.sql.sqltypes.UTCDateTime


DROP_0008_SQLITE = (
    "DROP TRIGGER IF EXISTS article_fts_update",
    "DROP TRIGGER IF EXISTS article_fts_delete",
    "DROP TRIGGER IF EXISTS article_fts_insert",
    "DROP TABLE IF EXISTS article_fts",
)
SQLITE_UP = (
    *DROP_0008_SQLITE,
    """CREATE VIRTUAL TABLE article_fts USING fts5(title, tags, body_markdown, content='',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER article_fts_insert AFTER INSERT ON article BEGIN
        INSERT INTO article_fts(rowid, title, tags, body_markdown) VALUES (new.id,
            new.title || ' ' || replace(new.title, '-', ''),
            new.tags || ' ' || replace(new.tags, '-', ''),
            new.body_markdown || ' ' || replace(new.body_markdown, '-', ''));
    END""",
    """CREATE TRIGGER article_fts_delete AFTER DELETE ON article BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, tags, body_markdown) VALUES ('delete', old.id,
            old.title || ' ' || replace(old.title, '-', ''),
            old.tags || ' ' || replace(old.tags, '-', ''),
            old.body_markdown || ' ' || replace(old.body_markdown, '-', ''));
    END""",
    """CREATE TRIGGER article_fts_update AFTER UPDATE OF title, tags, body_markdown ON article BEGIN
        INSERT INTO article_fts(article_fts, rowid, title, tags, body_markdown) VALUES ('delete', old.id,
            old.title || ' ' || replace(old.title, '-', ''),
            old.tags || ' ' || replace(old.tags, '-', ''),
            old.body_markdown || ' ' || replace(old.body_markdown, '-', ''));
        INSERT INTO article_fts(rowid, title, tags, body_markdown) VALUES (new.id,
            new.title || ' ' || replace(new.title, '-', ''),
            new.tags || ' ' || replace(new.tags, '-', ''),
            new.body_markdown || ' ' || replace(new.body_markdown, '-', ''));
    END""",
    """INSERT INTO article_fts(rowid, title, tags, body_markdown) SELECT id,
        article.title || ' ' || replace(article.title, '-', ''),
            article.tags || ' ' || replace(article.tags, '-', ''),
            article.body_markdown || ' ' || replace(article.body_markdown, '-', '')
        FROM article""",
)
SQLITE_DOWN = (  # migration 0008's index again
    *DROP_0008_SQLITE,
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
POSTGRES_UP = (
    "DROP INDEX IF EXISTS ix_article_search",
    "CREATE INDEX ix_article_search ON article USING gin (("
    "setweight(to_tsvector('english', title || ' ' || replace(title, '-', '')), 'A')"
    " || setweight(to_tsvector('english', tags || ' ' || replace(tags, '-', '')), 'B')"
    " || setweight(to_tsvector('english', body_markdown || ' ' || replace(body_markdown, '-', '')), 'D')))",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_article_search",
    "CREATE INDEX ix_article_search ON article "
    "USING gin (to_tsvector('simple', title || ' ' || tags || ' ' || body_markdown))",
)


def _run(sqlite: Sequence[str], postgres: Sequence[str]) -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": sqlite, "postgresql": postgres}.get(dialect, ()):
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "articlevote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("portal_user_id", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("voted_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"]),
        sa.ForeignKeyConstraint(["portal_user_id"], ["portaluser.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "portal_user_id", name="uq_articlevote_article_user"),
    )
    with op.batch_alter_table("articlevote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articlevote_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_articlevote_portal_user_id"), ["portal_user_id"], unique=False)
    _run(SQLITE_UP, POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN, POSTGRES_DOWN)
    with op.batch_alter_table("articlevote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articlevote_portal_user_id"))
        batch_op.drop_index(batch_op.f("ix_articlevote_article_id"))
    op.drop_table("articlevote")
