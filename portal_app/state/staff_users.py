"""Settings → Users & roles for administrators: the organisation's staff, inviting someone, and the actions on each
person (resend invite, change role, deactivate, reactivate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.console import staff_users as team
from portal_app.services.console.staff_users import STAFF_USERS_ROUTE, StaffUserRow
from portal_app.state.client import caller_address
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

__all__ = ["INVITE_FIELDS", "STAFF_USERS_ROUTE", "StaffUsersState"]

# The invitation form's fields: the service's argument -> the field's element id.
INVITE_FIELDS = {"email": "staff-invite-email", "role": "staff-invite-role"}
GONE = "This staff member was not found: the list shows who is on your team now."


class StaffUsersState(FieldErrors, StaffSession):
    """The organisation's staff as last read, and what the last action did (or why it did nothing)."""

    loaded: bool = False
    rows: list[StaffUserRow] = []
    notice: str = ""
    error: str = ""
    form_key: int = 0

    @rx.event
    async def load_staff_users(self):
        """Read the organisation's staff (redirects when signed out; nothing for agents)."""
        self.loaded = False
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            self.rows = await self._as_admin(team.staff_users) or []
        except SignedOut:
            return self._login_redirect()
        self.loaded = True
        return None

    @rx.event
    async def invite(self, form: dict):
        """Invite the email to the team with the chosen role; a refusal shows at its field and changes nothing."""
        self._clear_field_errors(*INVITE_FIELDS.values())
        email, name, role = (form_field(form, key) for key in ("email", "name", "role"))
        self.notice = self.error = ""
        try:
            said = await self._as_admin(team.invite_staff, email, name, role, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            focus = self._refuse(refused, INVITE_FIELDS)
            await self._reread()  # a saved invitation whose email failed is on the list
            return focus
        if said is not None:
            self.notice = said
            self.form_key += 1
        await self._reread()
        return None

    @rx.event
    async def resend_invite(self, user_id: int):
        """Email a fresh invitation link to someone who has not chosen a password yet."""
        return await self._act(team.resend_staff_invite, user_id)

    @rx.event
    async def change_role(self, user_id: int, role: str):
        """Make the person an agent or an admin."""
        return await self._act(team.change_role, user_id, role)

    @rx.event
    async def deactivate(self, user_id: int):
        """Stop the person signing in; their sessions end."""
        return await self._act(team.deactivate_staff, user_id)

    @rx.event
    async def reactivate(self, user_id: int):
        """Let a deactivated person sign in again."""
        return await self._act(team.reactivate_staff, user_id)

    async def _act(self, work: Callable[..., str], *args: Any) -> rx.event.EventSpec | None:
        """Run an action on one person, then show the team again with what happened (or why nothing did)."""
        self.notice = self.error = ""
        try:
            said = await self._as_admin(work, *args, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            said = ""
        if said is None and self.is_admin:
            self.error = GONE
        self.notice = said or ""
        await self._reread()
        return None

    async def _reread(self) -> None:
        self.rows = await self._as_admin(team.staff_users) or []
