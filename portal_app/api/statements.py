"""GET /api/statement.pdf?from=&to=: the signed-in customer's statement of account for a period, through a signed
short-lived link."""

from __future__ import annotations

from datetime import date, datetime

from starlette.requests import Request

from portal_app.api.documents import pdf_response, signed_endpoint
from portal_app.pdf.statement import render_statement_pdf
from portal_app.services.access import check_statement_link, statement_link
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.statements import Period, parse_period, statement_document

SIGNED_OUT = "Please sign in to view your statement."
NOT_FOUND = "This statement link is not valid."


def _period(request: Request) -> Period:
    """The period the link names (PortalError saying what is wrong with it)."""
    return parse_period(request.query_params.get("from", ""), request.query_params.get("to", ""), date.today())


def _check(principal: Principal, period: Period, exp: str, sig: str, now: datetime | None = None) -> bool:
    return check_statement_link(principal, period.start, period.end, exp, sig, now=now)


def _sign(principal: Principal, period: Period) -> str:
    return statement_link(principal, period.start, period.end)


statement_pdf = signed_endpoint(
    subject=_period,
    check_link=_check,
    sign_link=_sign,
    load=statement_document,
    serve=pdf_response(render_statement_pdf),
    signed_out=SIGNED_OUT,
    not_found=NOT_FOUND,
    back="/portal/billing/history",
)
