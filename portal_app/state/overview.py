"""The Overview tab."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from portal_app.services.accounts import overview as overview_service
from portal_app.services.accounts.sessions import Principal
from portal_app.state.session import SessionState


class OverviewState(SessionState):
    """Account overview, services snapshot and latest activity of the current customer."""

    client_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    balance_due: str = ""
    has_balance: bool = False
    services: list[dict[str, str]] = []
    service_count: int = 0
    last_invoice_total: str = ""
    last_invoice_issued: str = ""
    last_payment_amount: str = ""
    last_payment_date: str = ""
    open_tickets: int = 0
    active_projects: int = 0

    @rx.event
    async def load_overview(self):
        """Read the figures for the signed-in customer (redirects when signed out)."""
        return await self._load_page(self._show_overview)

    def _show_overview(self, db: Session, principal: Principal) -> None:
        data = overview_service.overview(db, principal)
        for name in (
            "client_name",
            "email",
            "phone",
            "address",
            "balance_due",
            "has_balance",
            "service_count",
            "last_invoice_total",
            "last_invoice_issued",
            "last_payment_amount",
            "last_payment_date",
            "open_tickets",
            "active_projects",
        ):
            setattr(self, name, getattr(data, name))
        self.services = [dataclasses.asdict(card) | {"id": str(card.id)} for card in data.services]
