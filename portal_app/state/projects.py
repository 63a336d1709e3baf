"""The Projects tab."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from portal_app.services.accounts.sessions import Principal
from portal_app.services.projects.progress import project_cards
from portal_app.state.session import SessionState


class ProjectsState(SessionState):
    """The current customer's projects."""

    projects: list[dict[str, str]] = []

    @rx.event
    async def load_projects(self):
        """Read the customer's projects (redirects when signed out)."""
        return await self._load_page(self._show_projects)

    def _show_projects(self, db: Session, principal: Principal) -> None:
        self.projects = [
            {k: str(v) for k, v in dataclasses.asdict(card).items()} for card in project_cards(db, principal)
        ]
