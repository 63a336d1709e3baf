"""Whether the sign-in page was reached from the staff area (?next=/staff...), so it is worded for staff."""

from __future__ import annotations

import reflex as rx

from portal_app.state.session import safe_next

STAFF_AREA = "/staff"


class StaffSignInState(rx.State):
    """Reads only the page address: the sign-in form itself is LoginState's."""

    @rx.var
    def for_staff(self) -> bool:
        """True when signing in leads to a staff page."""
        target = safe_next(self.router.url.query_parameters.get("next", "")).split("?", 1)[0]
        return target == STAFF_AREA or target.startswith(f"{STAFF_AREA}/")
