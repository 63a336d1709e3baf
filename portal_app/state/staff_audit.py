"""The audit log for administrators: who did what to which customer or person, when and from where."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.services.common.pagination import parse_page
from portal_app.services.console.audit import AuditRow, audit_page
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

AUDIT_ROUTE = "/staff/audit"


def _audit_href(page: int, size: int) -> str:
    return f"{AUDIT_ROUTE}?{urlencode({'page': page, 'size': size})}"


class StaffAuditState(StaffSession):
    """One page of the organisation's audit log, newest first."""

    loaded: bool = False
    rows: list[AuditRow] = []
    audit_pager: Pager = Pager()
    notice: str = ""

    @rx.event
    async def load_audit(self):
        """Read the page of the log the URL names (redirects when signed out; nothing for agents)."""
        params = self.router.url.query_parameters
        request = parse_page(params.get("page"), params.get("size"))
        self.loaded = False
        self.rows = []
        try:
            page = await self._as_admin(audit_page, request)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.rows = page.rows
            self.audit_pager = pager_for(page.info, _audit_href)
            self.notice = NEAREST_PAGE if page.info.number != request.number else ""
        self.loaded = True
        return None
