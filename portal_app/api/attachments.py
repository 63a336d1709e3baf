"""GET /api/attachments/{id}: a file attached to a ticket, for the ticket's customer and its organisation's staff.

The session cookie is checked on every request (api/documents.py keeps the cookie names and the refusal page).
Every file is sent as a download (`Content-Disposition: attachment`), except an image asked for with `?inline=1`
(the thread's thumbnails); the type is the one read from the content at upload, never sniffed by the browser.
Signed out: 403; anyone else's file, a staged file, a bad id: 404; each as a short page, never the file."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from portal_app.api.documents import PRIVATE, SESSION_COOKIES, SIGN_IN, message_page
from portal_app.db import session_scope
from portal_app.errors import NotFound
from portal_app.services.accounts import sessions
from portal_app.services.common.inputs import parse_id
from portal_app.services.support.attachments import (
    ATTACHMENT_NOT_FOUND,
    AttachmentFile,
    attachment_file,
    content_disposition,
)

SIGNED_OUT = "Please sign in to open this file."
BACK = "/portal/support"
# The file is shown on its own (an image opened from its thumbnail): nothing in it runs or loads anything.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


async def attachment_download(request: Request) -> Response:
    """The file, or a page saying why not (no file)."""
    token = next((value for name in SESSION_COOKIES if (value := request.cookies.get(name))), "")
    if not token:
        return _signed_out()
    try:
        found = await run_in_threadpool(_lookup, token, request.path_params["attachment_id"])
    except NotFound:
        return message_page(404, ATTACHMENT_NOT_FOUND, "Back to support", BACK)
    if found is None:
        return _signed_out()
    inline = found.is_image and request.query_params.get("inline") == "1"
    return FileResponse(
        found.path,
        media_type=f"{found.content_type}; charset=utf-8" if found.content_type == "text/plain" else found.content_type,
        headers={
            **PRIVATE,
            "Content-Disposition": content_disposition("inline" if inline else "attachment", found.name),
            "Content-Security-Policy": FILE_POLICY,
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


def _lookup(token: str, raw_id: str) -> AttachmentFile | None:
    """Who asks and the file they may have (blocking: runs in a worker thread); None when the session is over."""
    attachment_id = parse_id(raw_id)
    if attachment_id is None:
        raise NotFound(ATTACHMENT_NOT_FOUND)
    with session_scope() as db:
        principal = sessions.resolve(db, token)
        return attachment_file(db, principal, attachment_id) if principal is not None else None


def _signed_out() -> Response:
    return message_page(403, SIGNED_OUT, "Sign in", SIGN_IN)
