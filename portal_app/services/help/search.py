"""Full-text search of help articles in the database's own index: title matches first, then tags, then text.

Every field is indexed as written and again without hyphens (migration 0015), so "wifi" finds "Wi-Fi";
words are stemmed, so "refunded" finds "refund". SQLite: the FTS5 table article_fts (porter tokenizer),
PostgreSQL: a GIN index on one weighted tsvector in the 'english' configuration (title A, tags B, text D).

Ranking: the articles whose title holds the query come first, then those whose title and tags hold it, then
the rest (matched in the text); within a group by relevance (bm25 / ts_rank, title weighted above tags above
text), then the latest updated. User input reaches the index only as quoted words of letters and digits (the
last one matched as a prefix), never as query syntax.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, column, func, literal, literal_column, table
from sqlmodel import Session, col, select

from portal_app.models import Article, Organisation

SEARCH_TABLE = "article_fts"  # SQLite: the FTS5 table; its shadow tables share the prefix
SEARCH_INDEX = "ix_article_search"  # PostgreSQL: the GIN index
MAX_INPUT = 200
MAX_TERMS = 8
MAX_RESULTS = 50
TITLE_WEIGHT, TAGS_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0  # within a group (title, tags, text)
TITLE, TITLE_AND_TAGS = ("title",), ("title", "tags")
_PG_WEIGHTS = {"title": "A", "tags": "B"}
# Letters and digits; words joined by hyphens are one term without them ("Wi-Fi" is "wifi", as indexed).
_TERM = re.compile(r"[^\W_]+(?:-[^\W_]+)*")

_fts = table(SEARCH_TABLE, column("rowid"), column(SEARCH_TABLE))


def _pg_field(name: str, weight: str) -> str:
    return f"setweight(to_tsvector('english', article.{name} || ' ' || replace(article.{name}, '-', '')), '{weight}')"


# Exactly the expression of the GIN index (migration 0015), so the planner uses it.
PG_DOCUMENT = literal_column(
    " || ".join(_pg_field(name, weight) for name, weight in (("title", "A"), ("tags", "B"), ("body_markdown", "D")))
)


def search_terms(query: object) -> list[str]:
    """The words of user input the index may see: letters and digits in lower case (Unicode NFC), hyphenated
    words joined, distinct, at most MAX_TERMS. Anything but text has none."""
    text = query[:MAX_INPUT] if isinstance(query, str) else ""
    terms: list[str] = []
    for found in _TERM.findall(unicodedata.normalize("NFC", text).lower()):
        term = found.replace("-", "")
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def fts5_query(terms: list[str], *, any_word: bool, fields: tuple[str, ...] = ()) -> str:
    """An FTS5 MATCH expression: every term a quoted string, the last one a prefix; only in `fields` if given."""
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    expression = (" OR " if any_word else " AND ").join(quoted)
    return f"{{{' '.join(fields)}}} : ({expression})" if fields else expression


def tsquery(terms: list[str], *, any_word: bool, fields: tuple[str, ...] = ()) -> str:
    """A PostgreSQL tsquery: every term a quoted lexeme, the last one a prefix; only in `fields` if given
    (by their weights: title A, tags B)."""
    weights = "".join(_PG_WEIGHTS[name] for name in fields)
    quoted = [f"'{term}'" + (f":{weights}" if weights else "") for term in terms]
    quoted[-1] = f"'{terms[-1]}':*{weights}"
    return (" | " if any_word else " & ").join(quoted)


def matching_articles(
    db: Session,
    organisation: Organisation,
    query: object,
    *,
    any_word: bool = False,
    fields: tuple[str, ...] = (),
    where: Iterable[ColumnElement[bool]] = (),
    limit: int = MAX_RESULTS,
) -> list[Article]:
    """The organisation's articles matching every word of the query (or any word), best first: title matches,
    then title-and-tags matches, then text matches; each by relevance, then the latest updated.

    `fields` ("title", "tags") limits where the words must be; `where` narrows the articles further in the same
    SQL (visibility, status, tag).
    """
    terms = search_terms(query)
    if not terms or limit < 1:
        return []
    conditions = [col(Article.organisation_id) == organisation.id, *where]
    if db.get_bind().dialect.name == "postgresql":
        stmt = _postgres(terms, any_word, fields)
    else:
        stmt = _sqlite(terms, any_word, fields)
    ordered = stmt.where(*conditions).order_by(col(Article.updated_at).desc(), col(Article.id))
    return list(db.exec(ordered.limit(min(limit, MAX_RESULTS))).all())


def _sqlite(terms: list[str], any_word: bool, fields: tuple[str, ...]) -> Any:
    hidden = _fts.c[SEARCH_TABLE]

    def matched_in(within: tuple[str, ...]) -> ColumnElement[bool]:
        within_query = fts5_query(terms, any_word=any_word, fields=within)
        return col(Article.id).in_(select(_fts.c.rowid).where(hidden.op("MATCH")(within_query)))

    rank = func.bm25(hidden, literal(TITLE_WEIGHT), literal(TAGS_WEIGHT), literal(BODY_WEIGHT))
    group = case((matched_in(TITLE), 0), (matched_in(TITLE_AND_TAGS), 1), else_=2)
    return (
        select(Article)
        .join_from(Article, _fts, _fts.c.rowid == col(Article.id))
        .where(hidden.op("MATCH")(fts5_query(terms, any_word=any_word, fields=fields)))
        .order_by(group, rank)
    )


def _postgres(terms: list[str], any_word: bool, fields: tuple[str, ...]) -> Any:
    def matches(within: tuple[str, ...]) -> ColumnElement[bool]:
        wanted = func.to_tsquery(literal_column("'english'"), tsquery(terms, any_word=any_word, fields=within))
        return PG_DOCUMENT.op("@@")(wanted)

    wanted = func.to_tsquery(literal_column("'english'"), tsquery(terms, any_word=any_word, fields=fields))
    group = case((matches(TITLE), 0), (matches(TITLE_AND_TAGS), 1), else_=2)
    return select(Article).where(PG_DOCUMENT.op("@@")(wanted)).order_by(group, func.ts_rank(PG_DOCUMENT, wanted).desc())


def include_schema_object(_object: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    """Alembic's include_object: leave the search index (made by raw SQL in migrations 0008 and 0015) out of
    autogenerate."""
    if type_ == "table" and name and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")):
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)
