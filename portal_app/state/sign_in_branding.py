"""The provider's look on the signed-out pages (sign-in, forgot password, reset, invitation): chosen by
`?org=<slug>` or by the host name the portal is reached at; the neutral portal look otherwise."""

from __future__ import annotations

import reflex as rx
from reflex import constants
from reflex.config import environment, get_config
from reflex.istate.data import RouterData

from portal_app.errors import PortalError
from portal_app.services.accounts.branding import Branding, sign_in_branding
from portal_app.state.session import SessionState


def api_base() -> str:
    """Where the portal's API is served from the browser's view: the page's own origin (""), except in dev mode,
    where it runs on the backend's port."""
    if environment.REFLEX_ENV_MODE.get() == constants.Env.DEV:
        return get_config().api_url.rstrip("/")
    return ""


def served_url(url: str) -> str:
    """A URL of the portal's API (a logo) as the browser must fetch it."""
    return api_base() + url if url.startswith("/api/") else url


class SignInBrandingState(SessionState):
    """Name, logo and colour of the provider whose sign-in page this is; `brand_name` empty: the neutral look."""

    brand_name: str = ""
    brand_logo: str = ""
    brand_colour: str = ""
    # Carried on the links between the signed-out pages, so the look stays the provider's (empty by host name).
    brand_query: str = ""

    async def _show_branding_for(self, router: RouterData) -> None:
        """Read the look for the page the router describes (its ?org= and its host name)."""
        slug = router.url.query_parameters.get("org", "")[:64]
        host = router.url.netloc or router.headers.host
        try:
            branding = await self._call_public(sign_in_branding, host, slug)
        except PortalError:  # the database is down: the page says so when it is used; the look stays neutral
            branding = Branding()
        if branding.slug:
            self.brand_name = branding.name
            self.brand_logo = served_url(branding.logo_url)
            self.brand_colour = branding.colour
            self.brand_query = f"?org={branding.slug}" if slug else ""
        else:
            self.brand_name = self.brand_logo = self.brand_colour = self.brand_query = ""


async def show_branding(state: rx.State) -> None:
    """Give the signed-out page `state` its provider's look (call from the page's load handler)."""
    branding = await state.get_state(SignInBrandingState)
    await branding._show_branding_for(state.router)
