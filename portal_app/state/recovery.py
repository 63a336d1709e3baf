"""Forgot password, reset password and invitation acceptance: the signed-out account pages."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.accounts import auth, invites, password_reset, throttle
from portal_app.services.common.inputs import is_utf8
from portal_app.state.client import caller_address
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.session import HOME_ROUTE, LOGIN_ROUTE, SessionState
from portal_app.state.sign_in_branding import SignInBrandingState, show_branding
from portal_app.state.staff import STAFF_ROUTE

log = logging.getLogger("portal.recovery")

SENT_NOTICE = "If an account exists for that address, we sent a link to reset the password. It works for one hour."
MAX_EMAIL_LENGTH = 254
MISMATCH = "The two passwords do not match."
# The forms' fields: the service's argument -> the field's element id.
RESET_FIELDS = {"new_password": "password"}
INVITE_FIELDS = {"password": "password", "name": "name"}
_background: set[asyncio.Future] = set()


def _log_failure(sending: asyncio.Future) -> None:
    _background.discard(sending)
    if not sending.cancelled() and sending.exception() is not None:
        log.error("password reset request failed", exc_info=sending.exception())


class ForgotPasswordState(FieldErrors, SessionState):
    """Asks for a reset link; the answer never says whether the account exists."""

    notice: str = ""
    error: str = ""

    @rx.event
    async def load_forgot(self):
        """Start with an empty form, in the provider's look."""
        self.notice = ""
        self.error = ""
        self._clear_field_errors()
        await show_branding(self)

    @rx.event
    async def request_link(self, form: dict):
        """Queue the reset email off the event loop and answer at once, the same for every address."""
        raw = form_field(form, "email")
        email = raw.strip() if isinstance(raw, str) else ""
        self.error = self.notice = ""
        self._clear_field_errors()
        if not email:
            return self._show_at_field("email", "Enter the email address you sign in with.")
        if len(email) > MAX_EMAIL_LENGTH:
            return self._show_at_field("email", "That email address is too long.")
        if not is_utf8(email):
            return self._show_at_field("email", "Enter a valid email address.")
        allowance = await self._call_public(
            throttle.spend_reset_request, auth.normalise_email(email), caller_address(self)
        )
        if allowance.retry_minutes:
            minutes = allowance.retry_minutes
            unit = "minute" if minutes == 1 else "minutes"
            self.error = f"Too many reset requests from your network. Try again in {minutes} {unit}."
            return None
        if allowance.send:  # in the background: waiting for the mail server would show which addresses have accounts
            sending = asyncio.ensure_future(self._call_public(password_reset.request_reset, email))
            _background.add(sending)
            sending.add_done_callback(_log_failure)
        self.notice = SENT_NOTICE
        return None


def _token_from_url(state: rx.State) -> str:
    return state.router.url.query_parameters.get("token", "")[:128]


class ResetPasswordState(FieldErrors, SessionState):
    """Sets a new password from an emailed single-use link."""

    link_problem: str = ""
    error: str = ""
    checked: bool = False

    @rx.event
    async def load_reset(self):
        """Check the link before showing the form."""
        self.error = ""
        self._clear_field_errors()
        self.checked = False
        await show_branding(self)
        self.link_problem = await self._call_public(password_reset.check_reset_token, _token_from_url(self)) or ""
        self.checked = True

    @rx.event
    async def set_password(self, form: dict):
        """Validate and store the new password; every session of the user ends."""
        self.error = ""
        self._clear_field_errors()
        password = form_field(form, "password")
        if password != form_field(form, "confirm"):
            return self._show_at_field("confirm", MISMATCH)
        try:
            await self._call_public_hashing(password_reset.complete_reset, _token_from_url(self), password)
        except PortalError as refused:
            return self._refuse(refused, RESET_FIELDS)
        (await self._cookies()).reset()
        org = (await self.get_state(SignInBrandingState)).brand_query.replace("?", "&")  # keep the provider's look
        return rx.redirect(f"{LOGIN_ROUTE}?reset=done{org}", replace=True)


class AcceptInviteState(FieldErrors, SessionState):
    """Sets the password from an invitation link and signs the person in."""

    link_problem: str = ""
    error: str = ""
    checked: bool = False
    invited_email: str = ""
    invited_name: str = ""
    invited_org: str = ""
    invited_customer: str = ""
    # The invited person already signs in: they accept with their own password, and choose none.
    has_account: bool = False
    _for_staff: bool = False  # a staff invitation: the person lands in the console

    @rx.event
    async def load_invite(self):
        """Check the invitation before showing the form."""
        self.error = ""
        self._clear_field_errors()
        self.checked = False
        await show_branding(self)
        info = await self._call_public(invites.check_invite_token, _token_from_url(self))
        if isinstance(info, str):
            self.link_problem = info
        else:
            self.link_problem = ""
            self.invited_email = info.email
            self.invited_name = info.name
            self.invited_org = info.organisation_name
            self.invited_customer = info.customer_name
            self.has_account = info.has_password
            self._for_staff = info.for_staff
        self.checked = True

    @rx.event
    async def accept(self, form: dict):
        """Store the new person's password (or check an existing account's), then open a session and land in the
        portal."""
        self.error = ""
        self._clear_field_errors()
        password = form_field(form, "password")
        name = form_field(form, "name")
        if not self.has_account and password != form_field(form, "confirm"):
            return self._show_at_field("confirm", MISMATCH)
        try:
            token = await self._call_public_hashing(
                invites.accept_and_sign_in,
                _token_from_url(self),
                password,
                name,
                user_agent=self.router.headers.user_agent,
                client_ip=caller_address(self),
            )
        except PortalError as refused:
            return self._refuse(refused, INVITE_FIELDS)
        if not token:  # two-factor sign-in is on: the code step of the sign-in page must come first
            return rx.redirect(LOGIN_ROUTE, replace=True)
        await self._keep_session(token, remember=False)
        return rx.redirect(STAFF_ROUTE if self._for_staff else HOME_ROUTE, replace=True)
