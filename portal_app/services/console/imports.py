"""The console's CSV imports (administrators): the files the CLI takes, checked first and imported second.

Both steps run the CLI's own import functions (services/imports). The check runs one and rolls it back, so the
administrator sees every bad row, with its line and reason, or what an import would create and update, before
anything is written; the import runs it again and commits its rows with the audit entry, all or nothing.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from portal_app.errors import PortalError
from portal_app.services.access import admin_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.console.audit import AuditAction, record
from portal_app.services.imports import records
from portal_app.services.imports.batch import ImportReport

IMPORTS_ROUTE = "/staff/imports"
MAX_BYTES = 5 * 1024 * 1024
NAME_MAX = 120
NOT_CSV = "Choose a .csv file (CSV UTF-8, with a header row)."
TOO_BIG = "The file is larger than 5 MB; split it into smaller files."
EMPTY = "The file is empty; the first line must name the columns."
UNKNOWN_KIND = "Choose what the file contains: customers, services, invoices or payments."
NUMBERED = re.compile(r"row (\d+): (.*)", re.DOTALL)

Importer = Callable[[Session, str, bytes], ImportReport]


@dataclass(frozen=True)
class ImportKind:
    """A kind of file: its key, its label and the columns it takes (as the import function documents them)."""

    key: str
    label: str
    columns: str


@dataclass(frozen=True)
class RowProblem:
    """A bad row: the file's line (the header is line 1) and why it cannot be imported."""

    line: int
    reason: str


@dataclass(frozen=True)
class ImportCheck:
    """What a file would do (a check) or did (an import): every bad row, or the counts and any warnings."""

    kind: str
    file_name: str
    problems: list[RowProblem]
    warnings: list[str]
    created: int
    updated: int
    skipped: int

    @property
    def ok(self) -> bool:
        return not self.problems


IMPORTERS: dict[str, tuple[str, Importer]] = {
    "customers": ("Customers", records.import_customers),
    "services": ("Services", records.import_services),
    "invoices": ("Invoices", records.import_invoices),
    "payments": ("Payments", records.import_payments),
}


def import_kinds(db: Session, principal: Principal) -> list[ImportKind]:
    """The kinds of file an administrator may import, with their columns."""
    admin_scope(db, principal)
    return [ImportKind(key, label, _columns(importer)) for key, (label, importer) in IMPORTERS.items()]


def check_import(db: Session, principal: Principal, kind: object, file_name: object, data: object) -> ImportCheck:
    """Run the import and roll it back: every bad row, or what importing the file would do. Writes nothing."""
    staff = admin_scope(db, principal)
    importer, name, content = _file(kind, file_name, data)
    db.commit()  # keep what the unit of work did before (the session's last-seen time): only the import is undone
    try:
        report = importer(_Uncommitted(db), staff.organisation.slug, content)
    finally:
        db.rollback()
    return _result(str(kind), name, report)


def run_import(
    db: Session, principal: Principal, kind: object, file_name: object, data: object, *, client_ip: str = ""
) -> ImportCheck:
    """Import the file: all its rows and the audit entry in one transaction, or nothing when any row is bad."""
    staff = admin_scope(db, principal)
    importer, name, content = _file(kind, file_name, data)
    db.commit()  # as in check_import: a file with bad rows rolls back only the import
    report = importer(_Uncommitted(db), staff.organisation.slug, content)
    result = _result(str(kind), name, report)
    if result.ok:
        detail = f"{IMPORTERS[str(kind)][0]} from {name}: {report.summary}"
        record(db, staff, AuditAction.IMPORTED_CSV, client_ip=client_ip, detail=detail)
    return result


def _file(kind: object, file_name: object, data: object) -> tuple[Importer, str, bytes]:
    """The import function for the kind, the file's name and its bytes; PortalError for a file never read."""
    if not isinstance(kind, str) or kind not in IMPORTERS:
        raise PortalError(UNKNOWN_KIND, field="kind")
    name = file_name.strip()[:NAME_MAX] if isinstance(file_name, str) else ""
    if not name.lower().endswith(".csv") or not isinstance(data, bytes):
        raise PortalError(NOT_CSV, field="file")
    if len(data) > MAX_BYTES:
        raise PortalError(TOO_BIG, field="file")
    if not data.strip():
        raise PortalError(EMPTY, field="file")
    if b"\x00" in data:
        raise PortalError(NOT_CSV, field="file")
    return IMPORTERS[kind][1], name, data


def _result(kind: str, name: str, report: ImportReport) -> ImportCheck:
    return ImportCheck(
        kind=kind,
        file_name=name,
        problems=[_problem(line) for line in report.errors],
        warnings=list(report.warnings),
        created=report.created,
        updated=report.updated,
        skipped=report.skipped,
    )


def _problem(line: str) -> RowProblem:
    """'row 4: reason' as the import functions word a bad row."""
    found = NUMBERED.fullmatch(line)
    return RowProblem(int(found[1]), found[2]) if found else RowProblem(0, line)


def _columns(importer: Importer) -> str:
    """The 'Columns: ...' paragraph of the import function's documentation."""
    for paragraph in (inspect.getdoc(importer) or "").split("\n\n"):
        if paragraph.startswith("Columns:"):
            return " ".join(paragraph.removeprefix("Columns:").split())
    return ""


class _Uncommitted:
    """The unit of work's session for an import function, whose commit only flushes: the caller decides whether
    the rows are kept (committed with the audit entry when the event ends) or rolled back (a check)."""

    def __init__(self, db: Session) -> None:
        self._db = db

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)

    def commit(self) -> None:
        self._db.flush()
