"""Profile settings and the email-change confirmation page."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx
from sqlmodel import Session

from portal_app.db import session_scope
from portal_app.services.access import customer_scope
from portal_app.services.accounts import profile
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.errors import PortalError
from portal_app.state.forms import form_field
from portal_app.state.hashing import with_hashing
from portal_app.state.session import SessionState


def _in_db(work, *args):
    """Run a profile service call in its own transaction (called in a worker thread)."""
    with session_scope() as db:
        return work(db, *args)


class ProfileState(SessionState):
    """The person's own name, email, password and sessions; the CRM record read-only."""

    name: str = ""
    email: str = ""
    record_name: str = ""
    record_email: str = ""
    record_phone: str = ""
    record_address: str = ""
    provider_email: str = ""
    sessions: list[dict[str, str]] = []
    name_notice: str = ""
    name_error: str = ""
    email_notice: str = ""
    email_error: str = ""
    password_notice: str = ""
    password_error: str = ""
    sessions_notice: str = ""

    @rx.event
    async def load_profile(self):
        """Read the profile (redirects when signed out); works for unlinked people too."""
        for name in ("name", "email", "password", "sessions"):
            setattr(self, f"{name}_notice", "")
            if name != "sessions":
                setattr(self, f"{name}_error", "")
        return await self._load_page(self._show_profile)

    def _show_profile(self, db: Session, principal: Principal) -> None:
        self.name = principal.user_name
        self.email = principal.user_email
        if principal.customer_id is not None:
            scope = customer_scope(db, principal)
            self.record_name = scope.customer.name
            self.record_email = scope.customer.email
            self.record_phone = scope.customer.phone
            self.record_address = scope.customer.address
            self.provider_email = scope.organisation.email
        self.sessions = [
            {k: str(v) for k, v in dataclasses.asdict(row).items()} for row in profile.active_sessions(db, principal)
        ]

    async def _refresh(self) -> None:
        """Read the profile again after a change (off the event loop)."""
        await asyncio.to_thread(self._read_page, self._show_profile)

    @rx.event
    async def save_name(self, form: dict):
        """Change the display name."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return self._login_redirect()
        self.name_notice = self.name_error = ""
        try:
            await asyncio.to_thread(_in_db, profile.change_name, principal, form_field(form, "name"))
        except PortalError as refused:
            self.name_error = refused.message
            return None
        await self._refresh()
        self.name_notice = "Your name was saved."
        return None

    @rx.event
    async def change_email(self, form: dict):
        """Send a confirmation link to the new address; nothing changes until it is opened."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return self._login_redirect()
        self.email_notice = self.email_error = ""
        try:
            address = await asyncio.to_thread(
                _in_db, profile.request_email_change, principal, form_field(form, "new_email")
            )
        except PortalError as refused:
            self.email_error = refused.message
            return None
        self.email_notice = f"We sent a link to {address}. Your sign-in email changes once you open it."
        return None

    @rx.event
    async def change_password(self, form: dict):
        """Set a new password (current one required); other sessions are signed out."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return self._login_redirect()
        self.password_notice = self.password_error = ""
        new = form_field(form, "new_password")
        if new != form_field(form, "confirm_password"):
            self.password_error = "The two new passwords do not match."  # noqa: S105 (a message, not a secret)
            return None
        try:
            ended = await with_hashing(
                _in_db, profile.change_password, principal, form_field(form, "current_password"), new
            )
        except PortalError as refused:
            self.password_error = refused.message
            return None
        await self._refresh()
        others = f" {ended} other session{'s were' if ended != 1 else ' was'} signed out." if ended else ""
        self.password_notice = "Your password was changed." + others
        return None

    @rx.event
    async def sign_out_others(self):
        """End every other session of this person."""
        principal = await asyncio.to_thread(self._principal)
        if principal is None:
            return self._login_redirect()
        ended = await asyncio.to_thread(_in_db, profile.end_other_sessions, principal)
        await self._refresh()
        self.sessions_notice = f"Signed out {ended} other session{'s' if ended != 1 else ''}."
        return None


class ConfirmEmailState(SessionState):
    """Applies an email change from its emailed link."""

    result: str = ""
    problem: str = ""

    @rx.event
    async def load_confirm(self):
        """Confirm the change named by the link's token."""
        token = self.router.url.query_parameters.get("token", "")[:128]
        self.result = self.problem = ""
        try:
            address = await asyncio.to_thread(_in_db, profile.confirm_email_change, token)
        except PortalError as refused:
            self.problem = refused.message
            return
        self.result = f"Your sign-in email is now {address}."
