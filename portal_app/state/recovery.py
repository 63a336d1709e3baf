"""Forgot password, reset password and invitation acceptance: the signed-out account pages."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from portal_app.db import session_scope
from portal_app.services.accounts import auth, invites, password_reset, sessions, throttle, two_factor
from portal_app.services.accounts.invites import InviteInfo
from portal_app.services.common.errors import PortalError
from portal_app.services.common.inputs import is_utf8
from portal_app.state.client import caller_address
from portal_app.state.forms import form_field
from portal_app.state.hashing import with_hashing
from portal_app.state.session import HOME_ROUTE, LOGIN_ROUTE, SessionState

log = logging.getLogger("portal.recovery")

SENT_NOTICE = "If an account exists for that address, we sent a link to reset the password. It works for one hour."
MAX_EMAIL_LENGTH = 254
_background: set[asyncio.Future] = set()


def _request_reset(email: str) -> None:
    try:
        with session_scope() as db:
            password_reset.request_reset(db, email)
    except Exception:
        log.exception("password reset request failed")


def _spend_reset_request(email: str, client_ip: str) -> throttle.ResetAllowance:
    with session_scope() as db:
        return throttle.spend_reset_request(db, auth.normalise_email(email), client_ip)


class ForgotPasswordState(SessionState):
    """Asks for a reset link; the answer never says whether the account exists."""

    notice: str = ""
    error: str = ""

    @rx.event
    def load_forgot(self):
        """Start with an empty form."""
        self.notice = ""
        self.error = ""

    @rx.event
    async def request_link(self, form: dict):
        """Queue the reset email off the event loop and answer at once, the same for every address."""
        raw = form_field(form, "email")
        email = raw.strip() if isinstance(raw, str) else ""
        self.error = ""
        if not email:
            self.error = "Enter the email address you sign in with."
            return
        if len(email) > MAX_EMAIL_LENGTH:
            self.error = "That email address is too long."
            return
        if not is_utf8(email):
            self.error = "Enter a valid email address."
            return
        allowance = await asyncio.to_thread(_spend_reset_request, email, caller_address(self))
        if allowance.retry_minutes:
            minutes = allowance.retry_minutes
            unit = "minute" if minutes == 1 else "minutes"
            self.error = f"Too many reset requests from your network. Try again in {minutes} {unit}."
            return
        if allowance.send:
            future = asyncio.get_running_loop().run_in_executor(None, _request_reset, email)
            _background.add(future)
            future.add_done_callback(_background.discard)
        self.notice = SENT_NOTICE


def _token_from_url(state: rx.State) -> str:
    return state.router.url.query_parameters.get("token", "")[:128]


def _check_reset(token: str) -> str | None:
    with session_scope() as db:
        return password_reset.check_reset_token(db, token)


def _complete_reset(token: str, password: object) -> None:
    with session_scope() as db:
        password_reset.complete_reset(db, token, password)


class ResetPasswordState(SessionState):
    """Sets a new password from an emailed single-use link."""

    link_problem: str = ""
    error: str = ""
    checked: bool = False

    @rx.event
    async def load_reset(self):
        """Check the link before showing the form."""
        self.error = ""
        self.checked = False
        self.link_problem = await asyncio.to_thread(_check_reset, _token_from_url(self)) or ""
        self.checked = True

    @rx.event
    async def set_password(self, form: dict):
        """Validate and store the new password; every session of the user ends."""
        password = form_field(form, "password")
        if password != form_field(form, "confirm"):
            self.error = "The two passwords do not match."
            return None
        try:
            await with_hashing(_complete_reset, _token_from_url(self), password)
        except PortalError as refused:
            self.error = refused.message
            return None
        self.browser_token, self.remembered_token = "", ""
        return rx.redirect(f"{LOGIN_ROUTE}?reset=done", replace=True)


def _check_invite(token: str) -> InviteInfo | str:
    with session_scope() as db:
        return invites.check_invite_token(db, token)


def _accept_invite(token: str, password: object, name: object, user_agent: str, client_ip: str) -> str:
    """Accept the invitation and open a session; "" when the person must sign in with their second step."""
    with session_scope() as db:
        user_id = invites.accept_invite(db, token, password, name)
        if two_factor.is_enabled(db, user_id):
            return ""
        return sessions.open_session(db, user_id, remember=False, user_agent=user_agent, client_ip=client_ip)


class AcceptInviteState(SessionState):
    """Sets the password from an invitation link and signs the person in."""

    link_problem: str = ""
    error: str = ""
    checked: bool = False
    invited_email: str = ""
    invited_name: str = ""
    invited_org: str = ""

    @rx.event
    async def load_invite(self):
        """Check the invitation before showing the form."""
        self.error = ""
        self.checked = False
        info = await asyncio.to_thread(_check_invite, _token_from_url(self))
        if isinstance(info, str):
            self.link_problem = info
        else:
            self.link_problem = ""
            self.invited_email = info.email
            self.invited_name = info.name
            self.invited_org = info.organisation_name
        self.checked = True

    @rx.event
    async def accept(self, form: dict):
        """Store the password, then open a session and land in the portal."""
        password = form_field(form, "password")
        name = form_field(form, "name")
        if password != form_field(form, "confirm"):
            self.error = "The two passwords do not match."
            return None
        try:
            token = await with_hashing(
                _accept_invite,
                _token_from_url(self),
                password,
                name,
                self.router.headers.user_agent,
                caller_address(self),
            )
        except PortalError as refused:
            self.error = refused.message
            return None
        if not token:  # two-factor sign-in is on: the code step of the sign-in page must come first
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self.browser_token, self.remembered_token = token, ""
        return rx.redirect(HOME_ROUTE, replace=True)
