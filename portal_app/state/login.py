"""The sign-in form."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app.services import auth
from portal_app.services.errors import PortalError
from portal_app.state.session import SessionState, safe_next


class LoginState(SessionState):
    """Email + password + Remember me; errors are generic so accounts cannot be guessed."""

    error: str = ""
    notice: str = ""
    busy: bool = False

    @rx.event
    def load_login(self):
        """Already signed in: go straight to the portal."""
        self.error = ""
        self.busy = False
        done = self.router.url.query_parameters.get("reset") == "done"
        self.notice = "Your password has been changed. Sign in with your new password." if done else ""
        if self._principal() is not None:
            return rx.redirect(self._next(), replace=True)
        return None

    def _next(self) -> str:
        return safe_next(self.router.url.query_parameters.get("next", ""))

    @rx.event
    async def sign_in(self, form: dict):
        """Check the credentials off the event loop and open a server-side session."""
        if self.busy:
            return None
        self.error = ""
        attempt = auth.SignInAttempt(
            email=str(form.get("email", "")),
            password=str(form.get("password", "")),
            remember=form.get("remember") in (True, "on", "true", "1"),
            client_ip=self.router.session.client_ip,
            user_agent=self.router.headers.user_agent,
        )
        self.busy = True
        try:
            token = await asyncio.to_thread(auth.sign_in, attempt)
        except PortalError as refused:
            self.error = refused.message
            return None
        finally:
            self.busy = False
        if attempt.remember:
            self.remembered_token, self.browser_token = token, ""
        else:
            self.browser_token, self.remembered_token = token, ""
        return rx.redirect(self._next(), replace=True)
