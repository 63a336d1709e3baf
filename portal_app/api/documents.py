"""A signed-in customer's own document through a signed short-lived link (invoice and receipt PDFs, the statement,
CSV exports).

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
from portal_app.errors import NotFound, PortalError
from portal_app.services.accounts import sessions
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.inputs import parse_id

# The cookies SessionState keeps the opaque session token in (browser session, then "Remember me").
SESSION_COOKIES = ("portal_session", "portal_remember")
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
SIGN_IN = "/portal/login"

Endpoint = Callable[[Request], Awaitable[Response]]
CheckLink = Callable[..., bool]  # (principal, subject, exp, sig, now=None) -> bool


class _SignedOut(Exception):
    """No valid session behind the request's cookies."""


class _Resigned(Exception):
    """The link was genuine but has expired: here is a fresh one."""

    def __init__(self, link: str) -> None:
        super().__init__(link)
        self.link = link


class _Refused(PortalError):
    """What the link names cannot be served as asked (a bad period): the message says why."""


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
    download=1, for the id in the path parameter `id_param` (see `signed_endpoint`)."""

    def document_id(request: Request) -> int:
        object_id = parse_id(request.path_params[id_param])
        if object_id is None:
            raise NotFound(not_found)
        return object_id

    return signed_endpoint(
        subject=document_id,
        check_link=check_link,
        sign_link=sign_link,
        load=load,
        serve=pdf_response(render),
        signed_out=signed_out,
        not_found=not_found,
        back=back,
    )


def signed_endpoint(
    *,
    subject: Callable[[Request], Any],
    check_link: CheckLink,
    sign_link: Callable[[Principal, Any], str],
    load: Callable[[Session, Principal, Any], Any],
    serve: Callable[[Any, str], Response],
    signed_out: str,
    not_found: str,
    back: str,
) -> Endpoint:
    """A GET route for what a signed link names: `subject(request)` reads it (an id, a period: NotFound or a
    PortalError saying what is wrong), `check_link(principal, subject, exp, sig)` checks the link, and
    `serve(load(db, principal, subject), disposition)` answers ("inline", or "attachment" with download=1) once the
    database session is closed, in a worker thread. An expired genuine link: 303 to a fresh one. 403 `signed_out`
    without a session; 404 `not_found` for a bad link or anything not theirs; 400 with the message for a bad
    subject; each as a page with a link to `back` (through sign-in when needed)."""

    async def endpoint(request: Request) -> Response:
        token = next((value for name in SESSION_COOKIES if (value := request.cookies.get(name))), "")
        download = request.query_params.get("download") == "1"
        try:
            if not token:
                raise _SignedOut
            return await run_in_threadpool(_answer, token, request, "attachment" if download else "inline")
        except _SignedOut:
            return message_page(403, signed_out, "Sign in", f"{SIGN_IN}?next={quote(back, safe='')}")
        except NotFound:
            return message_page(404, not_found, "Back to billing", back)
        except _Resigned as fresh:
            return RedirectResponse(fresh.link + ("&download=1" if download else ""), 303, headers=PRIVATE)
        except _Refused as refused:
            return message_page(400, refused.message, "Back to billing", back)

    def _answer(token: str, request: Request, disposition: str) -> Response:
        """Check who is asking and the link, then serve (blocking: runs in a worker thread)."""
        exp, sig = request.query_params.get("exp", ""), request.query_params.get("sig", "")
        with session_scope() as db:
            principal = sessions.resolve(db, token)
            if principal is None:
                raise _SignedOut
            wanted = _read(subject, request)
            if not check_link(principal, wanted, exp, sig):
                if _expired_but_genuine(check_link, principal, wanted, exp, sig):
                    load(db, principal, wanted)  # still theirs (NotFound otherwise)
                    raise _Resigned(sign_link(principal, wanted))
                raise NotFound(not_found)
            document = load(db, principal, wanted)
        return serve(document, disposition)

    return endpoint


def pdf_response(render: Callable[[Any], bytes]) -> Callable[[Any, str], Response]:
    """Serve a document (with its `.filename`) as the PDF `render` makes of it (blocking)."""

    def serve(document: Any, disposition: str) -> Response:
        return Response(
            render(document),
            media_type="application/pdf",
            headers={**PRIVATE, "Content-Disposition": f'{disposition}; filename="{document.filename}"'},
        )

    return serve


def _read(subject: Callable[[Request], Any], request: Request) -> Any:
    """What the link names, or NotFound, or _Refused with what is wrong with it."""
    try:
        return subject(request)
    except NotFound:
        raise
    except PortalError as refused:
        raise _Refused(refused.message) from refused


def _expired_but_genuine(check_link: CheckLink, principal: Principal, wanted: Any, exp: str, sig: str) -> bool:
    """Whether the link was signed for this person, customer and document, and only its time has run out."""
    expires = parse_id(exp)
    if expires is None or expires >= datetime.now(UTC).timestamp():
        return False
    return check_link(principal, wanted, exp, sig, now=datetime.fromtimestamp(expires, UTC))


def message_page(status: int, message: str, action: str, href: str) -> HTMLResponse:
    """A minimal page (the API's policy allows no styles or scripts) saying what happened and where to go."""
    body = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(message)}</title>"
        f"<main><h1>{html.escape(message)}</h1>"
        f'<p><a href="{html.escape(href)}">{html.escape(action)}</a></p></main></html>'
    )
    return HTMLResponse(body, status_code=status, headers=PRIVATE)
