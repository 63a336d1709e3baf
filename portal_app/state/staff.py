"""The staff area: the organisation's ticket inbox with CSAT, and a ticket thread to answer."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from portal_app.db import session_scope
from portal_app.models import Organisation, TicketStatus
from portal_app.services.accounts.branding import branding_of
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.errors import NotFound, PortalError
from portal_app.services.common.pagination import PAGE_SIZES, PageInfo, parse_page
from portal_app.services.support import inbox as staff
from portal_app.state.forms import form_field
from portal_app.state.session import SessionState
from portal_app.state.support import ThreadFields, act_then_read, route_ticket_id, shown

STAFF_ROUTE = "/staff"
STATUSES = tuple(s.value for s in TicketStatus)
SOURCES = ("Portal", "Email", "Phone")
# Statuses are worded for the customer; staff read "Awaiting your reply" as waiting on the customer.
STAFF_LABELS = {TicketStatus.AWAITING_CUSTOMER.value: "Awaiting customer"}


def staff_label(status: str) -> str:
    """A ticket status as the staff pages word it."""
    return STAFF_LABELS.get(status, status)


class StaffSession(SessionState):
    """Whether the signed-in person is staff, and of which organisation."""

    is_staff: bool = False
    staff_checked: bool = False
    staff_org: str = ""

    def _load_staff(self, show: Callable[[Session, Principal], None]):
        """A staff page's on_load: sign-in first, then the staff check, then `show` the page's data."""
        principal = self._principal()
        if principal is None:
            return self._login_redirect()
        self.user_name = principal.user_name or principal.user_email
        self.user_email = principal.user_email
        try:
            with session_scope() as db:
                organisation = db.get(Organisation, staff.staff_organisation_id(db, principal))
                self.staff_org = branding_of(organisation).name
                show(db, principal)
            self.is_staff = True
        except staff.NotStaff:
            self.is_staff = False
            self.staff_org = ""
        self.staff_checked = True
        return None


def _link(label: str, href: str, current: bool) -> dict[str, str]:
    return {"label": label, "href": href, "current": "yes" if current else "no"}


class StaffInboxState(StaffSession):
    """One page of the organisation's tickets, filtered by status and source (all in the URL), and CSAT."""

    rows: list[dict[str, str]] = []
    status_filter: str = ""
    source_filter: str = ""
    ticket_page: int = 1
    ticket_pages: int = 1
    ticket_total: int = 0
    ticket_size: int = 10
    notice: str = ""
    csat_average: str = ""
    csat_count: int = 0
    csat_bars: list[dict[str, str]] = []

    @rx.event
    def load_inbox(self):
        """Read the inbox page and CSAT (redirects when signed out; nothing for non-staff)."""
        self.rows = []
        self.csat_bars = []
        return self._load_staff(self._show_inbox)

    def _show_inbox(self, db: Session, principal: Principal) -> None:
        params = self.router.url.query_parameters
        status = params.get("status", "")
        source = params.get("source", "")
        self.status_filter = status if status in STATUSES else ""
        self.source_filter = source if source in SOURCES else ""
        request = parse_page(params.get("page"), params.get("size"))
        rows, info = staff.inbox(db, principal, status=self.status_filter, source=self.source_filter, request=request)
        self.rows = [
            {k: shown(v) for k, v in dataclasses.asdict(row).items()}
            | {"href": f"{STAFF_ROUTE}/tickets/{row.id}", "status_label": staff_label(row.status)}
            for row in rows
        ]
        self._set_position(info)
        self.notice = "That page does not exist; showing the nearest one." if info.number != request.number else ""
        self._show_csat(staff.csat(db, principal))

    def _show_csat(self, result: staff.Csat) -> None:
        self.csat_average = result.average
        self.csat_count = result.count
        most = max(result.distribution.values(), default=0) or 1
        self.csat_bars = [
            {
                "stars": str(stars),
                "count": str(result.distribution.get(stars, 0)),
                "width": f"{round(100 * result.distribution.get(stars, 0) / most)}%",
            }
            for stars in range(5, 0, -1)
        ]

    def _set_position(self, info: PageInfo) -> None:
        self.ticket_page = info.number
        self.ticket_pages = info.total_pages
        self.ticket_total = info.total_rows
        self.ticket_size = info.size

    def _href(self, **changes: Any) -> str:
        position = {
            "status": self.status_filter,
            "source": self.source_filter,
            "page": self.ticket_page,
            "size": self.ticket_size,
        } | changes
        return f"{STAFF_ROUTE}?{urlencode({k: v for k, v in position.items() if v != ''})}"

    @rx.var
    def status_links(self) -> list[dict[str, str]]:
        return [_link("All", self._href(status="", page=1), self.status_filter == "")] + [
            _link(staff_label(s), self._href(status=s, page=1), self.status_filter == s) for s in STATUSES
        ]

    @rx.var
    def source_links(self) -> list[dict[str, str]]:
        return [_link("All", self._href(source="", page=1), self.source_filter == "")] + [
            _link(s, self._href(source=s, page=1), self.source_filter == s) for s in SOURCES
        ]

    @rx.var
    def ticket_prev_href(self) -> str:
        return self._href(page=max(1, self.ticket_page - 1))

    @rx.var
    def ticket_next_href(self) -> str:
        return self._href(page=min(self.ticket_pages, self.ticket_page + 1))

    @rx.var
    def ticket_size_links(self) -> list[dict[str, str]]:
        return [{"size": str(s), "href": self._href(page=1, size=s)} for s in PAGE_SIZES]


class StaffThreadState(ThreadFields, StaffSession):
    """One of the organisation's tickets as staff see it: reply and set its status."""

    customer: str = ""
    customer_email: str = ""
    status_label: str = ""

    @rx.event
    def load_staff_thread(self):
        """Read the ticket named in the URL, within the staff member's organisation."""
        self.notice = ""
        self.error = ""
        self.loaded = False
        self._ticket_id = route_ticket_id(self)
        self._forget_ticket()
        result = self._load_staff(self._show_staff_thread)
        self.loaded = True
        return result

    def _forget_ticket(self) -> None:
        self._clear_thread()
        self.customer = ""
        self.customer_email = ""
        self.status_label = ""

    def _show_staff_thread(self, db: Session, principal: Principal) -> None:
        if not self._ticket_id:
            return
        try:
            self._show(staff.staff_thread(db, principal, self._ticket_id))
        except NotFound:
            self._forget_ticket()

    def _show(self, thread: staff.StaffThread) -> None:
        self._fill_thread(thread)
        self.customer = thread.customer
        self.customer_email = thread.customer_email
        self.status_label = staff_label(thread.status)

    async def _run(self, action: str, done: str, *args: Any):
        """Check the session, run the staff action off the event loop, show the outcome."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return self._login_redirect()
        self.notice = ""
        self.error = ""
        if not self._ticket_id:
            self._forget_ticket()
            return None
        try:
            thread = await asyncio.to_thread(
                act_then_read, getattr(staff, action), staff.staff_thread, principal, self._ticket_id, *args
            )
        except staff.NotStaff:
            self.is_staff = False
            self._forget_ticket()
            return None
        except NotFound:
            thread = None
        except PortalError as refused:
            self.error = refused.message
            return None
        if thread is None:
            self._forget_ticket()
            return None
        self._show(thread)
        self.notice = done
        return None

    @rx.event
    async def staff_send_reply(self, form: dict):
        """Answer the customer; they are emailed a link to the thread."""
        result = await self._run("staff_reply", "Your reply was sent to the customer.", form_field(form, "body"))
        if self.notice:
            return [rx.set_value("staff-reply-body", "")]
        return result

    @rx.event
    async def set_ticket_status(self, status: str):
        """Mark the ticket Open, Resolved or Closed; the customer is emailed."""
        status = str(status)[:24]
        return await self._run("set_status", f"The ticket is now {status}.", status)
