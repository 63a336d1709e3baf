"""The Support tab, the list of all tickets and a ticket thread, for the signed-in customer."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable
from urllib.parse import urlencode

import reflex as rx

from portal_app.errors import NotFound, PortalError
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.pagination import parse_page
from portal_app.services.help import articles as help_center
from portal_app.services.help.articles import ArticleCard
from portal_app.services.support import tickets
from portal_app.services.support.attachments import StagingForm
from portal_app.services.support.ticket_mail import THREAD_PATH
from portal_app.services.support.tickets import TicketSummary, TicketThread
from portal_app.state.attachments import AttachmentFields
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SessionState, SignedOut

SUPPORT_ROUTE = THREAD_PATH
ALL_TICKETS_ROUTE = f"{SUPPORT_ROUTE}/all"
PRIORITIES = tickets.PRIORITIES
MIN_SUGGEST_LENGTH = 3
KEPT_FORM_KEYS = 5
RATINGS = ("1", "2", "3", "4", "5")
FORM_EXPIRED = "This form was open too long. Please check it and send it again."
# The new-ticket form's fields: the service's argument -> the field's element id.
TICKET_FIELDS = {"subject": "ticket-subject", "description": "ticket-description", "priority": "ticket-priority"}
REPLY_FIELDS = {"body": "reply-body"}
RATING_FIELDS = {"rating": "rating-1", "comment": "rating-comment"}


def route_ticket_id(state: rx.State) -> int:
    """The ticket id in the page URL, or 0 when it is not a plain number (ASCII digits: int() refuses '²')."""
    raw = str(state.router.page.params.get("ticket_id", "") or "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


class SupportState(AttachmentFields, FieldErrors, SessionState):
    """Recent tickets, the new-ticket form (with its files) and its article suggestions.

    The form starts empty, with `?subject=` of the address (the help center's "no results"), or as a follow-up
    of the resolved or closed ticket `?follow_up=`."""

    tickets: list[TicketSummary] = []
    suggestions: list[ArticleCard] = []
    notice: str = ""
    created_href: str = ""  # the ticket the notice says was created
    error: str = ""
    submitting: bool = False
    # Sent with the form so a double submit carries the same key; only keys issued here are accepted.
    form_key: str = ""
    _issued_keys: list[str] = []
    # The form is drawn anew (emptied, with its default values) whenever this changes.
    form_version: int = 0
    subject: str = ""
    follows_up: int = 0
    follows_up_subject: str = ""
    follows_up_href: str = ""
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_support(self):
        """Read the recent tickets and start a fresh form (redirects when signed out)."""
        self.notice = self.created_href = ""
        self.error = ""
        self._clear_field_errors()
        self.suggestions = []
        self.submitting = False
        params = self.router.url.query_parameters
        try:
            follows_up = parse_id(params.get("follow_up", "")) or 0
            page = await self._open_page(tickets.new_ticket_page, follows_up, params.get("subject", ""))
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.tickets = page.recent
            self.subject = page.subject
            self.follows_up = page.follows_up
            self.follows_up_subject = page.follows_up_subject
            self.follows_up_href = page.follows_up_href
            self._issue_key()
            self._new_staging()
            self.form_version += 1
        self.loaded = True
        return None

    def _issue_key(self) -> None:
        self.form_key = secrets.token_urlsafe(24)
        self._issued_keys = [*self._issued_keys[-(KEPT_FORM_KEYS - 1) :], self.form_key]

    @rx.event
    async def suggest(self, subject: str):
        """Suggest up to three help articles matching the subject typed so far."""
        text = help_center.clean_query(subject)
        try:
            found = await self._call(help_center.suggest_articles, text) if len(text) >= MIN_SUGGEST_LENGTH else []
        except (SignedOut, PortalError):  # signed out or not linked to a customer: nothing to suggest
            found = []
        self.suggestions = found

    @rx.event
    async def submit_ticket(self, form: dict):
        """Open a ticket from the form; a repeated submit of the same form creates nothing new."""
        key = form_field(form, "submission_key")
        if not isinstance(key, str) or key not in self._issued_keys:
            if await self._principal() is None:
                yield self._login_redirect()
                return
            self._issue_key()
            self.error = FORM_EXPIRED
            return
        self.notice = self.created_href = ""
        self.error = ""
        self._clear_field_errors()
        self.submitting = True
        yield
        fields = {name: form_field(form, name) for name in TICKET_FIELDS}
        try:
            ticket_id, recent = await self._call(
                tickets.send_ticket,
                **fields,
                submission_key=key,
                follows_up=self.follows_up,
                staging_key=self._staging_key,
            )
        except SignedOut:
            self.submitting = False
            yield self._login_redirect()
            return
        except PortalError as refused:
            self.submitting = False
            yield self._refuse(refused, TICKET_FIELDS)
            return
        self.tickets = recent
        self.notice = f"Ticket #{ticket_id} was created. We will answer in its thread and let you know by email."
        self.created_href = f"{SUPPORT_ROUTE}/{ticket_id}"
        self.suggestions = []
        self.submitting = False
        self.subject = ""
        self.follows_up, self.follows_up_subject, self.follows_up_href = 0, "", ""
        self._issue_key()
        self._new_staging()
        self.form_version += 1


def _all_tickets_href(page: int, size: int) -> str:
    return f"{ALL_TICKETS_ROUTE}?{urlencode({'page': page, 'size': size})}"


class AllTicketsState(SessionState):
    """One page of all the customer's tickets; the position lives in the URL."""

    tickets: list[TicketSummary] = []
    ticket_pager: Pager = Pager()
    notice: str = ""
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_all_tickets(self):
        """Read the page named in the URL (out-of-range pages show the nearest one)."""
        params = self.router.url.query_parameters
        request = parse_page(params.get("page"), params.get("size"))
        try:
            page = await self._open_page(tickets.ticket_page, request)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.tickets, info = page
            self.ticket_pager = pager_for(info, _all_tickets_href)
            self.notice = NEAREST_PAGE if info.number != request.number else ""
        self.loaded = True
        return None


class ThreadFields(AttachmentFields, FieldErrors, mixin=True):
    """What a ticket thread page shows, and the files of the reply; mixed into the customer's and the staff's thread
    states."""

    found: bool = False
    loaded: bool = False
    thread: TicketThread = TicketThread()
    notice: str = ""
    error: str = ""
    # The ticket this page is about, taken from the URL at load and looked up in the caller's scope.
    _ticket_id: int = 0

    def _show_thread(self, thread: TicketThread | None) -> None:
        """Show the thread, or that the ticket was not found (None)."""
        self.found = thread is not None
        self.thread = thread or TicketThread()

    async def _act(
        self,
        action: Awaitable[TicketThread | None],
        done: str,
        clear: str = "",
        fields: dict[str, str] | None = None,
        *,
        sends_files: bool = False,
    ):
        """Show how a ticket action went: the fresh thread and `done` (emptying the field `clear`), why it was
        refused (at the field of `fields` it names, else for the page), or that the ticket is not found (None or
        NotFound). Signed out: the sign-in page. `sends_files`: the action took the staged files (a new form then)."""
        self.notice = ""
        self.error = ""
        self._clear_field_errors()
        try:
            thread = await action
        except SignedOut:
            return self._login_redirect()
        except NotFound:
            thread = None
        except PortalError as refused:
            return self._refuse(refused, fields or {})
        self._show_thread(thread)
        if thread is None:
            return None
        self.notice = done
        if sends_files:
            self._new_staging()  # the reply took the staged files along
        return rx.set_value(clear, "") if clear else None


class ThreadState(ThreadFields, SessionState):
    """One of the customer's tickets: its messages, reply, close and rating."""

    @rx.event
    async def load_thread(self):
        """Read the ticket named in the URL, within the signed-in customer's tickets."""
        self.notice = ""
        self.error = ""
        self._clear_field_errors()
        self.loaded = False
        self._ticket_id = route_ticket_id(self)
        self._new_staging()
        try:
            thread = await self._open_page(tickets.thread_page, self._ticket_id)
        except SignedOut:
            return self._login_redirect()
        self._show_thread(thread)
        self.loaded = True
        return None

    def _staging_form(self) -> StagingForm:
        return StagingForm(self._staging_key, self._ticket_id)

    @rx.event
    async def send_reply(self, form: dict):
        """Add the customer's reply, with the files attached for it, to the thread."""
        sent = self._call(tickets.reply, self._ticket_id, form_field(form, "body"), self._staging_key)
        return await self._act(sent, "Your reply was sent.", fields=REPLY_FIELDS, sends_files=True)

    @rx.event
    async def close(self):
        """Close the ticket at the customer's request."""
        closed = self._call(tickets.close_ticket, self._ticket_id)
        return await self._act(closed, "The ticket is closed. Thank you for letting us know.")

    @rx.event
    async def rate(self, form: dict):
        """Rate the resolved ticket 1-5 stars with an optional comment."""
        raw = form_field(form, "rating")
        if raw in RATINGS:
            rated = self._call(tickets.rate_ticket, self._ticket_id, int(raw), form_field(form, "comment"))
            return await self._act(rated, "Thank you for rating this ticket.", fields=RATING_FIELDS)
        if await self._principal() is None:
            return self._login_redirect()
        self.notice = self.error = ""
        self._clear_field_errors()
        return self._show_at_field(RATING_FIELDS["rating"], "Choose from 1 to 5 stars to rate this ticket.")
