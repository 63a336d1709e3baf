"""The staff area: the organisation's ticket inbox with CSAT, and a ticket thread to answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlencode

import reflex as rx

from portal_app.services.common.pagination import parse_page
from portal_app.services.console.header import ConsoleHeader, admin_call, staff_call
from portal_app.services.support import inbox as staff
from portal_app.services.support.assignment import assign_ticket
from portal_app.services.support.attachments import StagingForm
from portal_app.services.support.customer_panel import NO_ASSIGNEE, CustomerPanel, StaffOption, StaffTicketThread
from portal_app.services.support.inbox import CsatBar, StaffTicketRow, staff_label
from portal_app.services.support.internal_notes import add_internal_note
from portal_app.services.support.reply_articles import ArticleLink, reply_articles
from portal_app.services.support.staff_attachments import staff_reply_with_files
from portal_app.services.support.tickets import TicketThread
from portal_app.state.forms import form_field
from portal_app.state.help import FilterLink
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SessionState, SignedOut
from portal_app.state.support import ThreadFields, route_ticket_id

STAFF_ROUTE = staff.STAFF_ROUTE
KIND_LABELS = {"Service request": "Service requests"}
ASSIGNEE_LABELS = {staff.MINE: "Mine", staff.UNASSIGNED: "Unassigned"}
REPLY_FIELD, NOTE_FIELD, ASSIGNEE_FIELD = "staff-reply-body", "staff-note-body", "ticket-assignee"
# The reply form's hidden field the "Reply and resolve" button fills just before it submits the form.
THEN_FIELD, RESOLVE = "staff-reply-then", "resolve"
R = TypeVar("R")
# Inserts TEXT (a JSON string) into the reply box at the cursor, on a line of its own, and puts the cursor after it.
INSERT_SCRIPT = (
    "(() => {const box = document.getElementById('" + REPLY_FIELD + "'); if (!box) return;"
    " const start = box.selectionStart ?? box.value.length, end = box.selectionEnd ?? start;"
    " const before = box.value.slice(0, start);"
    " const text = (before && !before.endsWith('\\n') ? '\\n' : '') + TEXT;"
    " box.setRangeText(text, start, end, 'end'); box.focus();"
    " box.dispatchEvent(new Event('input', {bubbles: true}));})()"
)


class StaffSession(SessionState):
    """Whether the signed-in person is staff (an administrator or not), and of which organisation."""

    is_staff: bool = False
    is_admin: bool = False
    staff_checked: bool = False
    staff_org: str = ""

    async def _as_staff(self, work: Callable[..., R], *args: Any) -> R | None:
        """`work(db, principal, ...)` as staff, in one unit of work with the staff header: its result, or None
        when the person is not staff (the page says the area is for staff) or the ticket or article is not theirs.
        Raises SignedOut; a refusal (PortalError) passes through."""
        header, result = await self._call(staff_call, work, *args)
        self._show_staff(header)
        return result

    async def _as_admin(self, work: Callable[..., R], *args: Any, **kwargs: Any) -> R | None:
        """Like `_as_staff`, but the work runs only for an administrator of the organisation (None for agents: the
        page says it is for administrators). Raises SignedOut; a refusal (PortalError) passes through."""
        header, result = await self._call(admin_call, work, *args, **kwargs)
        self._show_staff(header)
        return result

    def _show_staff(self, header: ConsoleHeader) -> None:
        self.user_name = header.user_name
        self.user_email = header.user_email
        self.is_staff = header.is_staff
        self.is_admin = header.is_admin
        self.staff_org = header.organisation
        self.staff_checked = True


class StaffInboxState(StaffSession):
    """One page of the organisation's tickets, filtered by status and source (all in the URL), and CSAT."""

    rows: list[StaffTicketRow] = []
    status_filter: str = ""
    source_filter: str = ""
    kind_filter: str = ""
    query: str = ""
    assignee_filter: str = ""
    ticket_pager: Pager = Pager()
    notice: str = ""
    csat_average: str = ""
    csat_count: int = 0
    csat_bars: list[CsatBar] = []

    @rx.event
    async def load_inbox(self):
        """Read the inbox page and CSAT (redirects when signed out; nothing for non-staff)."""
        params = self.router.url.query_parameters
        status, source = params.get("status", ""), params.get("source", "")
        self.status_filter = status if status in staff.STATUSES else ""
        self.source_filter = source if source in staff.SOURCES else ""
        kind = params.get("kind", "")
        self.kind_filter = kind if kind in staff.KINDS else ""
        self.query = staff.clean_search(params.get("q", ""))
        assignee = params.get("assignee", "")
        self.assignee_filter = assignee if assignee in staff.ASSIGNEE_FILTERS else ""
        request = parse_page(params.get("page"), params.get("size"))
        self.rows = []
        self.csat_bars = []
        page_of = partial(staff.inbox_page, kind=self.kind_filter, query=self.query, assignee=self.assignee_filter)
        try:
            page = await self._as_staff(page_of, self.status_filter, self.source_filter, request)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.rows = page.rows
            self.ticket_pager = pager_for(page.info, self._href)
            self.notice = NEAREST_PAGE if page.info.number != request.number else ""
            self.csat_average = page.csat.average
            self.csat_count = page.csat.count
            self.csat_bars = page.bars
        return None

    def _href(self, page: int, size: int, **filters: str) -> str:
        """The inbox at this position, with the current filters unless `filters` change them."""
        current = {
            "q": self.query,
            "assignee": self.assignee_filter,
            "status": self.status_filter,
            "source": self.source_filter,
            "kind": self.kind_filter,
        }
        position = current | filters | {"page": page, "size": size}
        return f"{STAFF_ROUTE}?{urlencode({k: v for k, v in position.items() if v != ''})}"

    def _filter(self, label: str, current: bool, **change: str) -> FilterLink:
        return FilterLink(label, self._href(1, self.ticket_pager.size, **change), current)

    @rx.event
    async def search_inbox(self, form: dict):
        """Go to the first page of the tickets matching the search, keeping the filters (the URL can be shared)."""
        if await self._principal() is None:
            return self._login_redirect()
        query = staff.clean_search(form_field(form, "q"))
        return rx.redirect(self._href(1, self.ticket_pager.size, q=query))

    @rx.var
    def assignee_links(self) -> list[FilterLink]:
        return [self._filter("All", self.assignee_filter == "", assignee="")] + [
            self._filter(label, self.assignee_filter == value, assignee=value)
            for value, label in ASSIGNEE_LABELS.items()
        ]

    @rx.var
    def clear_search_href(self) -> str:
        return self._href(1, self.ticket_pager.size, q="")

    @rx.var
    def status_links(self) -> list[FilterLink]:
        return [self._filter("All", self.status_filter == "", status="")] + [
            self._filter(staff_label(s), self.status_filter == s, status=s) for s in staff.STATUSES
        ]

    @rx.var
    def kind_links(self) -> list[FilterLink]:
        return [self._filter("All", self.kind_filter == "", kind="")] + [
            self._filter(KIND_LABELS.get(k, k), self.kind_filter == k, kind=k) for k in staff.KINDS
        ]

    @rx.var
    def source_links(self) -> list[FilterLink]:
        return [self._filter("All", self.source_filter == "", source="")] + [
            self._filter(s, self.source_filter == s, source=s) for s in staff.SOURCES
        ]


class StaffThreadState(ThreadFields, StaffSession):
    """One of the organisation's tickets as staff see it: reply (and resolve), notes, assignee, help-article links,
    status, and the customer panel."""

    status_label: str = ""
    panel: CustomerPanel = CustomerPanel()
    staff_options: list[StaffOption] = []
    articles: list[ArticleLink] = []
    articles_searched: bool = False

    @rx.event
    async def load_staff_thread(self):
        """Read the ticket named in the URL, within the staff member's organisation."""
        self.notice = ""
        self.error = ""
        self.loaded = False
        self._ticket_id = route_ticket_id(self)
        self._new_staging()
        self._clear_field_errors()
        self.articles = []
        self.articles_searched = False
        try:
            page = await self._as_staff(staff.staff_thread, self._ticket_id)
        except SignedOut:
            return self._login_redirect()
        self._show_page(page)
        self.loaded = True
        return None

    def _show_page(self, page: StaffTicketThread | None) -> None:
        self._show_thread(page.thread() if page is not None else None)
        self.panel = page.panel if page is not None else CustomerPanel()
        self.staff_options = page.staff if page is not None else []

    def _show_thread(self, thread: TicketThread | None) -> None:
        super()._show_thread(thread)
        self.status_label = staff_label(self.thread.status)

    @rx.var
    def assignee_value(self) -> str:
        """The assignee select's value: the staff member's id, or NO_ASSIGNEE."""
        return str(self.thread.assignee_id) if self.thread.assignee_id else NO_ASSIGNEE

    def _staging_form(self) -> StagingForm:
        return StagingForm(self._staging_key, self._ticket_id, as_staff=True)

    async def _staging_call(self, work: Callable[..., R], *args: Any) -> R | None:
        """As staff (None when not, or not their ticket); the header is left alone: uploads run in the background."""
        _, result = await self._call(staff_call, work, *args)
        return result

    @rx.event
    async def staff_send_reply(self, form: dict):
        """Answer the customer, with the files attached for the reply; they are emailed a link to the thread. With
        the form's "then" field set to resolve ("Reply and resolve"), the ticket is resolved in the same step."""
        body = form_field(form, "body")
        resolve = form_field(form, "then") == RESOLVE
        work = partial(staff_reply_with_files, resolve=resolve)
        sent = self._as_staff(work, self._ticket_id, body, self._staging_key)
        done = "Your reply was sent and the ticket is resolved." if resolve else "Your reply was sent to the customer."
        return await self._act(sent, done, clear=REPLY_FIELD, sends_files=True)

    @rx.event
    async def add_note(self, form: dict):
        """Add an internal note: staff see it in the thread, the customer never does and is not emailed."""
        added = self._as_staff(add_internal_note, self._ticket_id, form_field(form, "note"))
        done = "Your internal note was added. The customer does not see it."
        return await self._act(added, done, clear=NOTE_FIELD, fields={"note": NOTE_FIELD})

    @rx.event
    async def assign(self, assignee: str):
        """Assign the ticket to a staff member of the organisation, or to nobody."""
        assigned = self._as_staff(assign_ticket, self._ticket_id, str(assignee)[:20])
        return await self._act(assigned, "The assignee is saved.", fields={"assignee": ASSIGNEE_FIELD})

    @rx.event
    async def find_articles(self, form: dict):
        """Search the organisation's published help articles to link in the reply."""
        try:
            found = await self._as_staff(reply_articles, form_field(form, "article_q"))
        except SignedOut:
            return self._login_redirect()
        self.articles = found or []
        self.articles_searched = found is not None
        return None

    @rx.event
    async def insert_article(self, slug: str):
        """Put "Title: <address>" of an article the search found into the reply box, at the cursor."""
        if await self._principal() is None:
            return self._login_redirect()
        text = next((a.text for a in self.articles if a.slug == slug), "")
        if not text:
            return None
        return rx.call_script(INSERT_SCRIPT.replace("TEXT", json.dumps(text)))

    @rx.event
    async def set_ticket_status(self, status: str):
        """Mark the ticket Open, Resolved or Closed; the customer is emailed."""
        status = str(status)[:24]
        changed = self._as_staff(staff.set_status, self._ticket_id, status)
        return await self._act(changed, f"The ticket is now {status}.")
