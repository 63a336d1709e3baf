"""Files attached to tickets and replies: received with limits, typed from their content, stored under random names
in the attachments folder (PORTAL_ATTACHMENTS_DIR, var/attachments by default; never served statically), and read
back only by the ticket's customer and its organisation's staff.

A browser tab uploads files while its form is still open: they are *staged* under the tab's form key (a random key
the server keeps in the tab's state) and attached to the ticket or reply when the form is sent. Staged files of a tab
that never sends its form are deleted, rows and files, once they are a day old: every new upload clears them first.

Files leave the folder only once the transaction that deleted their rows commits; files written for rows that are
rolled back are removed again (`_unlink_after_commit`, `_unlink_after_rollback`)."""

from __future__ import annotations

import codecs
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import filetype
from sqlalchemy import delete, event, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.errors import NotFound, PortalError
from portal_app.models import Customer, Ticket, TicketAttachment, TicketMessage
from portal_app.models.base import utcnow
from portal_app.services.access import NotLinked, NotStaff, customer_scope, db_id, own_ticket, staff_scope, staff_ticket
from portal_app.services.accounts.sessions import Principal

MAX_FILES = 5
MAX_MEGABYTES = 10
MAX_BYTES = MAX_MEGABYTES * 1024 * 1024
# One upload request is never read past this: the files it may hold, plus one refused file's worth.
READ_CAP = (MAX_FILES + 1) * MAX_BYTES
NAME_MAX = 120
EXTENSION_MAX = 10
STAGING_LIFETIME = timedelta(days=1)
SNIFF_BYTES = 8192  # what filetype reads of a file to tell its type
ATTACHMENTS_PATH = "/api/attachments"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
BINARY_TYPES = (*IMAGE_TYPES, "application/pdf", "application/zip")
TEXT_TYPE = "text/plain"
ACCEPTED = "Images (PNG, JPEG, GIF, WebP), PDF, plain text and logs, zip"
LIMITS = f"Up to {MAX_FILES} files of at most {MAX_MEGABYTES} MB each: {ACCEPTED}."
TOO_BIG = f"It is larger than {MAX_MEGABYTES} MB."
WRONG_TYPE = f"This type of file is not accepted. You can attach: {ACCEPTED}."
TOO_MANY = f"At most {MAX_FILES} files can be attached."
EMPTY = "The file is empty."
FORM_EXPIRED = "This form has expired. Reload the page and attach the files again."
ATTACHMENT_NOT_FOUND = "This file was not found."
_UNLINK_ON_COMMIT = "ticket_attachments.unlink_on_commit"
_UNLINK_ON_ROLLBACK = "ticket_attachments.unlink_on_rollback"


@dataclass(frozen=True)
class Refusal:
    """A file that was not taken, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class ReceivedFile:
    """A file taken in full and typed from its content, waiting in a `.part` file to be staged."""

    name: str
    part: Path
    size: int
    content_type: str


@dataclass(frozen=True)
class StagedFile:
    """A file uploaded for a form that has not been sent yet."""

    id: int
    name: str
    size: str


@dataclass(frozen=True)
class StagingResult:
    """The form's staged files after an upload, and the files of that upload that were refused."""

    staged: list[StagedFile]
    refused: list[Refusal]


@dataclass(frozen=True)
class AttachmentView:
    """An attached file as a thread shows it: its download link and, for images, the link to show it inline."""

    id: int
    name: str
    size: str
    is_image: bool
    href: str
    view_href: str


@dataclass(frozen=True)
class AttachmentFile:
    """A file to serve: where it is, the name to give it and its type."""

    path: Path
    name: str
    content_type: str
    is_image: bool


@dataclass(frozen=True)
class _Uploader:
    """Who uploads, for which customer (whose files they become), and to which ticket (None: a new one)."""

    user_id: int
    customer: Customer
    ticket: Ticket | None


# --- names, sizes, headers -------------------------------------------------------------------------


def clean_name(raw: object) -> str:
    """The file's own name without any folder, control or format characters, one line, at most NAME_MAX characters
    (the extension kept); "attachment" when nothing is left."""
    text = raw if isinstance(raw, str) else ""
    text = unicodedata.normalize("NFC", text.replace("\\", "/").rsplit("/", 1)[-1])
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    text = " ".join(text.split()).strip(" .")
    if len(text) > NAME_MAX:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= EXTENSION_MAX:
            text = f"{stem[: NAME_MAX - len(extension) - 1].rstrip()}.{extension}"
        else:
            text = text[:NAME_MAX].rstrip()
    return text or "attachment"


def content_disposition(disposition: str, name: str) -> str:
    """The Content-Disposition header: a plain ASCII `filename` for old clients and the exact name as RFC 5987
    `filename*`."""
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def show_size(size: int) -> str:
    """A file size as people read it: '820 bytes', '14 KB', '2.5 MB'."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def storage_dir() -> Path:
    """The attachments folder (created, private to the portal's user, on first use)."""
    folder = settings().attachments_dir
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


# --- receiving an upload ---------------------------------------------------------------------------


class _Incoming:
    """One file while its bytes arrive: written to a `.part` file, at most MAX_BYTES, checked for text as it goes."""

    def __init__(self, name: str, part: Path | None, refusal: str = "") -> None:
        self.name = name
        self.part = part
        self.refusal = refusal
        self.size = 0
        self.head = bytearray()
        self.text = True
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._out = part.open("xb") if part is not None and not refusal else None

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.refusal:
            return
        if self.size > MAX_BYTES:
            self._drop(TOO_BIG)
            return
        if len(self.head) < SNIFF_BYTES:
            self.head += data[: SNIFF_BYTES - len(self.head)]
        if self.text:
            self.text = b"\0" not in data and self._decodes(data)
        self._out.write(data)

    def _decodes(self, data: bytes, final: bool = False) -> bool:
        try:
            self._decoder.decode(data, final)
        except UnicodeDecodeError:
            return False
        return True

    def _drop(self, reason: str) -> None:
        self.refusal = reason
        if self._out is not None:
            self._out.close()
            self._out = None
        if self.part is not None:
            self.part.unlink(missing_ok=True)

    def end(self) -> ReceivedFile | Refusal:
        """The file as taken, or why it is refused (its `.part` file then removed)."""
        if not self.refusal:
            content_type = self._content_type()
            if content_type is None:
                self._drop(EMPTY if self.size == 0 else WRONG_TYPE)
            else:
                self._out.close()
                self._out = None
                return ReceivedFile(self.name, self.part, self.size, content_type)
        self._drop(self.refusal)
        return Refusal(self.name, self.refusal)

    def _content_type(self) -> str | None:
        """The accepted type the content shows (never the name), or None."""
        if self.size == 0:
            return None
        kind = filetype.guess(bytes(self.head))
        if kind is not None:
            return kind.mime if kind.mime in BINARY_TYPES else None
        return TEXT_TYPE if self.text and self._decodes(b"", final=True) else None


class FileReceiver:
    """Takes the chunks of one upload request (files one after another, each chunk with its offset) into `.part`
    files: at most `room` files, each of at most MAX_BYTES, typed from the content. Blocking: run it in a worker
    thread. `discard()` removes whatever it holds that was not staged."""

    def __init__(self, room: int, folder: Path | None = None) -> None:
        self.room = max(0, room)
        self.folder = folder or storage_dir()
        self.read = 0
        self.received: list[ReceivedFile] = []
        self.refused: list[Refusal] = []
        self._current: _Incoming | None = None

    @property
    def full(self) -> bool:
        """Whether the request has sent more than any allowed upload needs: stop reading it."""
        return self.read > READ_CAP

    def take(self, filename: str, offset: int, data: bytes) -> None:
        """One chunk; offset 0 starts the next file."""
        if offset == 0 or self._current is None:
            self._end_current()
            name = clean_name(filename)
            if len(self.received) >= self.room:
                self._current = _Incoming(name, None, TOO_MANY)
            else:
                self._current = _Incoming(name, self.folder / f"{secrets.token_hex(16)}.part")
        self.read += len(data)
        self._current.write(data)

    def finish(self) -> None:
        """The request has ended (or reading stopped): the last file is complete, or refused."""
        if self._current is not None and self.full:
            self._current._drop(TOO_BIG if self._current.size > MAX_BYTES else TOO_MANY)
        self._end_current()

    def _end_current(self) -> None:
        if self._current is None:
            return
        taken = self._current.end()
        self._current = None
        if isinstance(taken, ReceivedFile):
            self.received.append(taken)
        else:
            self.refused.append(taken)

    def discard(self) -> None:
        """Remove every `.part` file still here (staged ones were moved away already)."""
        if self._current is not None:
            self._current._drop(self._current.refusal or TOO_MANY)
            self._current = None
        for file in self.received:
            file.part.unlink(missing_ok=True)


# --- staging, attaching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StagingForm:
    """The form files are staged for: its key (random, kept by the server in the tab's state), the ticket it replies
    to (0: a new ticket) and whether staff send it."""

    key: str
    ticket_id: int = 0
    as_staff: bool = False


def _uploader(db: Session, principal: Principal, form: StagingForm) -> _Uploader:
    """Who may stage files for this form: staff for a ticket of their organisation; a customer for their own ticket,
    or for a new one. NotFound, NotLinked or NotStaff otherwise."""
    if form.as_staff:
        ticket, customer = staff_ticket(db, staff_scope(db, principal), form.ticket_id)
        return _Uploader(principal.user_id, customer, ticket)
    customer = customer_scope(db, principal).customer
    ticket = own_ticket(db, principal, form.ticket_id) if form.ticket_id else None
    return _Uploader(principal.user_id, customer, ticket)


def _key(raw: object) -> str:
    if not isinstance(raw, str) or not 16 <= len(raw) <= 64 or not raw.isascii():
        raise PortalError(FORM_EXPIRED)
    return raw


def _staged_rows(db: Session, uploader: _Uploader, key: str) -> list[TicketAttachment]:
    return list(
        db.exec(
            select(TicketAttachment)
            .where(
                TicketAttachment.uploaded_by == uploader.user_id,
                TicketAttachment.staging_key == key,
                TicketAttachment.customer_id == uploader.customer.id,
                col(TicketAttachment.ticket_id).is_(None),
            )
            .order_by(col(TicketAttachment.id))
        ).all()
    )


def _staged_view(rows: list[TicketAttachment]) -> list[StagedFile]:
    return [StagedFile(id=row.id, name=row.original_name, size=show_size(row.size)) for row in rows]


def upload_room(db: Session, principal: Principal, form: StagingForm) -> int:
    """How many more files the form may stage (checks who is asking; clears day-old staged files first)."""
    uploader = _uploader(db, principal, form)
    wanted = _key(form.key)
    discard_stale_staging(db)
    return max(0, MAX_FILES - len(_staged_rows(db, uploader, wanted)))


def stage(db: Session, principal: Principal, form: StagingForm, received: list[ReceivedFile]) -> StagingResult:
    """Stage the received files for the form under random names (beyond MAX_FILES: refused, removed); returns the
    form's staged files and the refusals."""
    uploader = _uploader(db, principal, form)
    wanted = _key(form.key)
    folder = storage_dir()
    room = MAX_FILES - len(_staged_rows(db, uploader, wanted))
    refused: list[Refusal] = []
    for file in received:
        if room <= 0:
            file.part.unlink(missing_ok=True)
            refused.append(Refusal(file.name, TOO_MANY))
            continue
        stored = secrets.token_hex(16)
        _unlink_after_rollback(db, folder / stored)
        file.part.rename(folder / stored)
        db.add(
            TicketAttachment(
                customer_id=uploader.customer.id,
                original_name=file.name,
                stored_name=stored,
                content_type=file.content_type,
                size=file.size,
                uploaded_by=uploader.user_id,
                staging_key=wanted,
            )
        )
        room -= 1
    db.flush()
    return StagingResult(staged=_staged_view(_staged_rows(db, uploader, wanted)), refused=refused)


def unstage(db: Session, principal: Principal, form: StagingForm, attachment_id: object) -> list[StagedFile]:
    """Remove one of the form's staged files (another id changes nothing); returns the form's staged files."""
    uploader = _uploader(db, principal, form)
    wanted = _key(form.key)
    target = db_id(attachment_id)
    for row in _staged_rows(db, uploader, wanted):
        if row.id == target:
            _unlink_after_commit(db, storage_dir() / row.stored_name)
            db.delete(row)
    db.flush()
    return _staged_view(_staged_rows(db, uploader, wanted))


def attach_staged(
    db: Session, principal: Principal, key: object, ticket: Ticket, message: TicketMessage | None = None
) -> int:
    """Attach the files the person staged with this form key to the ticket's request (message None) or to the
    reply; how many. Called by the services that send a ticket or reply, with the rows they have checked."""
    if not isinstance(key, str) or not key:
        return 0
    return db.exec(
        update(TicketAttachment)
        .where(
            col(TicketAttachment.uploaded_by) == principal.user_id,
            col(TicketAttachment.staging_key) == key,
            col(TicketAttachment.customer_id) == ticket.customer_id,
            col(TicketAttachment.ticket_id).is_(None),
        )
        .values(ticket_id=ticket.id, message_id=message.id if message is not None else None, staging_key=None)
    ).rowcount


def discard_stale_staging(db: Session) -> int:
    """Delete staged files (rows and bytes) older than STAGING_LIFETIME: forms that were never sent."""
    rows = db.exec(
        select(TicketAttachment).where(
            col(TicketAttachment.ticket_id).is_(None),
            col(TicketAttachment.created_at) < utcnow() - STAGING_LIFETIME,
        )
    ).all()
    return _delete_rows(db, list(rows))


def remove_customer_files(db: Session, customer: Customer) -> int:
    """Delete every file of the customer (rows now, bytes once the transaction commits); how many. Call it before
    the customer's tickets are deleted."""
    rows = db.exec(select(TicketAttachment).where(TicketAttachment.customer_id == customer.id)).all()
    return _delete_rows(db, list(rows))


def _delete_rows(db: Session, rows: list[TicketAttachment]) -> int:
    folder = settings().attachments_dir
    for row in rows:
        _unlink_after_commit(db, folder / row.stored_name)
    if rows:
        db.exec(delete(TicketAttachment).where(col(TicketAttachment.id).in_([row.id for row in rows])))
    return len(rows)


# --- threads and downloads -------------------------------------------------------------------------


def thread_attachments(db: Session, ticket: Ticket) -> dict[int | None, list[AttachmentView]]:
    """The ticket's files by the message they came with (None: the ticket's request), in upload order."""
    rows = db.exec(
        select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id).order_by(col(TicketAttachment.id))
    ).all()
    return files_by_message(rows)


def files_by_message(rows: Iterable[TicketAttachment]) -> dict[int | None, list[AttachmentView]]:
    """Files of one ticket, read in upload order, by the message they came with (None: the ticket's request)."""
    found: dict[int | None, list[AttachmentView]] = {}
    for row in rows:
        href = f"{ATTACHMENTS_PATH}/{row.id}"
        is_image = row.content_type in IMAGE_TYPES
        found.setdefault(row.message_id, []).append(
            AttachmentView(
                id=row.id,
                name=row.original_name,
                size=show_size(row.size),
                is_image=is_image,
                href=href,
                view_href=f"{href}?inline=1" if is_image else "",
            )
        )
    return found


def attachment_file(db: Session, principal: Principal, attachment_id: object) -> AttachmentFile:
    """An attached file, for the ticket's customer or its organisation's staff; NotFound for anyone else, for a
    staged file and for a file missing from the folder."""
    wanted = db_id(attachment_id)
    row = (
        db.exec(
            select(TicketAttachment).where(TicketAttachment.id == wanted, col(TicketAttachment.ticket_id).is_not(None))
        ).first()
        if wanted is not None
        else None
    )
    if row is None or not _may_read(db, principal, row):
        raise NotFound(ATTACHMENT_NOT_FOUND)
    path = settings().attachments_dir / row.stored_name
    if not path.is_file():
        raise NotFound(ATTACHMENT_NOT_FOUND)
    return AttachmentFile(
        path=path, name=row.original_name, content_type=row.content_type, is_image=row.content_type in IMAGE_TYPES
    )


def _may_read(db: Session, principal: Principal, row: TicketAttachment) -> bool:
    """Staff of the ticket's organisation, or the person acting as the ticket's customer."""
    try:
        staff_ticket(db, staff_scope(db, principal), row.ticket_id)
    except (NotStaff, NotFound):
        pass
    else:
        return True
    try:
        ticket = own_ticket(db, principal, row.ticket_id)
    except (NotLinked, NotFound):
        return False
    return ticket.customer_id == row.customer_id


# --- the folder follows the transaction ------------------------------------------------------------


def _unlink_after_commit(db: Session, path: Path) -> None:
    db.info.setdefault(_UNLINK_ON_COMMIT, []).append(path)


def _unlink_after_rollback(db: Session, path: Path) -> None:
    db.info.setdefault(_UNLINK_ON_ROLLBACK, []).append(path)


@event.listens_for(OrmSession, "after_commit")
def _committed(session: OrmSession) -> None:
    session.info.pop(_UNLINK_ON_ROLLBACK, None)
    for path in session.info.pop(_UNLINK_ON_COMMIT, []):
        path.unlink(missing_ok=True)


@event.listens_for(OrmSession, "after_soft_rollback")
def _rolled_back(session: OrmSession, previous_transaction: object) -> None:
    if getattr(previous_transaction, "nested", False):
        return
    session.info.pop(_UNLINK_ON_COMMIT, None)
    for path in session.info.pop(_UNLINK_ON_ROLLBACK, []):
        path.unlink(missing_ok=True)
