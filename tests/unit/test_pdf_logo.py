"""Invoices, receipts and statements carry the organisation's own logo in the letterhead (pdf/layout.py): a PNG
or JPEG as an image, an SVG converted by svglib and drawn as a form; a missing or broken file leaves the name."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from factories import make_customer, make_organisation, make_user
from PIL import Image
from pypdf import PdfReader

from portal_app.config import settings
from portal_app.models import Invoice, InvoiceLine, InvoiceState
from portal_app.pdf.invoice import render_invoice_pdf
from portal_app.pdf.layout import Document, provider_block
from portal_app.services.accounts import sessions
from portal_app.services.accounts.branding import branding_of
from portal_app.services.billing.invoice_documents import invoice_document

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40">'
    b'<rect width="40" height="40" rx="8" fill="#1d4ed8"/>'
    b'<text x="48" y="27" font-size="18" font-weight="bold">Northwind</text></svg>'
)


@pytest.fixture
def logos_dir(env, monkeypatch):
    folder = env / "logos"
    folder.mkdir()
    monkeypatch.setenv("PORTAL_LOGOS_DIR", str(folder))
    settings.cache_clear()
    return folder


def signed_in(db, customer):
    user = make_user(db, customer=customer)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return sessions.resolve(db, token)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (240, 60), "#1d4ed8").save(out, format="PNG")
    return out.getvalue()


def invoice_pdf(db, logos_dir, logo_name: str | None, content: bytes | None) -> PdfReader:
    if logo_name and content is not None:
        (logos_dir / logo_name).write_bytes(content)
    organisation = make_organisation(db, slug="northwind", name="Northwind Fiber", logo_path=logo_name)
    customer = make_customer(db, organisation, name="Riverside Bakery")
    invoice = Invoice(
        customer_id=customer.id,
        number="NWF-1",
        state=InvoiceState.ISSUED,
        issued_on=date(2025, 1, 1),
        due_on=date(2025, 1, 31),
        currency="USD",
        total_minor=5_000,
    )
    db.add(invoice)
    db.flush()
    db.add(
        InvoiceLine(invoice_id=invoice.id, description="Fiber", quantity=1, unit_price_minor=5_000, amount_minor=5_000)
    )
    db.commit()
    document = invoice_document(db, signed_in(db, customer), invoice.id, today=date(2025, 1, 2))
    return PdfReader(io.BytesIO(render_invoice_pdf(document)))


def xobjects(reader: PdfReader) -> dict[str, str]:
    """The first page's XObjects by name: their /Subtype (/Image or /Form)."""
    found = reader.pages[0]["/Resources"].get("/XObject", {})
    return {name: ref.get_object()["/Subtype"] for name, ref in found.items()}


def text(reader: PdfReader) -> str:
    return " ".join(reader.pages[0].extract_text().split())


def test_a_png_logo_is_an_image_in_the_letterhead(db, logos_dir):
    reader = invoice_pdf(db, logos_dir, f"{'c' * 32}.png", png())
    assert "/Image" in xobjects(reader).values()
    assert "Northwind Fiber" in text(reader)  # the name still stands under the logo


def test_an_svg_logo_is_converted_and_drawn_as_a_form_in_embedded_fonts(db, logos_dir):
    reader = invoice_pdf(db, logos_dir, f"{'d' * 32}.svg", SVG)
    assert list(xobjects(reader).values()) == ["/Form"]
    assert "Northwind" in text(reader)
    fonts = {ref.get_object()["/BaseFont"] for ref in reader.pages[0]["/Resources"]["/Font"].values()}
    assert not any("Helvetica" in font for font in fonts)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (f"{'e' * 32}.png", None),  # the file is gone
        (f"{'e' * 32}.png", b"\x89PNG\r\n\x1a\n" + bytes(50)),  # not a readable PNG
        (f"{'e' * 32}.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect"),  # broken XML
        (f"{'e' * 32}.svg", b"<html>not a drawing</html>"),
    ],
)
def test_a_missing_or_broken_logo_falls_back_to_the_name(db, logos_dir, name, content):
    reader = invoice_pdf(db, logos_dir, name, content)
    assert xobjects(reader) == {}
    assert "Northwind Fiber" in text(reader)
    assert "Invoice" in text(reader)


def test_a_file_broken_after_the_branding_was_read_still_renders(db, logos_dir, tmp_path):
    organisation = make_organisation(db, slug="harbor", name="Harbor Web Studio")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff" + bytes(30))
    page = Document(locale="en_US", colour="#1d4ed8", title="t", author="a", subject="s")
    branding = replace(branding_of(organisation), logo_file=str(broken))
    pdf = page.render(provider_block(branding, None, page.look), "footer")
    assert "Harbor Web Studio" in " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
