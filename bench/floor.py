"""The load benchmark's floor: one trivial public handler, to time Reflex without the portal's work.

Only the benchmark's own server has it: bench/server.py sets PORTAL_BENCH_FLOOR=1, and portal_app.py imports this
module only then. A production app has no such handler."""

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
