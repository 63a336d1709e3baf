"""The base state: who is signed in, decided on the server from an opaque cookie token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar
from urllib.parse import quote

import reflex as rx
from reflex.istate.proxy import StateProxy

from portal_app.config import settings
from portal_app.db import WouldWrite
from portal_app.services.accounts import branding, sessions
from portal_app.services.accounts.header import OrganisationOption, PageHeader, header_and_page
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.reads import is_database_only
from portal_app.state.hashing import with_hashing
from portal_app.state.unit_of_work import SignedOut, as_principal, in_session, read_on_loop, reads_on_loop

LOGIN_ROUTE = "/portal/login"
HOME_ROUTE = "/portal"
REMEMBER_SECONDS = settings().session_days_remembered * 24 * 3600
SECURE_COOKIES = settings().public_url.startswith("https://")
NOT_AVAILABLE = "That organisation is not available."
SIGNED_OUT_FOR_SAFETY = "signed_out=safety"
R = TypeVar("R")

__all__ = ["HOME_ROUTE", "LOGIN_ROUTE", "SessionCookies", "SessionState", "SignedOut", "safe_next"]


def safe_next(target: str) -> str:
    """Only same-site portal or staff-area paths are allowed as a post-sign-in destination."""
    area = target.split("?", 1)[0].rstrip("/")
    if area in {"/portal", "/staff"} or area.startswith(("/portal/", "/staff/")):
        return target if "\\" not in target and "//" not in target else HOME_ROUTE
    return HOME_ROUTE


class SessionCookies(rx.State):
    """The browser's session cookies, in a leaf state of their own.

    The browser sends them with every client-side navigation (`update_vars_internal`), and with the Redis state
    manager a state is loaded together with all of its substates: under SessionState they pulled every page state
    of the tab (over forty) out of Redis, or built it afresh, on each navigation. Here a navigation loads only this.
    Reflex writes cookies from JavaScript, so they cannot be HttpOnly (see SECURITY.md); they are Secure whenever
    the portal is served over HTTPS."""

    # The browser holds only an opaque random token; a session cookie unless "Remember me".
    browser_token: str = rx.Cookie("", name="portal_session", same_site="lax", secure=SECURE_COOKIES)
    remembered_token: str = rx.Cookie(
        "", name="portal_remember", max_age=REMEMBER_SECONDS, same_site="lax", secure=SECURE_COOKIES
    )


class SessionState(rx.State):
    """Holds the header, and runs every service call as the person signed in with the tab's `SessionCookies`.

    Handlers never open database sessions: `_call` resolves the token and runs one service function
    in one database session off the event loop (raising SignedOut when nobody is signed in), and
    `_open_page` does the same for a page load together with the header (on the loop for a `database_only`
    read of SQLite: see unit_of_work.py)."""

    user_name: str = ""
    user_email: str = ""
    org_name: str = branding.DEFAULT_NAME
    org_logo: str = ""
    org_colour: str = branding.DEFAULT_COLOUR
    org_choices: list[OrganisationOption] = []
    active_customer: str = ""
    linked: bool = True
    # False until a page load has read the header: the shell shows placeholders, not the default name.
    header_loaded: bool = False

    async def _cookies(self) -> SessionCookies:
        return await self.get_state(SessionCookies)

    async def _token(self) -> str:
        if isinstance(self, StateProxy) and not self._is_mutable():
            # A background task between its `async with self` blocks (checking a payment, staging files): another
            # state is only read under the lock.
            async with self:
                return await self._token()
        cookies = await self._cookies()
        return cookies.browser_token or cookies.remembered_token

    async def _keep_session(self, token: str, *, remember: bool) -> None:
        """Hold a new session's token: in the lasting cookie with "Remember me", else in the browser-session one."""
        cookies = await self._cookies()
        cookies.browser_token, cookies.remembered_token = ("", token) if remember else (token, "")

    async def _call(self, work: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """`work(db, principal, *args, **kwargs)` as the signed-in person, in one database session in a
        worker thread; returns its plain result. Raises SignedOut; a service's PortalError passes through."""
        return await asyncio.to_thread(as_principal, await self._token(), work, args, kwargs)

    async def _call_hashing(self, work: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Like `_call`, on the password-hashing pool: for work that checks or makes a bcrypt hash."""
        return await with_hashing(as_principal, await self._token(), work, args, kwargs)

    async def _call_public(self, work: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """`work(db, *args, **kwargs)` in one database session in a worker thread, for pages used signed out."""
        return await asyncio.to_thread(in_session, work, args, kwargs)

    async def _call_public_hashing(self, work: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Like `_call_public`, on the password-hashing pool: for signed-out pages that set a password."""
        return await with_hashing(in_session, work, args, kwargs)

    async def _open_page(self, read: Callable[..., R], *args: Any, **kwargs: Any) -> R | None:
        """A customer page's load: the header and `read(db, principal, ...)` in one unit of work.

        Returns what `read` returns, or None when the person is not linked to a customer (the page
        then says so). Raises SignedOut: the handler answers with `self._login_redirect()`."""
        opened = None
        if is_database_only(read) and reads_on_loop():
            with suppress(WouldWrite):  # the session's last-seen touch: on a worker thread, where a lock wait is fine
                opened = read_on_loop(await self._token(), header_and_page, (read, *args), kwargs)
        header, data = opened or await self._call(header_and_page, read, *args, **kwargs)
        self._show_header(header)
        return data

    async def _principal(self) -> Principal | None:
        """The signed-in principal according to the database, or None."""
        token = await self._token()
        return await self._call_public(sessions.resolve, token) if token else None

    def _login_redirect(self) -> rx.event.EventSpec:
        path = self.router.url.path or HOME_ROUTE
        query = self.router.url.query
        target = f"{path}?{query}" if query else path
        return rx.redirect(f"{LOGIN_ROUTE}?next={quote(safe_next(target), safe='')}", replace=True)

    def _show_header(self, header: PageHeader) -> None:
        self.user_name = header.user_name
        self.user_email = header.user_email
        self.org_name = header.branding.name
        self.org_logo = header.branding.logo_url
        self.org_colour = header.branding.colour
        self.org_choices = header.choices
        self.active_customer = header.active_customer
        self.linked = header.linked
        self.header_loaded = True

    @rx.event
    async def switch_organisation(self, customer_id: str):
        """Act as another of the person's customer records (only their own)."""
        chosen = parse_id(customer_id)
        try:
            switched = chosen is not None and await self._call(sessions.switch_customer, chosen)
        except SignedOut:
            return self._login_redirect()
        if not switched:
            return rx.toast.error(NOT_AVAILABLE)
        return rx.redirect(self.router.url.path or HOME_ROUTE)

    @rx.event
    async def sign_out(self):
        """End this browser's session on the server and forget everything this person's pages showed."""
        await self._forget_person()
        return rx.redirect(LOGIN_ROUTE, replace=True)

    async def _signed_out_for_safety(self) -> rx.event.EventSpec:
        """Too many wrong proofs ended every session of the person: forget them here too, say why on sign-in."""
        await self._forget_person()
        return rx.redirect(f"{LOGIN_ROUTE}?{SIGNED_OUT_FOR_SAFETY}", replace=True)

    async def _forget_person(self) -> None:
        """End the tab's session on the server, if any, and reset the session state and every page state under
        it (the tokens included), so whoever uses the tab next finds nothing of this person in any state."""
        token = await self._token()
        if token:
            await self._call_public(sessions.end_session, token)
        session = await self.get_state(SessionState)
        for page_state in _page_states(SessionState):
            await session.get_state(page_state)  # loaded, so the reset below reaches it
        session.reset()
        (await self._cookies()).reset()


def _page_states(state: type[SessionState]) -> list[type[SessionState]]:
    return [page for sub in state.get_substates() for page in (sub, *_page_states(sub))]
