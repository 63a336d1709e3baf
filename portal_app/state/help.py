"""The help center: article list with search and tag filter (kept in the URL), and the article page."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import unquote, urlencode

import reflex as rx
from sqlmodel import Session

from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.errors import NotFound
from portal_app.services.help import articles as help_center
from portal_app.state.forms import form_field
from portal_app.state.session import SessionState

HELP_ROUTE = help_center.HELP_ROUTE


def help_href(query: str = "", tag: str = "") -> str:
    """The help center URL for a search and tag (empty ones left out)."""
    params = {k: v for k, v in (("q", query), ("tag", tag)) if v}
    return f"{HELP_ROUTE}?{urlencode(params)}" if params else HELP_ROUTE


def slug_from_path(path: str) -> str:
    """The article slug of a /portal/help/<slug> path (empty for anything else)."""
    prefix = HELP_ROUTE + "/"
    path = (path or "").split("?", 1)[0].rstrip("/")
    return unquote(path[len(prefix) :]) if path.startswith(prefix) else ""


@dataclasses.dataclass
class CardView:
    """An article card as the page renders it."""

    title: str = ""
    href: str = ""
    excerpt: str = ""
    tags: list[str] = dataclasses.field(default_factory=list)
    updated: str = ""


@dataclasses.dataclass
class TagLink:
    """A tag filter chip: a link to the list filtered by it (or back to all when current)."""

    label: str = ""
    href: str = ""
    current: bool = False


class HelpState(SessionState):
    """Articles matching the search and tag in the URL."""

    query: str = ""
    tag: str = ""
    articles: list[CardView] = []
    tag_links: list[TagLink] = []

    @rx.event
    async def load_help(self):
        """Read the search (`q`) and tag (`tag`) from the URL and list the matching articles."""
        return await self._load_page(self._show_help)

    def _show_help(self, db: Session, principal: Principal) -> None:
        params = self.router.url.query_parameters
        self.query = help_center.clean_query(params.get("q", ""))
        self.tag = help_center.clean_tag(params.get("tag", ""))
        cards = help_center.list_articles(db, principal, query=self.query, tag=self.tag)
        self.articles = [CardView(c.title, c.href, c.excerpt, c.tags, c.updated) for c in cards]
        current = self.tag.casefold()
        self.tag_links = [
            TagLink(t, help_href(self.query, "" if t.casefold() == current else t), t.casefold() == current)
            for t in help_center.all_tags(db, principal)
        ]

    @rx.event
    def search(self, form_data: dict[str, Any]):
        """Go to the list for the submitted words, keeping the tag filter (the URL can be shared)."""
        if self._principal() is None:
            return self._login_redirect()
        return rx.redirect(help_href(help_center.clean_query(form_field(form_data, "q")), self.tag))

    @rx.var
    def all_href(self) -> str:
        """The list without a tag filter, keeping the search."""
        return help_href(self.query)

    @rx.var
    def filtered(self) -> bool:
        """Whether a search or tag narrows the list."""
        return bool(self.query or self.tag)


class ArticleState(SessionState):
    """One article page; an unknown, draft or internal slug shows 'Article not found'."""

    found: bool = True
    title: str = ""
    html: str = ""
    tags: list[str] = []
    updated: str = ""

    @rx.event
    async def load_article(self):
        """Read the article named by the URL path."""
        return await self._load_page(self._show_article)

    def _show_article(self, db: Session, principal: Principal) -> None:
        try:
            page = help_center.article(db, principal, slug_from_path(self.router.url.path))
        except NotFound:
            self.found, self.title, self.html, self.tags, self.updated = False, "", "", [], ""
            return
        self.found, self.title, self.html, self.tags, self.updated = (
            True,
            page.title,
            page.html,
            page.tags,
            page.updated,
        )
