"""Attaching files to a ticket form: the upload (streamed, checked on the server), its progress, what was refused and
why, and the files staged for the form until it is sent (services/support/attachments.py)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from starlette.formparsers import MultiPartException

from portal_app.errors import PortalError
from portal_app.services.support import attachments
from portal_app.services.support.attachments import FileReceiver, Refusal, StagedFile, StagingForm
from portal_app.state.unit_of_work import SignedOut

LIMITS = attachments.LIMITS
MAX_BYTES = attachments.MAX_BYTES
INTERRUPTED = "The upload was interrupted. Please attach the files again."
# What the browser's file picker says about a file it did not send (react-dropzone's error codes).
DROPZONE_REASONS = {"file-too-large": attachments.TOO_BIG, "too-many-files": attachments.TOO_MANY}
R = TypeVar("R")


class AttachmentFields(rx.State, mixin=True):
    """The files of one form: staged ones (with a remove button), refused ones with the reason, upload progress.

    A state mixing this in calls `_new_staging()` when its page loads and after its form is sent, passes
    `self._staging_key` to the service that sends the form, and may override `_staging_form` (which ticket) and
    `_staging_call` (as staff)."""

    staged: list[StagedFile] = []
    refused: list[Refusal] = []
    uploading: bool = False
    upload_percent: int = 0
    # The form's random key, kept here on the server: files staged under it are attached when the form is sent.
    _staging_key: str = ""

    def _new_staging(self) -> None:
        """Start a new form: a fresh key, nothing staged or refused."""
        self._staging_key = secrets.token_urlsafe(24)
        self.staged = []
        self.refused = []
        self.uploading = False
        self.upload_percent = 0

    def _staging_form(self) -> StagingForm:
        """The form files are staged for (a customer's new ticket unless overridden)."""
        return StagingForm(self._staging_key)

    async def _staging_call(self, work: Callable[..., R], *args: Any) -> R | None:
        """`work(db, principal, ...)` as the signed-in person (the customer's side unless overridden)."""
        return await self._call(work, *args)

    @rx.event(background=True)
    async def stage_files(self, chunks: rx.UploadChunkIterator):
        """Take the files chosen for the form: who is asking is checked before any byte is read, then each file is
        read with the limits (count, size, type from content) and staged; refused ones are listed with why."""
        form = self._staging_form()
        try:
            room = await self._staging_call(attachments.upload_room, form)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return await self._show_upload([], [Refusal("", refused.message)])
        if room is None or not isinstance(chunks, rx.UploadChunkIterator):
            return await self._show_upload(None, [])
        async with self:
            self.refused = []
            self.uploading = True
        receiver = await asyncio.to_thread(FileReceiver, room)
        try:
            return await self._receive(form, chunks, receiver)
        finally:
            await asyncio.to_thread(receiver.discard)

    async def _receive(self, form: StagingForm, chunks: rx.UploadChunkIterator, receiver: FileReceiver):
        try:
            async for chunk in chunks:
                await asyncio.to_thread(receiver.take, chunk.filename, chunk.offset, chunk.data)
                if receiver.full:
                    break  # the rest of the request is never read
            await asyncio.to_thread(receiver.finish)
            result = await self._staging_call(attachments.stage, form, receiver.received)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return await self._show_upload(None, [Refusal("", refused.message)])
        except (MultiPartException, RuntimeError, ValueError):
            return await self._show_upload(None, [Refusal("", INTERRUPTED)])
        refusals = [*receiver.refused, *(result.refused if result is not None else [])]
        return await self._show_upload(result.staged if result is not None else None, refusals)

    async def _show_upload(self, staged: list[StagedFile] | None, refused: list[Refusal]) -> None:
        async with self:
            if staged is not None:
                self.staged = staged
            self.refused = refused
            self.uploading = False
            self.upload_percent = 0

    @rx.event
    def show_upload_progress(self, progress: dict):
        """Show how far the browser has sent the files (its own numbers; reads and changes no data)."""
        share = progress.get("progress") if isinstance(progress, dict) else None
        # Only the number: whether an upload is on screen is the server's to say (`stage_files`), since the
        # browser's last progress events can arrive after the server has answered.
        if isinstance(share, int | float) and not isinstance(share, bool) and 0 <= share <= 1:
            self.upload_percent = round(share * 100)

    @rx.event
    def note_rejected(self, rejected: list[dict]):
        """List the files the browser did not send (over the size limit), with why (reads and changes no data)."""
        found = rejected if isinstance(rejected, list) else []
        self.refused = [
            Refusal(attachments.clean_name(_path(item)), _reason(item)) for item in found[:20] if isinstance(item, dict)
        ]

    @rx.event
    async def unstage(self, attachment_id: int):
        """Remove one of the form's staged files."""
        try:
            staged = await self._staging_call(attachments.unstage, self._staging_form(), attachment_id)
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            self.refused = [Refusal("", refused.message)]
            return None
        if staged is not None:
            self.staged = staged
        return None


def _path(item: dict) -> object:
    file = item.get("file")
    return file.get("path") or file.get("name") if isinstance(file, dict) else ""


def _reason(item: dict) -> str:
    errors = item.get("errors")
    codes = [e.get("code") for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    return next(
        (DROPZONE_REASONS[c] for c in codes if isinstance(c, str) and c in DROPZONE_REASONS), attachments.TOO_BIG
    )
