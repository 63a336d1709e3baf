"""Ticket attachments: type from content, limits, clean names, staging and attaching, who may open a file (the
route's answers and headers), and that deleting a customer removes their files."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import reflex as rx
from factories import make_customer, make_organisation, make_user, principal_for
from sqlmodel import select
from starlette.testclient import TestClient
from support_fixtures import open_ticket
from test_handler_guards import fresh_state, run

from portal_app.api import api_app
from portal_app.config import settings
from portal_app.errors import NotFound
from portal_app.models import PortalUser, TicketAttachment
from portal_app.models.base import utcnow
from portal_app.services.accounts import customer_admin, sessions
from portal_app.services.support import attachments, inbox, tickets
from portal_app.services.support.attachments import (
    MAX_BYTES,
    MAX_FILES,
    TOO_BIG,
    TOO_MANY,
    WRONG_TYPE,
    FileReceiver,
    StagingForm,
    clean_name,
    content_disposition,
)
from portal_app.services.support.staff_attachments import staff_reply_with_files
from portal_app.state.support import SupportState

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)
LOG = "2026-11-29 10:00:01 modem: link down\n2026-11-29 10:00:09 modem: link up — 500 Mbps\n".encode()
KEY = "k" * 32


@pytest.fixture(autouse=True)
def folder(env, monkeypatch):
    """Attachments go to tmp_path/attachments."""
    monkeypatch.setenv("PORTAL_ATTACHMENTS_DIR", str(env / "attachments"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "attachment-test-secret")
    settings.cache_clear()
    return env / "attachments"


def receive(room: int, *files: tuple[str, bytes], chunk: int = 64 * 1024) -> FileReceiver:
    """The receiver after one upload request of these files, sent in chunks as Reflex streams them."""
    receiver = FileReceiver(room)
    for name, data in files:
        for offset in range(0, max(len(data), 1), chunk):
            receiver.take(name, offset, data[offset : offset + chunk])
    receiver.finish()
    return receiver


def stored(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def staged_for(db, principal, *files: tuple[str, bytes], form: StagingForm | None = None):
    form = form or StagingForm(KEY)
    room = attachments.upload_room(db, principal, form)
    receiver = receive(room, *files)
    result = attachments.stage(db, principal, form, receiver.received)
    db.commit()
    receiver.discard()
    return result, receiver.refused


def new_ticket_with(db, principal, *files: tuple[str, bytes]) -> int:
    staged_for(db, principal, *files)
    ticket_id = tickets.open_ticket(
        db,
        principal,
        subject="Router lights",
        description="See the photo.",
        priority="Medium",
        submission_key="",
        staging_key=KEY,
    )
    db.commit()
    return ticket_id


# --- type from content, limits, names --------------------------------------------------------------


def test_the_type_comes_from_the_content_not_the_name(folder):
    receiver = receive(5, ("photo.png", PNG), ("setup.png", EXE), ("router.log", LOG), ("invoice.txt", PDF))

    taken = {file.name: file.content_type for file in receiver.received}
    assert taken == {"photo.png": "image/png", "router.log": "text/plain", "invoice.txt": "application/pdf"}
    assert [(r.name, r.reason) for r in receiver.refused] == [("setup.png", WRONG_TYPE)]
    assert len(stored(folder)) == 3  # the refused file left nothing behind


def test_text_must_be_utf8_without_nul_bytes(folder):
    receiver = receive(5, ("latin1.txt", "café".encode("latin-1")), ("nul.log", b"abc\x00def"), ("empty.txt", b""))

    assert receiver.received == []
    assert [r.name for r in receiver.refused] == ["latin1.txt", "nul.log", "empty.txt"]
    assert stored(folder) == []


def test_a_text_file_split_inside_a_character_is_still_text():
    text = ("é" * 40_000).encode()  # 80,000 bytes: chunks end in the middle of a character

    receiver = receive(1, ("notes.txt", text), chunk=4097)

    assert [f.content_type for f in receiver.received] == ["text/plain"]


def test_a_file_over_the_limit_is_refused_and_not_kept(folder):
    big = PDF + bytes(MAX_BYTES)

    receiver = receive(5, ("scan.pdf", big), ("ok.pdf", PDF))

    assert [(r.name, r.reason) for r in receiver.refused] == [("scan.pdf", TOO_BIG)]
    assert [f.name for f in receiver.received] == ["ok.pdf"]
    assert len(stored(folder)) == 1


def test_reading_stops_once_a_request_sends_more_than_any_upload_needs():
    receiver = FileReceiver(5)
    sent = 0
    while not receiver.full:
        receiver.take("endless.log", sent, b"a" * 1024 * 1024)
        sent += 1024 * 1024
    receiver.finish()

    assert sent <= (MAX_FILES + 2) * MAX_BYTES
    assert receiver.received == []


def test_a_sixth_file_is_refused(db, bea, folder):
    result, refused = staged_for(db, bea, *[(f"photo{n}.png", PNG) for n in range(1, 7)])

    assert [f.name for f in result.staged] == [f"photo{n}.png" for n in range(1, 6)]
    assert [(r.name, r.reason) for r in refused] == [("photo6.png", TOO_MANY)]
    assert attachments.upload_room(db, bea, StagingForm(KEY)) == 0
    # A later upload for the same form is refused too, and stores nothing.
    _, later = staged_for(db, bea, ("photo7.png", PNG))
    assert [(r.name, r.reason) for r in later] == [("photo7.png", TOO_MANY)]
    assert len(stored(folder)) == MAX_FILES


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\bea\\router.png", "router.png"),
        ("bad\x00\x07name\u202egnp.exe", "badnamegnp.exe"),
        ("  spaced \n\t out .log ", "spaced out .log"),
        ("...", "attachment"),
        ("", "attachment"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_names_are_cleaned(raw, clean):
    assert clean_name(raw) == clean


def test_stored_names_are_random_never_the_users(db, bea, folder):
    staged_for(db, bea, ("../../portal.db", LOG))

    row = db.exec(select(TicketAttachment)).one()
    assert row.original_name == "portal.db"
    assert row.stored_name != "portal.db" and len(row.stored_name) == 32
    assert stored(folder) == [row.stored_name]


def test_content_disposition_keeps_unicode_names_with_rfc5987():
    header = content_disposition("attachment", 'Rechnung "März" €.pdf')

    assert header == (
        "attachment; filename=\"Rechnung _M_rz_ _.pdf\"; filename*=UTF-8''Rechnung%20%22M%C3%A4rz%22%20%E2%82%AC.pdf"
    )


# --- staging and attaching -------------------------------------------------------------------------


def test_staged_files_attach_to_the_new_ticket_and_show_in_the_thread(db, bea):
    ticket_id = new_ticket_with(db, bea, ("router.png", PNG), ("modem.log", LOG))

    thread = tickets.ticket_thread(db, bea, ticket_id)
    assert [(f.name, f.is_image) for f in thread.attachments] == [("router.png", True), ("modem.log", False)]
    image, log = thread.attachments
    assert image.view_href == f"/api/attachments/{image.id}?inline=1"
    assert log.href == f"/api/attachments/{log.id}" and log.view_href == ""
    assert attachments.upload_room(db, bea, StagingForm(KEY)) == MAX_FILES  # the form's staging is empty again


def test_a_reply_takes_its_files_along(db, bea):
    ticket_id = open_ticket(db, bea)
    staged_for(db, bea, ("speedtest.png", PNG), form=StagingForm(KEY, ticket_id))

    thread = tickets.reply(db, bea, ticket_id, "Here is the speed test.", KEY)

    assert thread.attachments == []
    assert [f.name for f in thread.messages[-1].attachments] == ["speedtest.png"]


def test_staff_reply_with_files(db, bea, jamie):
    ticket_id = open_ticket(db, bea)
    staged_for(db, jamie, ("how-to.pdf", PDF), form=StagingForm(KEY, ticket_id, as_staff=True))

    thread = staff_reply_with_files(db, jamie, ticket_id, "Follow this guide.", KEY)
    db.commit()

    assert [f.name for f in thread.messages[-1].attachments] == ["how-to.pdf"]
    assert [f.name for f in tickets.ticket_thread(db, bea, ticket_id).messages[-1].attachments] == ["how-to.pdf"]


def test_the_staff_ticket_page_shows_the_requests_files_and_each_replys(db, bea, jamie):
    ticket_id = new_ticket_with(db, bea, ("router.png", PNG), ("modem.log", LOG))
    staged_for(db, bea, ("speedtest.png", PNG), form=StagingForm(KEY, ticket_id))
    tickets.reply(db, bea, ticket_id, "Here is the speed test.", KEY)
    db.commit()
    plain = open_ticket(db, bea, subject="No files")

    page = inbox.staff_thread(db, jamie, ticket_id)

    assert [f.name for f in page.attachments] == ["router.png", "modem.log"]
    assert [[f.name for f in m.attachments] for m in page.messages] == [["speedtest.png"]]
    empty = inbox.staff_thread(db, jamie, plain)
    assert (empty.subject, empty.attachments, empty.messages) == ("No files", [], [])


def test_nobody_stages_for_a_ticket_not_theirs(db, bea, jamie):
    ticket_id = open_ticket(db, bea)
    other_org = make_organisation(db, name="Harbor Web Studio")
    stranger = principal_for(db, make_user(db, customer=make_customer(db, other_org, name="Stranger")))
    outside_staff = principal_for(db, make_user(db, staff_organisation_id=other_org.id))

    with pytest.raises(NotFound):
        attachments.upload_room(db, stranger, StagingForm(KEY, ticket_id))
    with pytest.raises(NotFound):
        attachments.upload_room(db, outside_staff, StagingForm(KEY, ticket_id, as_staff=True))


def test_files_staged_by_another_form_or_person_are_not_attached(db, bea, bakery):
    colleague = principal_for(db, make_user(db, customer=bakery))
    staged_for(db, colleague, ("theirs.png", PNG))
    staged_for(db, bea, ("other-tab.png", PNG), form=StagingForm("o" * 32))

    ticket_id = new_ticket_with(db, bea, ("mine.png", PNG))

    assert [f.name for f in tickets.ticket_thread(db, bea, ticket_id).attachments] == ["mine.png"]


def test_unstage_removes_the_file_once_committed(db, bea, folder):
    result, _ = staged_for(db, bea, ("wrong.png", PNG), ("right.png", PNG))

    left = attachments.unstage(db, bea, StagingForm(KEY), result.staged[0].id)
    assert stored(folder) != [] and len(stored(folder)) == 2  # still there until the commit
    db.commit()

    assert [f.name for f in left] == ["right.png"]
    assert len(stored(folder)) == 1


def test_staged_files_of_a_form_never_sent_are_deleted_after_a_day(db, bea, folder):
    staged_for(db, bea, ("forgotten.png", PNG))
    row = db.exec(select(TicketAttachment)).one()
    row.created_at = utcnow() - timedelta(days=1, minutes=1)
    db.add(row)
    db.commit()

    attachments.upload_room(db, bea, StagingForm("n" * 32))  # any new upload clears them first
    db.commit()

    assert db.exec(select(TicketAttachment)).all() == []
    assert stored(folder) == []


def test_a_rolled_back_upload_leaves_no_file(db, bea, folder):
    receiver = receive(5, ("router.png", PNG))
    attachments.stage(db, bea, StagingForm(KEY), receiver.received)
    assert len(stored(folder)) == 1

    db.rollback()

    assert stored(folder) == []


# --- who may open a file ---------------------------------------------------------------------------


def browser(db, user) -> TestClient:
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return TestClient(api_app, cookies={"portal_session": token})


@pytest.fixture
def files(db, bea, bakery):
    """Bea's ticket with a photo and a PDF: (image id, pdf id)."""
    ticket_id = new_ticket_with(db, bea, ("router.png", PNG), ("Bescheid März.pdf", PDF))
    image, pdf = tickets.ticket_thread(db, bea, ticket_id).attachments
    return image.id, pdf.id


def test_the_customer_downloads_their_file_and_sees_images_inline(db, bakery, files):
    image_id, pdf_id = files
    client = browser(db, make_user(db, customer=bakery))

    pdf = client.get(f"/api/attachments/{pdf_id}?inline=1")
    image = client.get(f"/api/attachments/{image_id}?inline=1")
    image_download = client.get(f"/api/attachments/{image_id}")

    assert pdf.status_code == 200 and pdf.content == PDF
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith('attachment; filename="Bescheid M_rz.pdf"')
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["cache-control"] == "private, no-store"
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline;")
    assert image_download.headers["content-disposition"].startswith("attachment;")


def test_the_organisations_staff_open_the_file(db, acme, files):
    client = browser(db, make_user(db, staff_organisation_id=acme.id))

    assert client.get(f"/api/attachments/{files[1]}").content == PDF


@pytest.mark.parametrize("who", ["another customer", "another customer of the provider", "another provider's staff"])
def test_anyone_else_gets_a_refusal_page_and_no_file(db, acme, files, who):
    other_org = make_organisation(db, name="Harbor Web Studio")
    if who == "another customer":
        user = make_user(db, customer=make_customer(db, other_org, name="Stranger"))
    elif who == "another customer of the provider":
        user = make_user(db, customer=make_customer(db, acme, name="Neighbour"))
    else:
        user = make_user(db, staff_organisation_id=other_org.id)

    answer = browser(db, user).get(f"/api/attachments/{files[1]}")

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "This file was not found." in answer.text
    assert PDF not in answer.content


def test_a_signed_out_browser_is_asked_to_sign_in(files):
    answer = TestClient(api_app).get(f"/api/attachments/{files[0]}?inline=1")

    assert answer.status_code == 403
    assert "Please sign in to open this file." in answer.text
    assert PNG not in answer.content


def test_staged_files_and_bad_ids_are_not_served(db, bea, bakery):
    result, _ = staged_for(db, bea, ("draft.png", PNG))
    client = browser(db, make_user(db, customer=bakery))

    for target in (str(result.staged[0].id), "0", "abc", "9" * 30):
        assert client.get(f"/api/attachments/{target}").status_code == 404


# --- deleting a customer ---------------------------------------------------------------------------


def test_deleting_a_customer_removes_their_files(db, acme, bakery, bea, files, folder):
    neighbour = make_customer(db, acme, name="Neighbour")
    neighbour_user = principal_for(db, make_user(db, customer=neighbour))
    staged_for(db, neighbour_user, ("kept.png", PNG))
    kept = db.exec(select(TicketAttachment).where(TicketAttachment.customer_id == neighbour.id)).one()
    db.get(PortalUser, bea.user_id).is_active = False  # deleting a customer waits for this
    db.commit()

    assert attachments.remove_customer_files(db, bakery) == 2
    customer_admin.delete_customer(db, acme.slug, bakery.id)  # commits: the customer's tickets go too

    assert db.exec(select(TicketAttachment)).all() == [kept]
    assert stored(folder) == [kept.stored_name]


def test_files_stay_when_the_deletion_is_refused(db, acme, bakery, files, folder):
    attachments.remove_customer_files(db, bakery)
    db.rollback()  # as delete_customer does when an active portal user is still linked

    assert len(db.exec(select(TicketAttachment)).all()) == 2
    assert len(stored(folder)) == 2


# --- the upload handler ----------------------------------------------------------------------------


def upload_of(*files: tuple[str, bytes]) -> rx.UploadChunkIterator:
    """What Reflex hands the handler for an upload request of these files (already all sent)."""
    chunks = rx.UploadChunkIterator(maxsize=len(files) + 1)

    async def send() -> None:
        for name, data in files:
            await chunks.push(rx.UploadChunk(filename=name, offset=0, content_type="image/png", data=data))
        await chunks.finish()

    asyncio.run(send())
    return chunks


def support_state(db, user=None) -> SupportState:
    token = sessions.open_session(db, user.id, remember=False) if user is not None else ""
    db.commit()
    state = fresh_state(SupportState, token)
    state._new_staging()
    return state


def test_the_upload_handler_stages_the_signed_in_customers_files(db, bakery, folder):
    state = support_state(db, make_user(db, customer=bakery))

    run(SupportState.event_handlers["stage_files"], state, [upload_of(("router.png", PNG), ("setup.png", EXE))])

    assert [f.name for f in state.staged] == ["router.png"]
    assert [(r.name, r.reason) for r in state.refused] == [("setup.png", WRONG_TYPE)]
    assert not state.uploading
    assert len(stored(folder)) == 1


def test_the_upload_handler_reads_nothing_for_a_signed_out_browser(db, folder):
    state = support_state(db)

    run(SupportState.event_handlers["stage_files"], state, [upload_of(("router.png", PNG))])

    assert state.staged == []
    assert db.exec(select(TicketAttachment)).all() == []
    assert stored(folder) == []


def test_files_the_browser_refused_say_why(db):
    state = support_state(db)
    rejected = [
        {"file": {"path": "./videos/holiday.mp4"}, "errors": [{"code": "file-too-large", "message": "x"}]},
        {"file": {"path": "notes.txt"}, "errors": [{"code": ["not", "a", "code"]}]},
        "not a rejection",
    ]

    run(SupportState.event_handlers["note_rejected"], state, [rejected])

    assert [(r.name, r.reason) for r in state.refused] == [("holiday.mp4", TOO_BIG), ("notes.txt", TOO_BIG)]
