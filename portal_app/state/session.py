"""The base state: who is signed in, decided on the server from an opaque cookie token."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from urllib.parse import quote

import reflex as rx
from sqlmodel import Session

from portal_app.config import settings
from portal_app.db import session_scope
from portal_app.services.access import CustomerScope, NotLinked, customer_scope
from portal_app.services.accounts import branding, sessions
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.inputs import parse_id

LOGIN_ROUTE = "/portal/login"
HOME_ROUTE = "/portal"
REMEMBER_SECONDS = settings().session_days_remembered * 24 * 3600
SECURE_COOKIES = settings().public_url.startswith("https://")


def safe_next(target: str) -> str:
    """Only same-site portal or staff-area paths are allowed as a post-sign-in destination."""
    area = target.split("?", 1)[0].rstrip("/")
    if area in {"/portal", "/staff"} or area.startswith(("/portal/", "/staff/")):
        return target if "\\" not in target and "//" not in target else HOME_ROUTE
    return HOME_ROUTE


class SessionState(rx.State):
    """Holds the session cookies and the header; every handler asks `_principal()` first (from a
    worker thread in async handlers: it reads the database)."""

    # The browser holds only an opaque random token; a session cookie unless "Remember me".
    # Reflex writes cookies from JavaScript, so they cannot be HttpOnly (see SECURITY.md); they are
    # Secure whenever the portal is served over HTTPS.
    browser_token: str = rx.Cookie("", name="portal_session", same_site="lax", secure=SECURE_COOKIES)
    remembered_token: str = rx.Cookie(
        "", name="portal_remember", max_age=REMEMBER_SECONDS, same_site="lax", secure=SECURE_COOKIES
    )

    user_name: str = ""
    user_email: str = ""
    org_name: str = branding.DEFAULT_NAME
    org_logo: str = ""
    org_colour: str = branding.DEFAULT_COLOUR
    org_choices: list[dict[str, str]] = []
    active_customer: str = ""
    linked: bool = True

    def _token(self) -> str:
        return self.browser_token or self.remembered_token

    def _principal(self, db: Session | None = None) -> Principal | None:
        """The signed-in principal according to the database (in `db` when given), or None."""
        token = self._token()
        if not token:
            return None
        if db is not None:
            return sessions.resolve(db, token)
        with session_scope() as own:
            return sessions.resolve(own, token)

    def _login_redirect(self) -> rx.event.EventSpec:
        path = self.router.url.path or HOME_ROUTE
        query = self.router.url.query
        target = f"{path}?{query}" if query else path
        return rx.redirect(f"{LOGIN_ROUTE}?next={quote(safe_next(target), safe='')}", replace=True)

    def _fill_header(self, principal: Principal, db: Session | None = None) -> CustomerScope | None:
        """The header's person, organisation switcher and branding (in `db` when given); returns
        the customer scope it read (None when unlinked)."""
        if db is None:
            with session_scope() as own:
                return self._fill_header(principal, own)
        choices = sessions.organisation_choices(db, principal)
        scope = customer_scope(db, principal) if principal.customer_id else None
        brand = branding.branding_of(scope.organisation if scope else None)
        self.user_name = principal.user_name or principal.user_email
        self.user_email = principal.user_email
        self.org_name = brand.name
        self.org_logo = brand.logo_url
        self.org_colour = brand.colour
        self.org_choices = [
            {"value": str(c.customer_id), "label": f"{c.organisation_name} ({c.customer_name})"} for c in choices
        ]
        self.active_customer = str(principal.customer_id or "")
        self.linked = principal.customer_id is not None
        return scope

    async def _load_page(self, show: Callable[[Session, Principal], None]):
        """A page's on_load: signed-out visitors go to sign in; otherwise fill the header and
        let `show` read the current customer's data (nothing to show when unlinked).

        The database reads run in one worker-thread hop so a page does not hold up every other
        tab's events on the event loop; the state stays locked to this event meanwhile."""
        signed_in = await asyncio.to_thread(self._read_page, show)
        return None if signed_in else self._login_redirect()

    def _read_page(self, show: Callable[[Session, Principal], None]) -> bool:
        """Resolve the session, fill the header and show the page in one database session (its
        identity map reads the customer and organisation once); False when nobody is signed in."""
        if not self._token():
            return False
        with session_scope() as db:
            principal = self._principal(db)
            if principal is None:
                return False
            # Holding the scope keeps its customer and organisation in the session's (weak) identity
            # map, so the page's own customer_scope() calls do not read them again.
            _scope = self._fill_header(principal, db)
            with contextlib.suppress(NotLinked):  # unlinked: the page says so, nothing to read
                show(db, principal)
        return True

    @rx.event
    def switch_organisation(self, customer_id: str):
        """Act as another of the person's customer records (only their own)."""
        principal = self._principal()
        if principal is None:
            return self._login_redirect()
        chosen = parse_id(customer_id)
        if chosen is None:
            return rx.toast.error("That organisation is not available.")
        with session_scope() as db:
            switched = sessions.switch_customer(db, principal, chosen)
        if not switched:
            return rx.toast.error("That organisation is not available.")
        return rx.redirect(self.router.url.path or HOME_ROUTE)

    @rx.event
    async def sign_out(self):
        """End this browser's session on the server and forget the token."""
        token = self._token()
        if token:
            await asyncio.to_thread(_end_session, token)
        self._forget_tokens()
        return rx.redirect(LOGIN_ROUTE, replace=True)

    def _forget_tokens(self) -> None:
        self.browser_token = ""
        self.remembered_token = ""
        self.user_name = ""
        self.user_email = ""
        self.org_choices = []
        self.active_customer = ""


def _end_session(token: str) -> None:
    with session_scope() as db:
        sessions.end_session(db, token)
