"""The Services tab."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from portal_app.services.access import customer_scope
from portal_app.services.accounts.overview import service_cards
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoices import services_summary
from portal_app.state.session import SessionState


class ServicesState(SessionState):
    """Every service provisioned on the current customer's account."""

    services: list[dict[str, str]] = []
    active_services: int = 0
    total_services: int = 0
    open_invoices: int = 0
    outstanding_balance: str = ""
    open_tickets: int = 0

    @rx.event
    async def load_services(self):
        """Read the customer's services (redirects when signed out)."""
        return await self._load_page(self._show_services)

    def _show_services(self, db: Session, principal: Principal) -> None:
        scope = customer_scope(db, principal)
        cards = service_cards(db, scope.customer.id, scope.customer.locale)
        summary = services_summary(db, principal)
        self.services = [dataclasses.asdict(c) | {"id": str(c.id)} for c in cards]
        self.active_services = summary.active_services
        self.total_services = summary.total_services
        self.open_invoices = summary.open_invoices
        self.outstanding_balance = summary.outstanding_balance
        self.open_tickets = summary.open_tickets
