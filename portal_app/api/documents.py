"""A signed-in customer's own document as a PDF, through a signed short-lived link (invoices, receipts).

A link signed for this person, customer and document that has only expired (a page left open for an hour) is
answered with a redirect to a freshly signed one: the session cookie and ownership are checked on every request,
so an open page's links keep working. Signed out, not theirs, or tampered: a short page that says so, with a way back.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from portal_app.db import session_scope
from portal_app.errors import NotFound
from portal_app.services.accounts import sessions
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.inputs import parse_id

# The cookies SessionState keeps the opaque session token in (browser session, then "Remember me").
SESSION_COOKIES = ("portal_session", "portal_remember")
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
SIGN_IN = "/portal/login"

Endpoint = Callable[[Request], Awaitable[Response]]
CheckLink = Callable[..., bool]  # (principal, id, exp, sig, now=None) -> bool


class _SignedOut(Exception):
    """No valid session behind the request's cookies."""


class _Resigned(Exception):
    """The link was genuine but has expired: here is a fresh one."""

    def __init__(self, link: str) -> None:
        super().__init__(link)
        self.link = link


def pdf_endpoint(
    id_param: str,
    *,
    check_link: CheckLink,
    sign_link: Callable[[Principal, int], str],
    load: Callable[[Session, Principal, int], Any],
    render: Callable[[Any], bytes],
    signed_out: str,
    not_found: str,
    back: str,
) -> Endpoint:
    """A GET route serving `render(load(db, principal, id))` (its `.filename`) inline, or as an attachment with
    download=1. An expired genuine link: 303 to a fresh one. 403 `signed_out` without a session; 404 `not_found`
    for a bad link or anything not theirs; both as a page with a link to `back` (through sign-in when needed)."""

    async def endpoint(request: Request) -> Response:
        token = next((value for name in SESSION_COOKIES if (value := request.cookies.get(name))), "")
        download = request.query_params.get("download") == "1"
        try:
            if not token:
                raise _SignedOut
            filename, pdf = await run_in_threadpool(
                _render,
                token,
                request.path_params[id_param],
                request.query_params.get("exp", ""),
                request.query_params.get("sig", ""),
            )
        except _SignedOut:
            return _page(403, signed_out, "Sign in", f"{SIGN_IN}?next={quote(back, safe='')}")
        except NotFound:
            return _page(404, not_found, "Back to billing", back)
        except _Resigned as fresh:
            return RedirectResponse(fresh.link + ("&download=1" if download else ""), 303, headers=PRIVATE)
        disposition = "attachment" if download else "inline"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={**PRIVATE, "Content-Disposition": f'{disposition}; filename="{filename}"'},
        )

    def _render(token: str, raw_id: str, exp: str, sig: str) -> tuple[str, bytes]:
        """Check who is asking and the link, then render (blocking: runs in a worker thread)."""
        with session_scope() as db:
            principal = sessions.resolve(db, token)
            if principal is None:
                raise _SignedOut
            object_id = parse_id(raw_id)
            if object_id is None:
                raise NotFound(not_found)
            if not check_link(principal, object_id, exp, sig):
                if _expired_but_genuine(check_link, principal, object_id, exp, sig):
                    load(db, principal, object_id)  # still theirs (NotFound otherwise)
                    raise _Resigned(sign_link(principal, object_id))
                raise NotFound(not_found)
            document = load(db, principal, object_id)
        return document.filename, render(document)

    return endpoint


def _expired_but_genuine(check_link: CheckLink, principal: Principal, object_id: int, exp: str, sig: str) -> bool:
    """Whether the link was signed for this person, customer and document, and only its time has run out."""
    expires = parse_id(exp)
    if expires is None or expires >= datetime.now(UTC).timestamp():
        return False
    return check_link(principal, object_id, exp, sig, now=datetime.fromtimestamp(expires, UTC))


def _page(status: int, message: str, action: str, href: str) -> HTMLResponse:
    """A minimal page (the API's policy allows no styles or scripts) saying what happened and where to go."""
    body = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(message)}</title>"
        f"<main><h1>{html.escape(message)}</h1>"
        f'<p><a href="{html.escape(href)}">{html.escape(action)}</a></p></main></html>'
    )
    return HTMLResponse(body, status_code=status, headers=PRIVATE)
