"""The console's CSV imports (administrators): choose the kind, upload the file, see every bad row or what it would
do, then import it. The checked file waits on the server (a backend var) until it is imported or replaced."""

from __future__ import annotations

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.console.imports import (
    IMPORTERS,
    IMPORTS_ROUTE,
    MAX_BYTES,
    ImportCheck,
    ImportKind,
    RowProblem,
    check_import,
    import_kinds,
    run_import,
)
from portal_app.state.client import caller_address
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

__all__ = ["IMPORTS_ROUTE", "UPLOAD_ID", "StaffImportsState"]

UPLOAD_ID = "import-file"
ONE_FILE = "Choose one .csv file to check."
CHECK_FIRST = "Check the file before importing it."


class StaffImportsState(StaffSession):
    """The import page: the kinds of file, the checked file's problems or counts, and the import's outcome."""

    loaded: bool = False
    kinds: list[ImportKind] = []
    kind: str = "customers"
    file_name: str = ""
    problems: list[RowProblem] = []
    warnings: list[str] = []
    ready: bool = False
    created: int = 0
    updated: int = 0
    skipped: int = 0
    notice: str = ""
    error: str = ""

    _data: bytes = b""

    @rx.event
    async def load_imports(self):
        """Start with no file (redirects when signed out; nothing for agents)."""
        self.loaded = False
        self._forget_file()
        self.notice = ""
        try:
            kinds = await self._as_admin(import_kinds)
        except SignedOut:
            return self._login_redirect()
        self.kinds = kinds or []
        self.loaded = True
        return None

    @rx.var
    def columns(self) -> str:
        """The columns the chosen kind of file takes."""
        return next((k.columns for k in self.kinds if k.key == self.kind), "")

    @rx.event
    def choose_kind(self, kind: str):
        """Say what the file contains (one of the kinds only); a file checked as another kind is checked again."""
        if isinstance(kind, str) and kind in IMPORTERS and kind != self.kind:
            self.kind = kind
            self._forget_file()

    @rx.event
    async def check_file(self, files: list[rx.UploadFile]):
        """Check the uploaded file without writing anything: every bad row with its line, or what it would do."""
        self._forget_file()
        self.notice = ""
        try:
            allowed = await self._as_admin(import_kinds)
        except SignedOut:
            return self._login_redirect()
        if allowed is None:
            return None
        if not isinstance(files, list) or len(files) != 1:
            self.error = ONE_FILE
            return None
        upload = files[0]
        data = await upload.read(MAX_BYTES + 1)  # one byte more than allowed is enough to refuse it
        try:
            check = await self._as_admin(check_import, self.kind, upload.filename or "", data)
        except PortalError as refused:
            self.error = refused.message
            return None
        if check is not None:
            self._show(check)
            self.ready = check.ok
            self._data = data if check.ok else b""
        return rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    async def import_file(self):
        """Import the checked file: all its rows or, when one has become bad since the check, none."""
        self.notice = self.error = ""
        try:
            done = await self._as_admin(
                run_import, self.kind, self.file_name, self._data, client_ip=caller_address(self)
            )
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.error = refused.message if self._data else CHECK_FIRST
            return None
        if done is None:
            return None
        self._show(done)
        if done.ok:
            self.notice = f"{self.file_name} is imported: {done.created} created, {done.updated} updated, " + (
                f"{done.skipped} unchanged."
            )
            self.ready = False
            self._data = b""
        return None

    def _show(self, check: ImportCheck) -> None:
        self.file_name = check.file_name
        self.problems = check.problems
        self.warnings = check.warnings
        self.created, self.updated, self.skipped = check.created, check.updated, check.skipped

    def _forget_file(self) -> None:
        self._data = b""
        self.file_name = self.error = ""
        self.problems = []
        self.warnings = []
        self.ready = False
        self.created = self.updated = self.skipped = 0
