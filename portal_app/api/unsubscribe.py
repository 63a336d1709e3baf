"""/api/unsubscribe?token=…: the one-click unsubscribe link of every customer email (RFC 8058).

POST (the mail program's one-click request, or the button on the GET page) turns that kind of email off for that
person, without signing in; again and again it is still 200. GET only shows a page with that button: mail scanners
and link previews fetch GETs, so a GET never unsubscribes. A token that is not genuine changes nothing and says so.
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.services.accounts import notification_preferences as preferences

HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
MAX_TOKEN = 128


async def unsubscribe(request: Request) -> HTMLResponse:
    """GET: a page asking to confirm (changes nothing); POST: turn the kind off. 400 for a token not genuine."""
    token = request.query_params.get("token", "")[:MAX_TOKEN]
    work = preferences.unsubscribe if request.method == "POST" else preferences.read_unsubscribe
    try:
        done = await run_in_threadpool(_in_session, work, token)
    except PortalError as refused:
        return _page(400, refused.message, "")
    label = done.label.lower()
    if request.method == "POST":
        return _page(
            200,
            f"You will no longer get emails about {label} at {done.address}.",
            "<p>Other emails are not affected. To turn these back on, sign in and open Profile, Notifications.</p>",
        )
    action = html.escape(f"{request.url.path}?token={token}")
    form = (
        f'<form method="post" action="{action}">'
        f'<p><button type="submit">Unsubscribe from {html.escape(label)}</button></p></form>'
        "<p>Other emails are not affected.</p>"
    )
    return _page(200, f"Stop emails about {label} to {done.address}?", form)


def _in_session(work, token: str) -> preferences.Unsubscribed:
    with session_scope() as db:
        return work(db, token)


def _page(status: int, heading: str, body_html: str) -> HTMLResponse:
    """A minimal page (the API's policy allows no styles or scripts): the heading (text) and what follows it."""
    page = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Email preferences</title><main><h1>{html.escape(heading)}</h1>{body_html}</main></html>"
    )
    return HTMLResponse(page, status_code=status, headers=HEADERS)
