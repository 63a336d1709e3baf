"""The Reflex app class of the portal: rx.App whose server sends the security headers on everything."""

from __future__ import annotations

import reflex as rx
from reflex.utils import prerequisites
from reflex_base import constants
from starlette.types import ASGIApp

from portal_app.api.security_headers import SecurityHeadersMiddleware, inline_script_hashes
from portal_app.config import settings
from portal_app.db import session_scope
from portal_app.services.accounts.demo_accounts import refuse_published_passwords


class PortalApp(rx.App):
    """rx.App with SecurityHeadersMiddleware around the complete ASGI app it serves.

    The server (granian, or uvicorn) calls the app object to get its ASGI app. Wrapping that result,
    rather than using `api_transformer`, also covers what Reflex adds outside the transformers: its
    CORS middleware's pre-flight answers. By then the production build exists, so the hashes of the
    built pages' inline scripts can be read for the Content-Security-Policy.
    """

    def __call__(self) -> ASGIApp:
        """The ASGI app of the server, with the security headers on every response; a public (https) portal whose
        demo accounts keep the published password refuses to start."""
        with session_scope() as db:
            refuse_published_passwords(db, settings().public_url)
        asgi_app = super().__call__()  # compiles (and in preview mode builds) the frontend first
        static_dir = prerequisites.get_web_dir() / constants.Dirs.STATIC
        hashes = inline_script_hashes(static_dir)
        return SecurityHeadersMiddleware(asgi_app, public_url=settings().public_url, script_hashes=hashes)
