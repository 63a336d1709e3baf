"""An address that is no page: the portal's shell with the provider's header and the tabs around the message."""

from __future__ import annotations

import reflex as rx

from portal_app.services.accounts.header import page_header
from portal_app.state.session import SessionState, SignedOut


class NotFoundState(SessionState):
    """Reads only the header: the page itself has no data."""

    @rx.event
    async def load_not_found(self):
        """Show the header (redirects to sign-in when signed out, then back to the same address)."""
        try:
            header = await self._call(page_header)
        except SignedOut:
            return self._login_redirect()
        self._show_header(header)
        return None
