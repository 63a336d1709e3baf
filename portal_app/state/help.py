"""The help center: article list with search and tag filter (kept in the URL), and the article page with
related articles and "Was this helpful?"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.help import articles as help_center
from portal_app.services.help.articles import ArticleCard
from portal_app.state.forms import form_field
from portal_app.state.session import SessionState, SignedOut

HELP_ROUTE = help_center.HELP_ROUTE
NEW_TICKET_ROUTE = "/portal/support"


def help_href(query: str = "", tag: str = "") -> str:
    """The help center URL for a search and tag (empty ones left out)."""
    params = {k: v for k, v in (("q", query), ("tag", tag)) if v}
    return f"{HELP_ROUTE}?{urlencode(params)}" if params else HELP_ROUTE


def slug_from_path(path: str) -> str:
    """The article slug of a /portal/help/<slug> path (empty for anything else)."""
    prefix = HELP_ROUTE + "/"
    path = (path or "").split("?", 1)[0].rstrip("/")
    return unquote(path[len(prefix) :]) if path.startswith(prefix) else ""


def new_ticket_href(subject: str = "") -> str:
    """The new-ticket form, its subject filled with the words searched for (when there are any)."""
    return f"{NEW_TICKET_ROUTE}?{urlencode({'subject': subject})}" if subject else NEW_TICKET_ROUTE


@dataclass(frozen=True)
class FilterLink:
    """A filter chip: a link to the list filtered by it (or back to all when it is the current one)."""

    label: str
    href: str
    current: bool


class HelpState(SessionState):
    """Articles matching the search and tag in the URL."""

    query: str = ""
    tag: str = ""
    articles: list[ArticleCard] = []
    tag_links: list[FilterLink] = []
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_help(self):
        """Read the search (`q`) and tag (`tag`) from the URL and list the matching articles."""
        params = self.router.url.query_parameters
        self.query = help_center.clean_query(params.get("q", ""))
        self.tag = help_center.clean_tag(params.get("tag", ""))
        try:
            page = await self._open_page(help_center.help_page, self.query, self.tag)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.articles = page.articles
            current = self.tag.casefold()
            self.tag_links = [
                FilterLink(t, help_href(self.query, "" if t.casefold() == current else t), t.casefold() == current)
                for t in page.tags
            ]
        self.loaded = True
        return None

    @rx.event
    async def search(self, form_data: dict[str, Any]):
        """Go to the list for the submitted words, keeping the tag filter (the URL can be shared)."""
        if await self._principal() is None:
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

    @rx.var
    def ticket_href(self) -> str:
        """A new ticket about what was searched for (from the no-results message)."""
        return new_ticket_href(self.query)


class ArticleState(SessionState):
    """One article page with its related articles and the reader's answer to "Was this helpful?"; an unknown,
    draft or internal slug shows 'Article not found'."""

    found: bool = True
    slug: str = ""
    title: str = ""
    html: str = ""
    tags: list[str] = []
    updated: str = ""
    related: list[ArticleCard] = []
    answer: str = ""  # "yes", "no" or "" (not answered)
    vote_notice: str = ""
    vote_error: str = ""
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_article(self):
        """Read the article named by the URL path, its related articles and the reader's answer: one call."""
        self.vote_notice = self.vote_error = ""
        try:
            page = await self._open_page(help_center.article_page, slug_from_path(self.router.url.path))
        except SignedOut:
            return self._login_redirect()
        self.found = page is not None
        self.slug = page.slug if page else ""
        self.title = page.title if page else ""
        self.html = page.html if page else ""
        self.tags = page.tags if page else []
        self.updated = page.updated if page else ""
        self.related = page.related if page else []
        self.answer = page.answer if page else ""
        self.loaded = True
        return None

    @rx.event
    async def rate(self, answer: str):
        """Answer "Was this helpful?" for the article on the page ("yes" or "no"; a new answer replaces the last)."""
        self.vote_notice = self.vote_error = ""
        try:
            self.vote_notice = await self._call(help_center.rate_article, self.slug, answer)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.vote_error = refused.message
            return None
        self.answer = answer
        return None
