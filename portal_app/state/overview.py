"""The Overview tab."""

from __future__ import annotations

import reflex as rx

from portal_app.services.accounts.overview import Overview, overview
from portal_app.services.accounts.provisioned import ServiceCard
from portal_app.state.session import SessionState, SignedOut


class OverviewState(SessionState):
    """Account overview, services snapshot and latest activity of the current customer."""

    client_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    balance_due: str = ""
    has_balance: bool = False
    pay_online: bool = False
    phone_href: str = ""
    services: list[ServiceCard] = []
    service_count: int = 0
    last_invoice_total: str = ""
    last_invoice_issued: str = ""
    last_payment_amount: str = ""
    last_payment_date: str = ""
    open_tickets: int = 0
    active_projects: int = 0
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_overview(self):
        """Read the figures for the signed-in customer (redirects when signed out)."""
        try:
            data = await self._open_page(overview)
        except SignedOut:
            return self._login_redirect()
        if data is not None:
            self._show(data)
        self.loaded = True
        return None

    def _show(self, data: Overview) -> None:
        self.client_name = data.client_name
        self.email = data.email
        self.phone = data.phone
        self.address = data.address
        self.balance_due = data.balance_due
        self.has_balance = data.has_balance
        self.pay_online = data.pay_online
        self.phone_href = data.phone_href
        self.services = data.services
        self.service_count = data.service_count
        self.last_invoice_total = data.last_invoice_total
        self.last_invoice_issued = data.last_invoice_issued
        self.last_payment_amount = data.last_payment_amount
        self.last_payment_date = data.last_payment_date
        self.open_tickets = data.open_tickets
        self.active_projects = data.active_projects
