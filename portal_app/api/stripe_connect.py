"""GET /api/stripe/connect/refresh and /return: where Stripe's onboarding sends the provider back.

Both are opened from Stripe without a portal session; the signed link (services/billing/connect.py) names the
organisation and its account. Refresh makes a new onboarding link and redirects to it, as Stripe asks of a
refresh_url; return reads the account from Stripe and shows its status in words on a plain page.
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from portal_app.db import session_scope
from portal_app.errors import PortalError
from portal_app.services.billing import connect

PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;"
    "color:#1f2937}h1{font-size:1.4rem}li{margin:.3rem 0}"
)


async def connect_refresh(request: Request) -> Response:
    """303 to a new Stripe onboarding link; 403 for a bad or expired link; 502 when Stripe makes none."""
    try:
        url = await run_in_threadpool(_new_link, *_link_params(request))
    except connect.LinkRefused as exc:
        return _page("Stripe onboarding", [exc.message], status_code=403)
    except PortalError as exc:
        lines = [exc.message, "Please try again in a few minutes, or run the stripe-connect command again."]
        return _page("Stripe onboarding", lines, status_code=502)
    return RedirectResponse(url, status_code=303, headers=PRIVATE)


async def connect_return(request: Request) -> Response:
    """The account's status in words, read from Stripe now (the last known status when Stripe cannot be asked)."""
    try:
        name, lines = await run_in_threadpool(_read_status, *_link_params(request))
    except connect.LinkRefused as exc:
        return _page("Stripe onboarding", [exc.message], status_code=403)
    return _page(f"{name}: Stripe account", lines)


def _link_params(request: Request) -> tuple[str, str, str]:
    query = request.query_params
    return query.get("org", ""), query.get("exp", ""), query.get("sig", "")


def _new_link(slug: str, exp: str, sig: str) -> str:
    with session_scope() as db:
        organisation = connect.signed_organisation(db, slug, exp, sig)
    return connect.onboarding_link(organisation).url


def _read_status(slug: str, exp: str, sig: str) -> tuple[str, list[str]]:
    with session_scope() as db:
        organisation = connect.signed_organisation(db, slug, exp, sig)
        try:
            connect.refresh_status(db, organisation)
            problem = []
        except PortalError as exc:
            problem = [exc.message, "This is the status as last known:"]
        return organisation.name, [*problem, *connect.status_in_words(organisation)]


def _page(title: str, lines: list[str], *, status_code: int = 200) -> HTMLResponse:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{PAGE_STYLE}</style></head>'
        f"<body><h1>{html.escape(title)}</h1><ul>{items}</ul></body></html>"
    )
    return HTMLResponse(body, status_code=status_code, headers=PRIVATE)
