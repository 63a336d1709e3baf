"""Profile settings (with Notifications: which emails the person gets) and the email-change confirmation page."""

from __future__ import annotations

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.accounts import notification_preferences, profile
from portal_app.services.accounts.notification_preferences import Preference
from portal_app.services.accounts.profile import ProfilePage, SessionRow
from portal_app.services.accounts.proofs import TooManyWrongProofs
from portal_app.services.common.inputs import parse_id
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.session import SessionState, SignedOut

# The forms' fields: the service's argument -> the field's element id.
NAME_FIELDS = {"name": "name"}
EMAIL_FIELDS = {"new_email": "new_email", "password": "password", "code": "code"}
PASSWORD_FIELDS = {"current": "current_password", "new": "new_password"}


class ProfileState(FieldErrors, SessionState):
    """The person's own name, email, password and sessions; the CRM record read-only."""

    name: str = ""
    email: str = ""
    record_name: str = ""
    record_email: str = ""
    record_phone: str = ""
    record_address: str = ""
    provider_email: str = ""
    sessions: list[SessionRow] = []
    name_notice: str = ""
    name_error: str = ""
    email_notice: str = ""
    email_error: str = ""
    password_notice: str = ""
    password_error: str = ""
    sessions_notice: str = ""
    # The email and password forms are drawn anew, empty, when these change (after a change went through).
    email_form_version: int = 0
    password_form_version: int = 0
    loaded: bool = False  # the page shows a skeleton until its first load has read the data

    @rx.event
    async def load_profile(self):
        """Read the profile (redirects when signed out); works for unlinked people too."""
        self.name_notice = self.name_error = self.email_notice = self.email_error = ""
        self.password_notice = self.password_error = self.sessions_notice = ""
        self._clear_field_errors()
        try:
            await self._reload()
        except SignedOut:
            return self._login_redirect()
        return None

    async def _reload(self) -> None:
        """Show the header and the profile as they are now (raises SignedOut)."""
        page = await self._open_page(profile.profile_page)
        if page is not None:
            self._show(page)
        self.loaded = True

    def _show(self, page: ProfilePage) -> None:
        self.name = page.name
        self.email = page.email
        self.record_name = page.record_name
        self.record_email = page.record_email
        self.record_phone = page.record_phone
        self.record_address = page.record_address
        self.provider_email = page.provider_email
        self.sessions = page.sessions

    @rx.event
    async def save_name(self, form: dict):
        """Change the display name."""
        self.name_notice = self.name_error = ""
        self._clear_field_errors(*NAME_FIELDS.values())
        try:
            await self._call(profile.change_name, form_field(form, "name"))
            await self._reload()
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, NAME_FIELDS, "name_error")
        self.name_notice = "Your name was saved."
        return None

    @rx.event
    async def change_email(self, form: dict):
        """Send a confirmation link to the new address (the current password, and a code when two-factor sign-in
        is on, required); nothing changes until it is opened."""
        self.email_notice = self.email_error = ""
        self._clear_field_errors(*EMAIL_FIELDS.values())
        try:
            address = await self._call_hashing(
                profile.request_email_change,
                form_field(form, "new_email"),
                form_field(form, "password"),
                form_field(form, "code"),
            )
        except SignedOut:
            return self._login_redirect()
        except TooManyWrongProofs:
            return await self._signed_out_for_safety()
        except PortalError as refused:
            return self._refuse(refused, EMAIL_FIELDS, "email_error")
        self.email_notice = f"We sent a link to {address}. Your sign-in email changes once you open it."
        self.email_form_version += 1
        return None

    @rx.event
    async def change_password(self, form: dict):
        """Set a new password (current one required); other sessions are signed out."""
        self.password_notice = self.password_error = ""
        self._clear_field_errors(*PASSWORD_FIELDS.values(), "confirm_password")
        new = form_field(form, "new_password")
        if new != form_field(form, "confirm_password"):
            if await self._principal() is None:
                return self._login_redirect()
            return self._show_at_field("confirm_password", "The two new passwords do not match.")
        try:
            ended = await self._call_hashing(profile.change_password, form_field(form, "current_password"), new)
            await self._reload()
        except SignedOut:
            return self._login_redirect()
        except TooManyWrongProofs:
            return await self._signed_out_for_safety()
        except PortalError as refused:
            return self._refuse(refused, PASSWORD_FIELDS, "password_error")
        others = f" {ended} other session{'s were' if ended != 1 else ' was'} signed out." if ended else ""
        self.password_notice = "Your password was changed." + others
        self.password_form_version += 1
        return None

    @rx.event
    async def sign_out_others(self):
        """End every other session of this person."""
        try:
            ended = await self._call(profile.end_other_sessions)
            await self._reload()
        except SignedOut:
            return self._login_redirect()
        self.sessions_notice = f"Signed out {ended} other session{'s' if ended != 1 else ''}."
        return None

    @rx.event
    async def sign_out_session(self, session_id: str):
        """End one other browser's session of this person."""
        self.sessions_notice = ""
        try:
            device = await self._call(profile.end_one_session, parse_id(str(session_id)))
            await self._reload()
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.sessions_notice = refused.message
            return None
        self.sessions_notice = f"Signed out {device}."
        return None


class NotificationsState(SessionState):
    """Profile → Notifications: each kind of email the person can turn off, saved on each toggle."""

    preferences: list[Preference] = []
    notice: str = ""
    error: str = ""
    loaded: bool = False

    @rx.event
    async def load_notifications(self):
        """Read the person's choices (redirects when signed out)."""
        self.notice = self.error = ""
        try:
            self.preferences = await self._call(notification_preferences.preferences)
        except SignedOut:
            return self._login_redirect()
        self.loaded = True
        return None

    @rx.event
    async def set_notification(self, kind: str, enabled: bool):
        """Turn one kind of email on or off for the signed-in person."""
        self.notice = self.error = ""
        try:
            self.preferences = await self._call(notification_preferences.set_preference, kind, enabled)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message
            return None
        label = next((row.label for row in self.preferences if row.kind == kind), "")
        self.notice = f"{label}: {'on' if enabled else 'off'}. Saved."
        return None


class ConfirmEmailState(SessionState):
    """Applies an email change from its emailed link."""

    result: str = ""
    problem: str = ""

    @rx.event
    async def load_confirm(self):
        """Confirm the change named by the link's token; every session of the person ends with it."""
        token = self.router.url.query_parameters.get("token", "")[:128]
        self.result = self.problem = ""
        try:
            address = await self._call_public(profile.confirm_email_change, token)
        except PortalError as refused:
            self.problem = refused.message
            return
        if await self._principal() is None:  # this tab's session was one of them: nothing of it stays
            await self._forget_person()
        self.result = f"Your sign-in email is now {address}. Sign in again with it."


class UndoEmailState(SessionState):
    """Puts the sign-in email back from the link sent to the old address."""

    result: str = ""
    problem: str = ""

    @rx.event
    async def load_undo(self):
        """Undo the change named by the link's token; everybody signed in as the person is signed out."""
        token = self.router.url.query_parameters.get("token", "")[:128]
        self.result = self.problem = ""
        try:
            address = await self._call_public(profile.undo_email_change, token)
        except PortalError as refused:
            self.problem = refused.message
            return
        if await self._principal() is None:
            await self._forget_person()
        self.result = (
            f"Your sign-in email is {address} again, and everybody signed in to your account was signed out. "
            "Set a new password now: whoever changed the email may know your old one."
        )
