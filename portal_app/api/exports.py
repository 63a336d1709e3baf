"""GET /api/exports/{table}.csv: the signed-in customer's whole billing history (invoices or payments) as CSV,
streamed, through a signed short-lived link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from portal_app.api.documents import PRIVATE, signed_endpoint
from portal_app.db import session_scope
from portal_app.errors import NotFound
from portal_app.services.access import check_export_link, export_link
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.exports import TABLES, export_csv, export_filename

SIGNED_OUT = "Please sign in to download your billing history."
NOT_FOUND = "This download link is not valid."


@dataclass(frozen=True)
class _Export:
    """A checked request for an export: who, which table, under which name."""

    principal: Principal
    table: str
    filename: str


def _table(request: Request) -> str:
    table = request.path_params["table"]
    if table not in TABLES:
        raise NotFound(NOT_FOUND)
    return table


def _load(db: Session, principal: Principal, table: str) -> _Export:
    return _Export(principal, table, export_filename(db, principal, table))


def _serve(export: _Export, disposition: str) -> Response:
    """The CSV, read and sent in chunks in a database session of its own (the request's is closed by now)."""
    return StreamingResponse(
        _chunks(export),
        media_type="text/csv; charset=utf-8",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


def _chunks(export: _Export) -> Iterator[bytes]:
    with session_scope() as db:
        yield from export_csv(db, export.principal, export.table)


export_download = signed_endpoint(
    subject=_table,
    check_link=check_export_link,
    sign_link=export_link,
    load=_load,
    serve=_serve,
    signed_out=SIGNED_OUT,
    not_found=NOT_FOUND,
    back="/portal/billing/history",
)
