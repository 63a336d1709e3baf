"""Staff help-article management: the organisation's article list and the Markdown editor with live preview."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.services.common.inputs import parse_id
from portal_app.services.common.pagination import parse_page
from portal_app.services.help import admin as help_admin
from portal_app.services.help.admin import ArticleFields, ArticleInputError, StaffArticle, StaffArticleRow
from portal_app.services.help.markdown import render_markdown
from portal_app.state.forms import form_field
from portal_app.state.pager import Pager, pager_for
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

ARTICLES_ROUTE = help_admin.ARTICLES_ROUTE
NEW = "new"
INTENTS = ("save", "publish", "unpublish")
DONE = {
    "save": "Your changes are saved.",
    "publish": "Published: customers can now find it in the help center.",
    "unpublish": "Unpublished: customers no longer see this article.",
}
PUBLISHED_INTERNAL = "Published for your team only: customers do not see Internal articles."


def route_article_id(state: rx.State) -> int | None:
    """The article id in the editor's URL: 0 for 'new', None when it is neither 'new' nor an id
    (ASCII digits, 1 to SQLite's largest integer)."""
    raw = str(state.router.page.params.get("article_id", "") or "")
    if raw == NEW:
        return 0
    return parse_id(raw)


def _articles_href(page: int, size: int) -> str:
    return f"{ARTICLES_ROUTE}?{urlencode({'page': page, 'size': size})}"


class StaffArticlesState(StaffSession):
    """One page of the organisation's articles, any status or visibility, latest change first, with how many
    readers found each helpful."""

    rows: list[StaffArticleRow] = []
    article_pager: Pager = Pager()
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_articles(self):
        """Read the page of articles named by the URL (redirects when signed out; nothing for non-staff)."""
        params = self.router.url.query_parameters
        self.rows = []
        try:
            page = await self._as_staff(help_admin.list_articles, parse_page(params.get("page"), params.get("size")))
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.rows, info = page
            self.article_pager = pager_for(info, _articles_href)
        self.loaded = True
        return None


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
    helpful: str = ""  # "12 of 15 found it helpful"
    preview_html: str = ""
    form_key: int = 0
    notice: str = ""
    error: str = ""
    problems: dict[str, str] = {}

    _article_id: int = 0
    _intent: str = "save"
    _next_notice: str = ""

    @rx.event
    async def load_article_editor(self):
        """Open the article named in the URL, within the staff member's organisation ('new' for a blank one)."""
        self.loaded = False
        self.notice, self._next_notice = self._next_notice, ""
        self.error = ""
        self.problems = {}
        self._intent = "save"
        route_id = route_article_id(self)
        self._article_id = route_id or 0
        try:
            article = await self._as_staff(help_admin.get_article, self._article_id)
        except SignedOut:
            return self._login_redirect()
        if article is None:
            self._show_blank(found=route_id == 0)  # a new article; else an unknown address or someone else's
        else:
            self._show(article)
        self.loaded = True
        return None

    def _show_blank(self, *, found: bool) -> None:
        if not found:
            self._article_id = 0
        self.found = found
        self.is_new = True
        self.title = self.slug = self.tags = self.body = self.updated = self.public_href = self.preview_html = ""
        self.helpful = ""
        self.visibility = "Public"
        self.status = "Draft"
        self.form_key += 1

    def _show(self, article: StaffArticle) -> None:
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
        self.helpful = article.helpful
        self.preview_html = render_markdown(article.body_markdown)
        self.form_key += 1

    @rx.event
    def choose_action(self, intent: str):
        """Remember which button submits the form: save, publish or unpublish (only those three)."""
        self._intent = intent if intent in INTENTS else "save"

    @rx.event
    async def preview(self, body: str):
        """Render the Markdown being typed as the help center will show it (sanitised)."""
        try:
            html = await self._as_staff(help_admin.preview, body)
        except SignedOut:
            return self._login_redirect()
        if html is None:  # no longer staff
            self._show_blank(found=False)
        else:
            self.preview_html = html
        return None

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
            saved = await self._as_staff(help_admin.save_article, self._article_id, fields, intent)
        except SignedOut:
            return self._login_redirect()
        except ArticleInputError as refused:
            self.problems = refused.problems
            self.error = "The article was not saved: " + refused.message
            body = fields.body_markdown if isinstance(fields.body_markdown, str) else ""
            self.preview_html = render_markdown(body[: help_admin.BODY_MAX])
            return None
        if saved is None:  # no longer staff, or someone else's article
            self._show_blank(found=False)
            return None
        done = PUBLISHED_INTERNAL if intent == "publish" and saved.visibility == "Internal" else DONE[intent]
        if was_new:
            self._next_notice = "The draft is saved." if intent == "save" else done
            return rx.redirect(help_admin.editor_href(saved.id), replace=True)
        self._show(saved)
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
