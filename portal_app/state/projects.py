"""The Projects tab."""

from __future__ import annotations

import reflex as rx

from portal_app.services.projects.progress import ProjectCard, project_cards
from portal_app.state.session import SessionState, SignedOut


class ProjectsState(SessionState):
    """The current customer's projects."""

    projects: list[ProjectCard] = []
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_projects(self):
        """Read the customer's projects (redirects when signed out)."""
        try:
            cards = await self._open_page(project_cards)
        except SignedOut:
            return self._login_redirect()
        self.projects = cards or []
        self.loaded = True
        return None
