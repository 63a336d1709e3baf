"""The Support tab, the list of all tickets and a ticket thread, for the signed-in customer."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from portal_app.db import session_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_datetime
from portal_app.services.common.errors import NotFound, PortalError
from portal_app.services.common.pagination import PAGE_SIZES, PageInfo, parse_page
from portal_app.services.help import articles as help_center
from portal_app.services.support import tickets
from portal_app.state.forms import form_field
from portal_app.state.session import SessionState

SUPPORT_ROUTE = "/portal/support"
ALL_TICKETS_ROUTE = "/portal/support/all"
PRIORITIES = tickets.PRIORITIES
MIN_SUGGEST_LENGTH = 3
KEPT_FORM_KEYS = 5
RATINGS = ("1", "2", "3", "4", "5")


def shown(value: Any) -> str:
    """A value as the page shows it (timestamps formatted, None as empty)."""
    if isinstance(value, datetime):
        return show_datetime(value)
    return "" if value is None else str(value)


def ticket_rows(items: list[tickets.TicketSummary], base: str = SUPPORT_ROUTE) -> list[dict[str, str]]:
    """Ticket summaries as rows for the page, each with the link to its thread."""
    return [
        {k: shown(v) for k, v in dataclasses.asdict(item).items()} | {"href": f"{base}/{item.id}"} for item in items
    ]


def route_ticket_id(state: rx.State) -> int:
    """The ticket id in the page URL, or 0 when it is not a plain number (ASCII digits: int() refuses '²')."""
    raw = str(state.router.page.params.get("ticket_id", "") or "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


def _recent(principal: Principal) -> list[dict[str, str]]:
    with session_scope() as db:
        return ticket_rows(tickets.recent_tickets(db, principal))


def _suggest(principal: Principal, text: str) -> list[dict[str, str]]:
    with session_scope() as db:
        cards = help_center.suggest_articles(db, principal, text, limit=3)
    return [{"title": c.title, "excerpt": c.excerpt, "href": c.href} for c in cards]


def _open(principal: Principal, subject: object, description: object, priority: object, key: str) -> int:
    with session_scope() as db:
        return tickets.open_ticket(
            db, principal, subject=subject, description=description, priority=priority, submission_key=key
        )


class SupportState(SessionState):
    """Recent tickets, the new-ticket form and its article suggestions."""

    tickets: list[dict[str, str]] = []
    suggestions: list[dict[str, str]] = []
    notice: str = ""
    error: str = ""
    submitting: bool = False
    # Sent with the form so a double submit carries the same key; only keys issued here are accepted.
    form_key: str = ""
    _issued_keys: list[str] = []

    @rx.event
    async def load_support(self):
        """Read the recent tickets and start a fresh form (redirects when signed out)."""
        self.notice = ""
        self.error = ""
        self.suggestions = []
        self.submitting = False
        return await self._load_page(self._show_support)

    def _show_support(self, db: Session, principal: Principal) -> None:
        self.tickets = ticket_rows(tickets.recent_tickets(db, principal))
        self._issue_key()

    def _issue_key(self) -> None:
        self.form_key = secrets.token_urlsafe(24)
        self._issued_keys = [*self._issued_keys[-(KEPT_FORM_KEYS - 1) :], self.form_key]

    @rx.event
    async def suggest(self, subject: str):
        """Suggest up to three help articles matching the subject typed so far."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None or principal.customer_id is None:
            self.suggestions = []
            return
        text = help_center.clean_query(subject)
        if len(text) < MIN_SUGGEST_LENGTH:
            self.suggestions = []
            return
        self.suggestions = await asyncio.to_thread(_suggest, principal, text)

    @rx.event
    async def submit_ticket(self, form: dict):
        """Open a ticket from the form; a repeated submit of the same form creates nothing new."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            yield self._login_redirect()
            return
        key = form_field(form, "submission_key")
        if not isinstance(key, str) or key not in self._issued_keys:
            self._issue_key()
            self.error = "This form was open too long. Please check it and send it again."
            return
        self.notice = ""
        self.error = ""
        self.submitting = True
        yield
        try:
            ticket_id = await asyncio.to_thread(
                _open,
                principal,
                form_field(form, "subject"),
                form_field(form, "description"),
                form_field(form, "priority"),
                key,
            )
        except PortalError as refused:
            self.error = refused.message
            self.submitting = False
            return
        self.tickets = await asyncio.to_thread(_recent, principal)
        self.notice = f"Ticket #{ticket_id} was created. We will answer in its thread and let you know by email."
        self.suggestions = []
        self.submitting = False
        self._issue_key()
        yield [
            rx.set_value("ticket-subject", ""),
            rx.set_value("ticket-description", ""),
            rx.set_value("ticket-priority", "Medium"),
        ]


class AllTicketsState(SessionState):
    """One page of all the customer's tickets; the position lives in the URL."""

    tickets: list[dict[str, str]] = []
    ticket_page: int = 1
    ticket_pages: int = 1
    ticket_total: int = 0
    ticket_size: int = 10
    notice: str = ""

    @rx.event
    async def load_all_tickets(self):
        """Read the page named in the URL (out-of-range pages show the nearest one)."""
        return await self._load_page(self._show_all)

    def _show_all(self, db: Session, principal: Principal) -> None:
        params = self.router.url.query_parameters
        request = parse_page(params.get("page"), params.get("size"))
        rows, info = tickets.ticket_page(db, principal, request)
        self.tickets = ticket_rows(rows)
        self._set_position(info)
        self.notice = "That page does not exist; showing the nearest one." if info.number != request.number else ""

    def _set_position(self, info: PageInfo) -> None:
        self.ticket_page = info.number
        self.ticket_pages = info.total_pages
        self.ticket_total = info.total_rows
        self.ticket_size = info.size

    def _href(self, **changes: int) -> str:
        position = {"page": self.ticket_page, "size": self.ticket_size} | changes
        return f"{ALL_TICKETS_ROUTE}?{urlencode(position)}"

    @rx.var
    def ticket_prev_href(self) -> str:
        return self._href(page=max(1, self.ticket_page - 1))

    @rx.var
    def ticket_next_href(self) -> str:
        return self._href(page=min(self.ticket_pages, self.ticket_page + 1))

    @rx.var
    def ticket_size_links(self) -> list[dict[str, str]]:
        return [{"size": str(s), "href": self._href(page=1, size=s)} for s in PAGE_SIZES]


def message_rows(thread: Any) -> list[dict[str, str]]:
    """The original request followed by every message, oldest first."""
    first = {
        "id": "request",
        "from_staff": "no",
        "author": getattr(thread, "customer", ""),
        "body": thread.description,
        "created": shown(thread.created),
        "label": "Original request",
    }
    rest = [
        {
            "id": str(m.id),
            "from_staff": "yes" if m.from_staff else "no",
            "author": m.author,
            "body": m.body,
            "created": shown(m.created),
            "label": "",
        }
        for m in thread.messages
    ]
    return [first, *rest]


class ThreadFields(rx.State, mixin=True):
    """What a ticket thread page shows; mixed into the customer's and the staff's thread states."""

    found: bool = False
    loaded: bool = False
    thread_id: int = 0
    subject: str = ""
    priority: str = ""
    status: str = ""
    source: str = ""
    created: str = ""
    messages: list[dict[str, str]] = []
    can_reply: bool = False
    can_close: bool = False
    can_rate: bool = False
    rating: int = 0
    rating_comment: str = ""
    notice: str = ""
    error: str = ""
    # The ticket this page is about, taken from the URL at load and looked up in the caller's scope.
    _ticket_id: int = 0

    def _clear_thread(self) -> None:
        self.found = False
        self.thread_id = 0
        self.subject = self.priority = self.status = self.source = self.created = ""
        self.messages = []
        self.can_reply = self.can_close = self.can_rate = False
        self.rating = 0
        self.rating_comment = ""

    def _fill_thread(self, thread: Any) -> None:
        self.found = True
        self.thread_id = thread.id
        self.subject = thread.subject
        self.priority = shown(thread.priority)
        self.status = shown(thread.status)
        self.source = shown(thread.source)
        self.created = shown(thread.created)
        self.messages = message_rows(thread)
        self.can_reply = bool(thread.can_reply)
        self.can_close = bool(thread.can_close)
        self.can_rate = bool(thread.can_rate)
        self.rating = thread.rating or 0
        self.rating_comment = thread.rating_comment or ""


def act_then_read(act: Callable[..., Any], read: Callable[..., Any], principal: Principal, ticket_id: int, *args: Any):
    """Run a ticket action (it may commit and email), then read the thread again; None when it is gone."""
    with session_scope() as db:
        act(db, principal, ticket_id, *args)
    with session_scope() as db:
        try:
            return read(db, principal, ticket_id)
        except NotFound:
            return None


class ThreadState(ThreadFields, SessionState):
    """One of the customer's tickets: its messages, reply, close and rating."""

    @rx.event
    async def load_thread(self):
        """Read the ticket named in the URL, within the signed-in customer's tickets."""
        self.notice = ""
        self.error = ""
        self.loaded = False
        self._ticket_id = route_ticket_id(self)
        self._clear_thread()
        result = await self._load_page(self._show_thread)
        self.loaded = True
        return result

    def _show_thread(self, db: Session, principal: Principal) -> None:
        if not self._ticket_id:
            return
        try:
            self._fill_thread(tickets.ticket_thread(db, principal, self._ticket_id))
        except NotFound:
            self._clear_thread()

    async def _run(self, action: str, done: str, *args: Any):
        """Check the session, run the action off the event loop, show the outcome."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return self._login_redirect()
        self.notice = ""
        self.error = ""
        if not self._ticket_id:
            self._clear_thread()
            return None
        try:
            thread = await asyncio.to_thread(
                act_then_read, getattr(tickets, action), tickets.ticket_thread, principal, self._ticket_id, *args
            )
        except NotFound:
            thread = None
        except PortalError as refused:
            self.error = refused.message
            return None
        if thread is None:
            self._clear_thread()
            return None
        self._fill_thread(thread)
        self.notice = done
        return None

    @rx.event
    async def send_reply(self, form: dict):
        """Add the customer's reply to the thread."""
        result = await self._run("reply", "Your reply was sent.", form_field(form, "body"))
        if self.notice:
            return [rx.set_value("reply-body", "")]
        return result

    @rx.event
    async def close(self):
        """Close the ticket at the customer's request."""
        return await self._run("close_ticket", "The ticket is closed. Thank you for letting us know.")

    @rx.event
    async def rate(self, form: dict):
        """Rate the resolved ticket 1-5 stars with an optional comment."""
        if await asyncio.to_thread(self._principal) is None:
            return self._login_redirect()
        raw = form_field(form, "rating")
        if raw not in RATINGS:
            self.notice = ""
            self.error = "Choose from 1 to 5 stars to rate this ticket."
            return None
        comment = form_field(form, "comment")
        return await self._run("rate_ticket", "Thank you for rating this ticket.", int(raw), comment)
