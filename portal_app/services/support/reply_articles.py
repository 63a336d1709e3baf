"""Help-article links for a staff reply: a search over the organisation's public, published articles (read only),
each as the line the reply gets, "Title: <the article's portal address>"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col

from portal_app.config import settings
from portal_app.models import Article, ArticleStatus, ArticleVisibility
from portal_app.services.access import staff_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.help.articles import article_href, clean_query
from portal_app.services.help.search import matching_articles

RESULTS = 5


@dataclass(frozen=True)
class ArticleLink:
    """An article found for a reply, and the text inserting it adds."""

    slug: str
    title: str
    text: str


def reply_articles(db: Session, principal: Principal, query: object) -> list[ArticleLink]:
    """The organisation's public, published articles matching every word, best first (at most RESULTS)."""
    organisation = staff_scope(db, principal).organisation
    found = matching_articles(
        db,
        organisation,
        clean_query(query),
        where=[
            col(Article.visibility) == ArticleVisibility.PUBLIC.value,
            col(Article.status) == ArticleStatus.PUBLISHED.value,
        ],
        limit=RESULTS,
    )
    base = settings().public_url
    return [ArticleLink(a.slug, a.title, f"{a.title}: {base}{article_href(a.slug)}") for a in found]
