"""The sign-in form, and its second step when two-factor sign-in is on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.accounts import auth, devices, proofs
from portal_app.state.client import caller_address
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.hashing import with_hashing
from portal_app.state.session import SECURE_COOKIES, SessionState, safe_next
from portal_app.state.sign_in_branding import show_branding

DEVICE_SECONDS = devices.LIFETIME_DAYS * 24 * 3600
# The forms' fields: the service's argument -> the field's element id. A wrong email or password is the whole
# form's message: it must not say which of the two is wrong.
PASSWORD_STEP_FIELDS = {"email": "email", "password": "password"}
CODE_STEP_FIELDS = {"code": "code"}


class DeviceState(rx.State):
    """The browser's device cookie (services/accounts/devices.py): meaningless without the installation key.

    It lives outside SessionState on purpose: signing out resets every per-person state, but the browser
    stays one the person signed in with, so it keeps its own failure budget during an attack."""

    device_cookie: str = rx.Cookie(
        "", name="portal_device", max_age=DEVICE_SECONDS, same_site="lax", secure=SECURE_COOKIES
    )


class LoginState(FieldErrors, SessionState):
    """Email + password + Remember me, then (when on) a code; errors are generic so accounts cannot be guessed."""

    error: str = ""
    notice: str = ""
    busy: bool = False
    second_step: bool = False
    # The pending sign-in's token stays on the server (backend-only var): the browser only learns a step is due.
    _second_step_token: str = ""

    @rx.event
    async def load_login(self):
        """Already signed in: go straight to the portal. Opening the page starts a sign-in afresh."""
        self.error = ""
        self._clear_field_errors()
        self.busy = False
        self._forget_second_step()
        params = self.router.url.query_parameters
        await show_branding(self)
        if params.get("reset") == "done":
            self.notice = "Your password has been changed. Sign in with your new password."
        elif params.get("signed_out") == "safety":
            self.notice = proofs.SIGNED_OUT
        else:
            self.notice = ""
        if await self._principal() is not None:
            return rx.redirect(self._next(), replace=True)
        return None

    def _next(self) -> str:
        return safe_next(self.router.url.query_parameters.get("next", ""))

    async def _slow_down(self, delay: Callable[..., float], *args: object) -> None:
        """Wait as long as recent failures ask before checking (on the event loop: no worker thread is held)."""
        seconds = await self._call_public(delay, *args)
        if seconds:
            await asyncio.sleep(seconds)

    def _forget_second_step(self) -> None:
        self.second_step = False
        self._second_step_token = ""

    async def _device_cookie(self) -> str:
        return (await self.get_state(DeviceState)).device_cookie

    async def _signed_in(self, outcome: auth.SignInOutcome):
        """Keep the new session's token in the right cookie and the new device cookie, and go on; a session this
        tab had before ends, and nothing of its person stays in the tab."""
        target = self._next()
        await self._forget_person()
        if outcome.device_cookie:
            (await self.get_state(DeviceState)).device_cookie = outcome.device_cookie
        await self._keep_session(outcome.session_token, remember=outcome.remember)
        return rx.redirect(target, replace=True)

    @rx.event
    async def sign_in(self, form: dict):
        """Check the credentials off the event loop; open a session or ask for the second step."""
        if self.busy:
            return None
        self.error = ""
        self._clear_field_errors()
        self._forget_second_step()
        attempt = auth.SignInAttempt(
            email=form_field(form, "email"),
            password=form_field(form, "password"),
            remember=form_field(form, "remember") in (True, "on", "true", "1"),
            client_ip=caller_address(self),
            user_agent=self.router.headers.user_agent,
            device_cookie=await self._device_cookie(),
        )
        self.busy = True
        try:
            await self._slow_down(auth.sign_in_delay, attempt)
            outcome = await with_hashing(auth.sign_in, attempt)
        except PortalError as refused:
            return self._refuse(refused, PASSWORD_STEP_FIELDS)
        finally:
            self.busy = False
        if outcome.second_step_token:
            self._second_step_token = outcome.second_step_token
            self.second_step = True
            return None
        return await self._signed_in(outcome)

    @rx.event
    async def finish_sign_in(self, form: dict):
        """Check the code from the authenticator app (or a recovery code) for the pending sign-in."""
        if self.busy:
            return None
        self.error = ""
        self._clear_field_errors()
        if not self._second_step_token:
            self._forget_second_step()
            self.error = auth.SECOND_STEP_ENDED
            return None
        code = form_field(form, "code")
        client, device = caller_address(self), await self._device_cookie()
        self.busy = True
        try:
            await self._slow_down(auth.second_step_delay, self._second_step_token, client, device)
            outcome = await asyncio.to_thread(auth.finish_sign_in, self._second_step_token, code, client, device)
        except auth.SecondStepEnded as ended:
            self._forget_second_step()
            self.error = ended.message
            return None
        except PortalError as refused:
            return self._refuse(refused, CODE_STEP_FIELDS)
        finally:
            self.busy = False
        self._forget_second_step()
        return await self._signed_in(outcome)

    @rx.event
    def restart_sign_in(self):
        """Leave the second step and show the email and password form again."""
        self.error = ""
        self._clear_field_errors()
        self._forget_second_step()
