"""The load benchmark's floor: one trivial public handler, to time Reflex without the portal's work."""

from __future__ import annotations

import reflex as rx

from portal_app.state.session import SessionState


class FloorState(SessionState):
    """A counter that benchmark tabs bump; it sits where the page states do and reads nothing."""

    pings: int = 0

    @rx.event
    def ping(self) -> None:
        """Count one ping; public by design (no session, no database, nothing private)."""
        self.pings += 1
