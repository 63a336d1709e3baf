"""Reports → CSAT for staff: the organisation's customer satisfaction over the date range in the URL
(?from=YYYY-MM-DD&to=YYYY-MM-DD, default the last 30 days), with one page of comments."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.common.pagination import parse_page
from portal_app.services.support.csat import (
    CSAT_ROUTE,
    CsatAgentRow,
    CsatComment,
    CsatRangeProblem,
    csat_page,
    parse_range,
)
from portal_app.services.support.inbox import CsatBar
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

__all__ = ["CSAT_ROUTE", "RANGE_FIELDS", "StaffCsatState"]

# The range form's fields: the service's argument -> the field's element id.
RANGE_FIELDS = {"start": "csat-from", "end": "csat-to"}
DATE_MAX = 40  # longer text in the URL is no date either: the page shows only its start


class StaffCsatState(FieldErrors, StaffSession):
    """The CSAT report of the range in the URL, or why that range cannot be shown."""

    loaded: bool = False
    has_report: bool = False
    start: str = ""
    end: str = ""
    period: str = ""
    count: int = 0
    average: str = ""
    satisfied: str = ""
    bars: list[CsatBar] = []
    agents: list[CsatAgentRow] = []
    comments: list[CsatComment] = []
    comment_pager: Pager = Pager()
    notice: str = ""
    form_key: int = 0

    @rx.event
    async def load_csat(self):
        """Read the report for the URL's range (redirects when signed out; nothing for non-staff)."""
        params = self.router.url.query_parameters
        self.loaded = self.has_report = False
        self.notice = ""
        self._clear_field_errors()
        self.start, self.end = str(params.get("from", ""))[:DATE_MAX], str(params.get("to", ""))[:DATE_MAX]
        self.form_key += 1
        request = parse_page(params.get("page"), params.get("size"))
        try:
            report = await self._as_staff(csat_page, self.start, self.end, request)
        except SignedOut:
            return self._login_redirect()
        self.loaded = True
        if isinstance(report, CsatRangeProblem):
            return self._show_at_field(RANGE_FIELDS[report.field], report.message)
        if report is not None:
            self.has_report = True
            self.start, self.end, self.period = report.start, report.end, report.period
            self.count, self.average, self.satisfied = report.count, report.average, report.satisfied
            self.bars, self.agents, self.comments = report.bars, report.agents, report.comments
            self.comment_pager = pager_for(report.info, self._href)
            self.notice = NEAREST_PAGE if report.info.number != request.number else ""
        return None

    def _href(self, page: int, size: int) -> str:
        return f"{CSAT_ROUTE}?{urlencode({'from': self.start, 'to': self.end, 'page': page, 'size': size})}"

    @rx.event
    def show_range(self, form: dict):
        """Show the report for the chosen dates (they go in the URL); a bad range is refused at its field."""
        self._clear_field_errors(*RANGE_FIELDS.values())
        start, end = form_field(form, "from"), form_field(form, "to")
        try:
            first, last = parse_range(start, end)
        except PortalError as refused:
            return self._refuse(refused, RANGE_FIELDS, "notice")
        return rx.redirect(f"{CSAT_ROUTE}?{urlencode({'from': first.isoformat(), 'to': last.isoformat()})}")
