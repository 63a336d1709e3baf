"""The help center: the organisation's public, published articles; search, tags, related articles,
"Was this helpful?" and ticket deflection.

Only articles that are both Public and Published ever leave this module (or are rated). Matching and ranking
run in the database's text index (services/help/search.py), never a Python loop over articles.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, literal, or_
from sqlmodel import Session, col, select

from portal_app.errors import NotFound
from portal_app.models import Article, ArticleStatus, ArticleVisibility, Organisation
from portal_app.services.access import customer_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_date
from portal_app.services.common.reads import database_only
from portal_app.services.help import votes
from portal_app.services.help.markdown import excerpt, render_markdown
from portal_app.services.help.search import TITLE, matching_articles, search_terms

HELP_ROUTE = "/portal/help"
NOT_FOUND = "Article not found."
NOT_RATEABLE = "This article is not in your help center, so it cannot be rated."
MAX_QUERY = 100
MAX_TAG = 60
MAX_SLUG = 120
MAX_RESULTS = 50
MIN_SUGGEST = 3
RELATED = 3
MAX_RELATED_TAGS = 10
STOP_WORDS = frozenset(
    """about after again also and any are but can cannot could did does doing don for from had has have having
    her here hers him his how into its just more most not now off once only other our out over own same she should
    some such than that the their them then there these they this those too under until very was were what when
    where which while who whom why will with would you your yours help please issue problem""".split()  # noqa: SIM905
)
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class ArticleCard:
    """An article as a list or a suggestion shows it."""

    title: str
    slug: str
    href: str
    excerpt: str
    tags: list[str]
    updated: str


@dataclass(frozen=True)
class HelpPage:
    """The help center's list: the matching articles, and every topic to filter by."""

    articles: list[ArticleCard]
    tags: list[str]


@dataclass(frozen=True)
class ArticlePage:
    """An article's page: sanitised HTML of its Markdown body, related articles and the reader's answer to
    "Was this helpful?" ("yes", "no" or "")."""

    title: str
    slug: str
    html: str
    tags: list[str]
    updated: str
    related: list[ArticleCard]
    answer: str


def article_href(slug: str) -> str:
    """The portal path of an article."""
    return f"{HELP_ROUTE}/{slug}"


def parse_tags(raw: str) -> list[str]:
    """Comma-separated tags as a list: trimmed, empty ones dropped, duplicates (any case) dropped."""
    seen: set[str] = set()
    tags = []
    for tag in (part.strip() for part in (raw or "").split(",")):
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def clean_query(raw: object) -> str:
    """Search input as the page keeps it (in the box and the URL): text only, at most MAX_QUERY characters
    on one line, without control characters or lone surrogates. Anything but text is an empty search."""
    if not isinstance(raw, str):
        return ""
    kept = "".join(ch for ch in raw[: MAX_QUERY * 4] if unicodedata.category(ch) not in {"Cc", "Cs"} or ch.isspace())
    return " ".join(unicodedata.normalize("NFC", kept).split())[:MAX_QUERY].strip()


def search_words(text: object, *, for_suggestions: bool = False) -> list[str]:
    """The words of user input as the index sees them (search.search_terms: lower case, hyphenated words joined;
    the index stems word forms). For suggestions, stop-words and words under three letters are left out."""
    words = search_terms(clean_query(text))
    if for_suggestions:
        return [word for word in words if len(word) >= MIN_SUGGEST and word not in STOP_WORDS]
    return words


def clean_tag(tag: object) -> str:
    """A tag from the URL, trimmed and capped; unprintable characters dropped (anything but text: no tag)."""
    if not isinstance(tag, str):
        return ""
    return "".join(ch for ch in tag[:MAX_TAG] if ch.isprintable()).strip()


def _visible(organisation: Organisation) -> list[ColumnElement[bool]]:
    """The only articles a customer may see: their organisation's public published ones."""
    return [
        col(Article.organisation_id) == organisation.id,
        col(Article.visibility) == ArticleVisibility.PUBLIC.value,
        col(Article.status) == ArticleStatus.PUBLISHED.value,
    ]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _normalised_tags():
    """',tag one,tag two,' in lower case, so a whole tag can be matched with LIKE."""
    spaced = func.replace(func.replace(func.lower(col(Article.tags)), ", ", ","), " ,", ",")
    return literal(",") + spaced + literal(",")


def _ranked(
    db: Session,
    organisation: Organisation,
    words: list[str],
    where: list[ColumnElement[bool]],
    *,
    any_word: bool,
    limit: int,
) -> list[Article]:
    """Visible articles matching the words (every word, or any word) through the text index, best first."""
    visible = [*_visible(organisation), *where]
    return matching_articles(db, organisation, " ".join(words), any_word=any_word, where=visible, limit=limit)


def _card(article: Article, locale: str) -> ArticleCard:
    return ArticleCard(
        title=article.title,
        slug=article.slug,
        href=article_href(article.slug),
        excerpt=excerpt(article.body_markdown),
        tags=parse_tags(article.tags),
        updated=show_date(article.updated_at.date(), locale),
    )


def list_articles(db: Session, principal: Principal, *, query: object = "", tag: object = "") -> list[ArticleCard]:
    """Articles containing every word of the query (title, tags or text) and carrying the tag, best first.

    Any input is safe: it reaches the index only as words of letters and digits, and never raises."""
    scope = customer_scope(db, principal)
    if not isinstance(query, str):
        return []
    words = search_words(query)
    if query.strip() and not words:  # only punctuation or symbols: nothing can match
        return []
    wanted = clean_tag(tag).casefold()
    tagged = [_normalised_tags().like(_like(f",{wanted},"), escape="\\")] if wanted else []
    if words:
        rows = _ranked(db, scope.organisation, words, tagged, any_word=False, limit=MAX_RESULTS)
    else:
        alphabetical = select(Article).where(*_visible(scope.organisation), *tagged)
        rows = db.exec(alphabetical.order_by(func.lower(col(Article.title)), col(Article.id)).limit(MAX_RESULTS)).all()
    if wanted:  # the SQL test is a prefilter for odd spacing; confirm the whole tag
        rows = [a for a in rows if wanted in {t.casefold() for t in parse_tags(a.tags)}]
    return [_card(a, scope.customer.locale) for a in rows]


def all_tags(db: Session, principal: Principal) -> list[str]:
    """Every tag of the organisation's public published articles, alphabetically."""
    scope = customer_scope(db, principal)
    raw = db.exec(select(Article.tags).where(*_visible(scope.organisation))).all()
    tags: dict[str, str] = {}
    for value in raw:
        for tag in parse_tags(value):
            tags.setdefault(tag.casefold(), tag)
    return sorted(tags.values(), key=str.casefold)


@database_only
def help_page(db: Session, principal: Principal, query: object, tag: object) -> HelpPage:
    """The articles matching the search and tag (see list_articles), with every topic."""
    return HelpPage(articles=list_articles(db, principal, query=query, tag=tag), tags=all_tags(db, principal))


def _visible_article(db: Session, organisation: Organisation, slug: object, refusal: str) -> Article:
    """The organisation's public published article with this slug, or NotFound(refusal)."""
    if not isinstance(slug, str) or not slug or len(slug) > MAX_SLUG or not _SLUG.fullmatch(slug):
        raise NotFound(refusal)
    found = db.exec(select(Article).where(*_visible(organisation), col(Article.slug) == slug).limit(1)).first()
    if found is None:
        raise NotFound(refusal)
    return found


def related_articles(db: Session, organisation: Organisation, found: Article) -> list[Article]:
    """Up to RELATED other visible articles: those sharing the most tags (latest first), then those sharing
    words of the title (search.matching_articles on the title only)."""
    others = [*_visible(organisation), col(Article.id) != found.id]
    shared = [
        _normalised_tags().like(_like(f",{tag.lower()},"), escape="\\")
        for tag in parse_tags(found.tags)[:MAX_RELATED_TAGS]
    ]
    chosen: list[Article] = []
    if shared:
        in_common = [case((tag, 1), else_=0) for tag in shared]
        most_first = sum(in_common[1:], in_common[0]).desc()
        stmt = select(Article).where(*others, or_(*shared))
        stmt = stmt.order_by(most_first, col(Article.updated_at).desc(), col(Article.id)).limit(RELATED)
        chosen = list(db.exec(stmt).all())
    if len(chosen) < RELATED:
        words = " ".join(search_words(found.title, for_suggestions=True))
        not_chosen = [col(Article.id).not_in([a.id for a in chosen])] if chosen else []
        chosen += matching_articles(
            db,
            organisation,
            words,
            any_word=True,
            fields=TITLE,
            where=[*others, *not_chosen],
            limit=RELATED - len(chosen),
        )
    return chosen


def article(db: Session, principal: Principal, slug: object) -> ArticlePage:
    """One public published article by slug with its related articles and the reader's answer under it, or
    NotFound (drafts and internal articles included)."""
    scope = customer_scope(db, principal)
    found = _visible_article(db, scope.organisation, slug, NOT_FOUND)
    locale = scope.customer.locale
    return ArticlePage(
        title=found.title,
        slug=found.slug,
        html=render_markdown(found.body_markdown),
        tags=parse_tags(found.tags),
        updated=show_date(found.updated_at.date(), locale),
        related=[_card(a, locale) for a in related_articles(db, scope.organisation, found)],
        answer=votes.answer_of(db, found, principal.user_id),
    )


@database_only
def article_page(db: Session, principal: Principal, slug: object) -> ArticlePage | None:
    """The article's page, or None when there is no public published article by that slug (the page says so)."""
    with suppress(NotFound):
        return article(db, principal, slug)
    return None


def rate_article(db: Session, principal: Principal, slug: object, answer: object) -> str:
    """“Was this helpful?”: keep the person's "yes" or "no" under a public published article of their provider
    (replacing an earlier answer); the thank-you. Any other article or answer is refused and changes nothing."""
    found = _visible_article(db, customer_scope(db, principal).organisation, slug, NOT_RATEABLE)
    return votes.record_answer(db, found, principal.user_id, answer)


def suggest_articles(db: Session, principal: Principal, text: object, limit: int = 3) -> list[ArticleCard]:
    """Ticket deflection: up to `limit` articles matching words of a subject being typed, best first."""
    if len(clean_query(text)) < MIN_SUGGEST or limit < 1:
        return []
    words = search_words(text, for_suggestions=True)
    if not words:
        return []
    scope = customer_scope(db, principal)
    rows = _ranked(db, scope.organisation, words, [], any_word=True, limit=min(limit, MAX_RESULTS))
    return [_card(a, scope.customer.locale) for a in rows]
