"""The Services tab."""

from __future__ import annotations

import reflex as rx

from portal_app.services.accounts.provisioned import ServiceCard, services_page
from portal_app.state.session import SessionState, SignedOut


class ServicesState(SessionState):
    """Every service provisioned on the current customer's account."""

    services: list[ServiceCard] = []
    active_services: int = 0
    total_services: int = 0
    open_invoices: int = 0
    outstanding_balance: str = ""
    open_tickets: int = 0
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_services(self):
        """Read the customer's services (redirects when signed out)."""
        try:
            page = await self._open_page(services_page)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.services = page.services
            self.active_services = page.active_services
            self.total_services = page.total_services
            self.open_invoices = page.open_invoices
            self.outstanding_balance = page.outstanding_balance
            self.open_tickets = page.open_tickets
        self.loaded = True
        return None
