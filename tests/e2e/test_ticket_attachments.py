"""Ticket attachments in the browser: a customer attaches a photo and a PDF to a new ticket (progress, a refused
file saying why, the thumbnail in the thread), staff open and download them and attach a file to their reply, and
nobody else gets the files."""

from __future__ import annotations

import os
import re
import sqlite3
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MULTI, check_page, h1, sign_in, wait_hydrated
from .test_support import unique

STAFF = "staff@example.com"
# The upload runs at this many bytes a second, so its progress is on screen long enough to see.
SLOW_UPLOAD = 200 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(400)


def png(width: int, height: int) -> bytes:
    """A real PNG of noise (stored uncompressed, so it is about width x height x 3 bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b"")


def attachment_ids(db_path: Path, ticket_id: int) -> dict[str, int]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT original_name, id FROM ticketattachment WHERE ticket_id = ?", (ticket_id,))
        return dict(rows.fetchall())


def test_a_customer_attaches_files_and_only_the_ticket_s_people_open_them(
    open_context: Callable[..., BrowserContext], portal_db: Path, tmp_path: Path
) -> None:
    photo, invoice, fake = tmp_path / "router lights.png", tmp_path / "Rechnung März.pdf", tmp_path / "setup.png"
    photo.write_bytes(png(420, 420))
    invoice.write_bytes(PDF)
    fake.write_bytes(EXE)
    subject = unique("Router lights blinking")

    alex = open_context().new_page()
    sign_in(alex, DEMO, DEMO_PASSWORD)
    alex.goto("/portal/support")
    wait_hydrated(alex, "#ticket-subject")
    files = alex.locator("#ticket-files input[type=file]")

    network = alex.context.new_cdp_session(alex)
    network.send("Network.enable")
    conditions = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": SLOW_UPLOAD}
    network.send("Network.emulateNetworkConditions", conditions)
    files.set_input_files([str(photo), str(invoice)])
    progress = alex.locator("#ticket-files-progress")
    expect(progress).to_contain_text(re.compile(r"Uploading… \d+%"))
    expect(alex.get_by_role("progressbar", name="Upload progress")).to_be_visible()
    staged = alex.get_by_role("list", name="Attached files")
    expect(staged).to_contain_text("router lights.png", timeout=30_000)
    expect(staged).to_contain_text("Rechnung März.pdf")
    expect(progress).to_have_count(0)
    network.send("Network.emulateNetworkConditions", {**conditions, "uploadThroughput": -1})

    files.set_input_files([str(fake)])
    refused = alex.locator("#ticket-files-error")
    expect(refused).to_contain_text("setup.png")
    expect(refused).to_contain_text("This type of file is not accepted")
    expect(staged.get_by_role("listitem")).to_have_count(2)
    alex.fill("#ticket-subject", subject)
    alex.fill("#ticket-description", "The lights blink orange. Photo and the last invoice attached.")
    check_page(alex, "ticket-attachments-form")

    alex.get_by_role("button", name="Send ticket").click()
    expect(alex.get_by_role("status").filter(has_text="was created")).to_be_visible()
    alex.get_by_role("link", name="View it").click()
    expect(h1(alex, subject)).to_be_visible()
    thumbnail = alex.get_by_role("img", name="router lights.png")
    expect(thumbnail).to_be_visible()
    alex.wait_for_function("el => el.complete && el.naturalWidth === 420", arg=thumbnail.element_handle())
    expect(alex.get_by_role("link", name="Download Rechnung März.pdf")).to_be_visible()
    check_page(alex, "ticket-attachments-thread")

    (ticket_id,) = re.findall(r"/portal/support/(\d+)", alex.url)
    ids = attachment_ids(portal_db, int(ticket_id))
    assert set(ids) == {"router lights.png", "Rechnung März.pdf"}
    pdf_url, photo_url = f"/api/attachments/{ids['Rechnung März.pdf']}", f"/api/attachments/{ids['router lights.png']}"
    own = alex.request.get(pdf_url)
    assert own.status == 200 and own.body() == PDF
    assert own.headers["content-disposition"].startswith("attachment;")
    assert own.headers["x-content-type-options"] == "nosniff"

    staff = open_context().new_page()
    staff.goto(f"/staff/tickets/{ticket_id}")
    expect(staff).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff%2Ftickets"))  # and back after sign-in
    sign_in(staff, STAFF, DEMO_PASSWORD, heading=subject)
    expect(staff.get_by_role("img", name="router lights.png")).to_be_visible()
    with staff.expect_download() as download:
        staff.get_by_role("link", name="Download Rechnung März.pdf").click()
    assert download.value.suggested_filename == "Rechnung März.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
    check_page(staff, "staff-ticket-attachments")

    guide = tmp_path / "line check.log"
    guide.write_text("10:02 line check: signal -18 dBm, OK\n")
    staff.locator("#staff-reply-files input[type=file]").set_input_files(str(guide))
    expect(staff.locator("#staff-reply-files-staged")).to_contain_text("line check.log")
    staff.fill("#staff-reply-body", "The line is fine; please restart the router. Our check is attached.")
    staff.get_by_role("button", name="Send reply").click()
    expect(staff.get_by_role("status").filter(has_text="Your reply was sent")).to_be_visible()
    expect(staff.get_by_role("link", name="Download line check.log")).to_be_visible()
    expect(staff.locator("#staff-reply-files-staged")).to_have_count(0)
    alex.reload()
    expect(alex.get_by_role("link", name="Download line check.log")).to_be_visible()

    sam = open_context().new_page()
    sign_in(sam, MULTI, DEMO_PASSWORD)
    for url in (pdf_url, photo_url + "?inline=1"):
        answer = sam.request.get(url)
        assert answer.status == 404
        assert answer.body() not in (PDF, photo.read_bytes())
    sam.goto(pdf_url)
    expect(sam.get_by_role("heading", name="This file was not found.")).to_be_visible()

    nobody: Page = open_context().new_page()
    answer = nobody.request.get(photo_url + "?inline=1")
    assert answer.status == 403
    assert b"Please sign in to open this file." in answer.body()
    nobody.goto(pdf_url)
    expect(nobody.get_by_role("heading", name="Please sign in to open this file.")).to_be_visible()
