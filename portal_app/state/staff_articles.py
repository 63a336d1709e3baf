"""Staff help-article management: the organisation's article list and the Markdown editor with live preview."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from portal_app.db import session_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.errors import NotFound
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.pagination import PAGE_SIZES, PageInfo, parse_page
from portal_app.services.help import admin as help_admin
from portal_app.services.help.admin import ArticleFields, ArticleInputError
from portal_app.services.help.markdown import render_markdown
from portal_app.services.support.inbox import NotStaff, staff_organisation_id
from portal_app.state.forms import form_field
from portal_app.state.staff import StaffSession

ARTICLES_ROUTE = "/staff/articles"
NEW = "new"
INTENTS = ("save", "publish", "unpublish")
DONE = {
    "save": "Your changes are saved.",
    "publish": "Published: customers can now find it in the help center.",
    "unpublish": "Unpublished: customers no longer see this article.",
}
PUBLISHED_INTERNAL = "Published for your team only: customers do not see Internal articles."


def editor_href(article_id: int | str) -> str:
    """The staff editor of an article ('new' for a new one)."""
    return f"{ARTICLES_ROUTE}/{article_id}"


def route_article_id(state: rx.State) -> int | None:
    """The article id in the editor's URL: 0 for 'new', None when it is neither 'new' nor an id
    (ASCII digits, 1 to SQLite's largest integer)."""
    raw = str(state.router.page.params.get("article_id", "") or "")
    if raw == NEW:
        return 0
    return parse_id(raw)


def _staff_preview(principal: Principal, body: str) -> str:
    """The body as sanitised HTML, for staff only (NotStaff otherwise)."""
    with session_scope() as db:
        staff_organisation_id(db, principal)
    return render_markdown(body)


def _save(principal: Principal, article_id: int, fields: ArticleFields, intent: str) -> help_admin.StaffArticle:
    """Create (article_id 0) or update the article, then publish or unpublish it as asked; one transaction."""
    with session_scope() as db:
        if not article_id:
            status = "Published" if intent == "publish" else "Draft"
            return help_admin.create_article(db, principal, fields, status)
        help_admin.update_article(db, principal, article_id, fields)
        if intent == "publish":
            return help_admin.publish_article(db, principal, article_id)
        if intent == "unpublish":
            return help_admin.unpublish_article(db, principal, article_id)
        return help_admin.get_article(db, principal, article_id)


class StaffArticlesState(StaffSession):
    """One page of the organisation's articles, any status or visibility, latest change first."""

    rows: list[dict[str, str]] = []
    article_page: int = 1
    article_pages: int = 1
    article_total: int = 0
    article_size: int = 10

    @rx.event
    def load_articles(self):
        """Read the page of articles named by the URL (redirects when signed out; nothing for non-staff)."""
        self.rows = []
        return self._load_staff(self._show_articles)

    def _show_articles(self, db: Session, principal: Principal) -> None:
        params = self.router.url.query_parameters
        rows, info = help_admin.list_articles(db, principal, parse_page(params.get("page"), params.get("size")))
        self.rows = [
            {
                "title": row.title,
                "href": editor_href(row.id),
                "status": row.status,
                "visibility": row.visibility,
                "updated": row.updated,
            }
            for row in rows
        ]
        self._set_position(info)

    def _set_position(self, info: PageInfo) -> None:
        self.article_page = info.number
        self.article_pages = info.total_pages
        self.article_total = info.total_rows
        self.article_size = info.size

    def _href(self, page: int, size: int | None = None) -> str:
        return f"{ARTICLES_ROUTE}?{urlencode({'page': page, 'size': size or self.article_size})}"

    @rx.var
    def article_prev_href(self) -> str:
        return self._href(max(1, self.article_page - 1))

    @rx.var
    def article_next_href(self) -> str:
        return self._href(min(self.article_pages, self.article_page + 1))

    @rx.var
    def article_size_links(self) -> list[dict[str, str]]:
        return [{"size": str(s), "href": self._href(1, s)} for s in PAGE_SIZES]


class StaffArticleEditorState(StaffSession):
    """One article in the editor (or a new one): the form's saved values, the live preview and the outcome."""

    loaded: bool = False
    found: bool = True
    is_new: bool = True
    title: str = ""
    slug: str = ""
    tags: str = ""
    body: str = ""
    visibility: str = "Public"
    status: str = "Draft"
    updated: str = ""
    public_href: str = ""
    preview_html: str = ""
    form_key: int = 0
    notice: str = ""
    error: str = ""
    problems: dict[str, str] = {}

    _article_id: int = 0
    _intent: str = "save"
    _next_notice: str = ""

    @rx.event
    def load_article_editor(self):
        """Open the article named in the URL, within the staff member's organisation ('new' for a blank one)."""
        self.loaded = False
        self.notice, self._next_notice = self._next_notice, ""
        self.error = ""
        self.problems = {}
        self._intent = "save"
        route_id = route_article_id(self)
        self._article_id = route_id or 0
        self._show_blank(found=route_id is not None)
        result = self._load_staff(self._show_editor)
        self.loaded = True
        return result

    def _show_editor(self, db: Session, principal: Principal) -> None:
        if not self._article_id:
            return
        try:
            self._show(help_admin.get_article(db, principal, self._article_id))
        except NotFound:
            self._show_blank(found=False)

    def _show_blank(self, *, found: bool) -> None:
        if not found:
            self._article_id = 0
        self.found = found
        self.is_new = True
        self.title = self.slug = self.tags = self.body = self.updated = self.public_href = self.preview_html = ""
        self.visibility = "Public"
        self.status = "Draft"
        self.form_key += 1

    def _show(self, article: help_admin.StaffArticle) -> None:
        self._article_id = article.id
        self.found = True
        self.is_new = False
        self.title = article.title
        self.slug = article.slug
        self.tags = article.tags
        self.body = article.body_markdown
        self.visibility = article.visibility
        self.status = article.status
        self.updated = article.updated
        self.public_href = article.public_href
        self.preview_html = render_markdown(article.body_markdown)
        self.form_key += 1

    def _not_staff(self) -> None:
        self.is_staff = False
        self._show_blank(found=False)

    async def _staff_call(self, work: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """Run a staff-only service call off the event loop: (True, result), or (False, None) when refused."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return False, self._login_redirect()
        try:
            return True, await asyncio.to_thread(work, principal, *args)
        except NotStaff:
            self._not_staff()
        except NotFound:
            self._show_blank(found=False)
        return False, None

    @rx.event
    def choose_action(self, intent: str):
        """Remember which button submits the form: save, publish or unpublish (only those three)."""
        self._intent = intent if intent in INTENTS else "save"

    @rx.event
    async def preview(self, body: str):
        """Render the Markdown being typed as the help center will show it (sanitised)."""
        ok, result = await self._staff_call(_staff_preview, str(body or "")[: help_admin.BODY_MAX])
        if ok:
            self.preview_html = result
            return None
        return result

    @rx.event
    async def save_article(self, form: dict):
        """Save the form (creating the article when new), then publish or unpublish it if that button was used."""
        intent, self._intent = self._intent, "save"
        fields = ArticleFields(
            title=form_field(form, "title"),
            body_markdown=form_field(form, "body"),
            tags=form_field(form, "tags"),
            visibility=form_field(form, "visibility"),
            slug=form_field(form, "slug"),
        )
        self.notice = ""
        self.error = ""
        self.problems = {}
        was_new = not self._article_id
        try:
            ok, result = await self._staff_call(_save, self._article_id, fields, intent)
        except ArticleInputError as refused:
            self.problems = refused.problems
            self.error = "The article was not saved: " + refused.message
            body = fields.body_markdown if isinstance(fields.body_markdown, str) else ""
            self.preview_html = render_markdown(body[: help_admin.BODY_MAX])
            return None
        if not ok:
            return result
        done = PUBLISHED_INTERNAL if intent == "publish" and result.visibility == "Internal" else DONE[intent]
        if was_new:
            self._next_notice = "The draft is saved." if intent == "save" else done
            return rx.redirect(editor_href(result.id), replace=True)
        self._show(result)
        self.notice = done
        return None

    @rx.var
    def title_problem(self) -> str:
        return self.problems.get("title", "")

    @rx.var
    def slug_problem(self) -> str:
        return self.problems.get("slug", "")

    @rx.var
    def tags_problem(self) -> str:
        return self.problems.get("tags", "")

    @rx.var
    def body_problem(self) -> str:
        return self.problems.get("body", "")

    @rx.var
    def published(self) -> bool:
        return self.status == "Published"
