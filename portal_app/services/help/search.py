"""Full-text search of help articles in the database's own index, best match first.

SQLite: the FTS5 table article_fts (migration 0008), ranked by bm25 with the title weighted above
the tags above the text. PostgreSQL: a GIN index on to_tsvector('simple', title, tags and text),
ranked by ts_rank over the same fields weighted A/B/D. User input reaches the index only as quoted
words of letters and digits (the last one matched as a prefix), never as query syntax.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, column, func, literal, literal_column, table
from sqlmodel import Session, col, select

from portal_app.models import Article, Organisation

SEARCH_TABLE = "article_fts"  # SQLite: the FTS5 table; its shadow tables share the prefix
SEARCH_INDEX = "ix_article_search"  # PostgreSQL: the GIN index
MAX_INPUT = 200
MAX_TERMS = 8
MAX_RESULTS = 50
TITLE_WEIGHT, TAGS_WEIGHT, BODY_WEIGHT = 10.0, 4.0, 1.0
_TERM = re.compile(r"[^\W_]+")  # letters and digits only: no quotes, operators, wildcards or NUL

_fts = table(SEARCH_TABLE, column("rowid"), column(SEARCH_TABLE))
_PG_DOCUMENT = literal_column(
    "to_tsvector('simple', article.title || ' ' || article.tags || ' ' || article.body_markdown)"
)  # exactly the expression of the GIN index, so the planner uses it
_PG_WEIGHTED = literal_column(
    "setweight(to_tsvector('simple', article.title), 'A') || setweight(to_tsvector('simple', article.tags), 'B')"
    " || setweight(to_tsvector('simple', article.body_markdown), 'D')"
)


def search_terms(query: object) -> list[str]:
    """The words of user input the index may see: letters and digits in lower case (Unicode NFC), distinct,
    at most MAX_TERMS. Anything but text has none."""
    text = query[:MAX_INPUT] if isinstance(query, str) else ""
    terms: list[str] = []
    for term in _TERM.findall(unicodedata.normalize("NFC", text).lower()):
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def fts5_query(terms: list[str], *, any_word: bool) -> str:
    """An FTS5 MATCH expression: every term a quoted string, the last one a prefix."""
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    return (" OR " if any_word else " AND ").join(quoted)


def tsquery(terms: list[str], *, any_word: bool) -> str:
    """A PostgreSQL tsquery: every term a quoted lexeme, the last one a prefix."""
    quoted = [f"'{term}'" for term in terms]
    quoted[-1] += ":*"
    return (" | " if any_word else " & ").join(quoted)


def matching_articles(
    db: Session,
    organisation: Organisation,
    query: object,
    *,
    any_word: bool = False,
    where: Iterable[ColumnElement[bool]] = (),
    limit: int = MAX_RESULTS,
) -> list[Article]:
    """The organisation's articles matching every word of the query (or any word), best first.

    `where` narrows the articles further in the same SQL (visibility, status, tag).
    """
    terms = search_terms(query)
    if not terms or limit < 1:
        return []
    conditions = [col(Article.organisation_id) == organisation.id, *where]
    if db.get_bind().dialect.name == "postgresql":
        stmt = _postgres(tsquery(terms, any_word=any_word))
    else:
        stmt = _sqlite(fts5_query(terms, any_word=any_word))
    ordered = stmt.where(*conditions).order_by(col(Article.updated_at).desc(), col(Article.id))
    return list(db.exec(ordered.limit(min(limit, MAX_RESULTS))).all())


def _sqlite(match: str) -> Any:
    hidden = _fts.c[SEARCH_TABLE]
    rank = func.bm25(hidden, literal(TITLE_WEIGHT), literal(TAGS_WEIGHT), literal(BODY_WEIGHT))
    return (
        select(Article)
        .join_from(Article, _fts, _fts.c.rowid == col(Article.id))
        .where(hidden.op("MATCH")(match))
        .order_by(rank)
    )


def _postgres(text_query: str) -> Any:
    wanted = func.to_tsquery(literal_column("'simple'"), text_query)
    return select(Article).where(_PG_DOCUMENT.op("@@")(wanted)).order_by(func.ts_rank(_PG_WEIGHTED, wanted).desc())


def include_schema_object(_object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    """Alembic's include_object: leave the search index (made by raw SQL in migration 0008) out of autogenerate."""
    if type_ == "table" and name and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")):
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)
