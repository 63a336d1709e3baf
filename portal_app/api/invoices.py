"""GET /api/invoices/{id}/pdf: the signed-in customer's own invoice as a PDF, through a signed short-lived link."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal_app.db import session_scope
from portal_app.errors import NotFound
from portal_app.pdf.invoice import render_invoice_pdf
from portal_app.services.access import INVOICE_NOT_FOUND, check_pdf_link
from portal_app.services.accounts import sessions
from portal_app.services.billing.invoice_documents import invoice_document
from portal_app.services.common.inputs import parse_id

# The cookies SessionState keeps the opaque session token in (browser session, then "Remember me").
SESSION_COOKIES = ("portal_session", "portal_remember")
SIGNED_OUT = "Please sign in to view this invoice."
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


class _SignedOut(Exception):
    """No valid session behind the request's cookies."""


async def invoice_pdf(request: Request) -> Response:
    """The PDF (inline, or attachment with download=1); 403 signed out; 404 for anything not theirs."""
    token = next((value for name in SESSION_COOKIES if (value := request.cookies.get(name))), "")
    if not token:
        return PlainTextResponse(SIGNED_OUT, status_code=403, headers=PRIVATE)
    try:
        rendered = await run_in_threadpool(
            _render,
            token,
            request.path_params["invoice_id"],
            request.query_params.get("exp", ""),
            request.query_params.get("sig", ""),
        )
    except _SignedOut:
        return PlainTextResponse(SIGNED_OUT, status_code=403, headers=PRIVATE)
    except NotFound:
        return PlainTextResponse(INVOICE_NOT_FOUND, status_code=404, headers=PRIVATE)
    filename, pdf = rendered
    disposition = "attachment" if request.query_params.get("download") == "1" else "inline"
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
        invoice_id = parse_id(raw_id)
        if invoice_id is None or not check_pdf_link(principal, invoice_id, exp, sig):
            raise NotFound(INVOICE_NOT_FOUND)
        document = invoice_document(db, principal, invoice_id)
    return document.filename, render_invoice_pdf(document)
