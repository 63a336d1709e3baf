"""GET /api/logos/{slug}: an organisation's uploaded logo, public because sign-in pages show it.

The file is served with the type its content was checked to be; an SVG also gets a Content-Security-Policy
that lets it be nothing but a picture (no script, no fetches, sandboxed) even when opened on its own."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.services.accounts.branding import published_logo
from portal_app.services.accounts.logos import content_type

IMAGE_ONLY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'none'"
HEADERS = {
    "Cache-Control": "public, max-age=300",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": IMAGE_ONLY_POLICY,
    "Cross-Origin-Resource-Policy": "same-site",
}


async def organisation_logo(request: Request) -> Response:
    """The logo's bytes with its Content-Type, or 404 when the organisation or its logo is unknown."""
    try:
        found = await run_in_threadpool(_read, request.path_params.get("slug", ""))
    except PortalError:
        return Response(status_code=503, headers={"Cache-Control": "no-store"})
    if found is None:
        return Response("No logo.", status_code=404, media_type="text/plain", headers={"Cache-Control": "no-store"})
    path, content = found
    return Response(content, media_type=content_type(path), headers=HEADERS)


def _read(slug: str) -> tuple[Path, bytes] | None:
    with session_scope() as db:
        path = published_logo(db, slug)
    if path is None:
        return None
    try:
        return path, path.read_bytes()
    except OSError:
        return None
