"""Invoice PDFs: what the document says (read back with pypdf), who may have it, and its signed links."""

from __future__ import annotations

import io
import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from factories import make_customer, make_organisation, make_user, run_concurrently
from PIL import Image
from pypdf import PdfReader

from portal_app.errors import NotFound
from portal_app.models import Invoice, InvoiceLine, InvoiceState
from portal_app.pdf.invoice import render_invoice_pdf
from portal_app.services.access import NotLinked, check_pdf_link, pdf_link
from portal_app.services.accounts import sessions
from portal_app.services.accounts.branding import Branding
from portal_app.services.billing import invoice_documents
from portal_app.services.billing.invoice_documents import BillTo, InvoiceDocument, invoice_document
from portal_app.services.billing.invoice_status import InvoiceStatus
from portal_app.services.common import secret_key

TODAY = date(2025, 1, 20)
NOW = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
NON_LATIN = "Zoë Łukasiewicz 山田"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "test-secret-key")


def add_invoice(
    db,
    customer,
    lines=(("Fiber 500 Mbps, January", 1, 5_999, 0),),
    *,
    number="NWF-2025-0001",
    paid=0,
    state=InvoiceState.ISSUED,
    currency="USD",
    issued=date(2025, 1, 1),
    due=date(2025, 1, 31),
) -> Invoice:
    """An invoice whose total is its lines' net amounts plus tax (lines: description, qty, unit price, tax bp)."""
    rows = [
        InvoiceLine(
            invoice_id=0,
            position=position,
            description=description,
            quantity=quantity,
            unit_price_minor=unit,
            amount_minor=quantity * unit,
            tax_rate_bp=rate,
            tax_minor=quantity * unit * rate // 10_000,
        )
        for position, (description, quantity, unit, rate) in enumerate(lines, start=1)
    ]
    invoice = Invoice(
        customer_id=customer.id,
        number=number,
        state=state,
        issued_on=issued,
        due_on=due,
        currency=currency,
        total_minor=sum(row.amount_minor + row.tax_minor for row in rows),
        paid_minor=paid,
    )
    db.add(invoice)
    db.flush()
    for row in rows:
        row.invoice_id = invoice.id
        db.add(row)
    db.commit()
    return invoice


def signed_in(db, customer):
    """A new person linked to the customer, signed in; returns their principal."""
    user = make_user(db, customer=customer)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return sessions.resolve(db, token)


def text_of(pdf: bytes) -> list[str]:
    """Each page's text with whitespace runs collapsed to single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def northwind(db):
    return make_organisation(
        db,
        name="Northwind Fiber",
        brand_colour="#0f766e",
        address="455 Market Street, Suite 300\nPortland, OR 97204",
        email="billing@northwind.example",
        phone="+1 503 555 0100",
        website="northwind.example",
    )


def test_pdf_shows_figures_parties_dates_and_status(db, northwind):
    customer = make_customer(db, northwind, name=NON_LATIN, address="2178 Willow Creek Road\nPortland, OR 97214")
    invoice = add_invoice(
        db,
        customer,
        [("Fiber 1 Gbps, January", 1, 7_999, 825), ("Static IP address", 2, 500, 0)],
        paid=5_000,
    )
    principal = signed_in(db, customer)

    document = invoice_document(db, principal, invoice.id, today=TODAY)
    (page,) = text_of(render_invoice_pdf(document))

    # 79.99 + 2 x 5.00 = 89.99 net; 8.25% of 79.99 = 6.59 tax (floored); 96.58 total; 50.00 paid
    assert "Subtotal $89.99" in page
    assert "Tax $6.59" in page
    assert "Total $96.58" in page
    assert "Amount paid $50.00" in page
    assert "Balance due $46.58" in page
    assert "Invoice number NWF-2025-0001" in page
    assert "Issued Jan 1, 2025" in page
    assert "Due Jan 31, 2025" in page
    assert "Status Partially paid" in page
    assert NON_LATIN in page
    assert "2178 Willow Creek Road Portland, OR 97214" in page
    assert "Northwind Fiber" in page
    assert "455 Market Street, Suite 300" in page
    assert "Fiber 1 Gbps, January 1 $79.99 $6.59 8.25% $79.99" in page
    assert "Static IP address 2 $5.00 — $10.00" in page
    assert "Please pay $46.58 by Jan 31, 2025, quoting NWF-2025-0001 as the payment reference." in page
    assert "billing@northwind.example · +1 503 555 0100 · northwind.example" in page
    assert "Page 1 of 1" in page


def test_non_latin_text_uses_embedded_fonts_that_have_its_glyphs(db, northwind):
    customer = make_customer(db, northwind, name=NON_LATIN)
    document = invoice_document(db, signed_in(db, customer), add_invoice(db, customer).id, today=TODAY)

    reader = PdfReader(io.BytesIO(render_invoice_pdf(document)))
    fonts = {font["/BaseFont"].split("+")[-1] for font in _fonts(reader)}
    embedded = all("/FontFile2" in font["/FontDescriptor"] for font in _fonts(reader))

    assert NON_LATIN in " ".join(reader.pages[0].extract_text().split())
    assert {"DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"} <= fonts  # CJK comes from the fallback font
    assert embedded
    assert not {"Helvetica", "Times-Roman"} & fonts


def _fonts(reader: PdfReader) -> list:
    return [ref.get_object() for ref in reader.pages[0]["/Resources"]["/Font"].values()]


def test_long_invoice_spills_onto_pages_with_the_header_repeated(db, northwind):
    customer = make_customer(db, northwind)
    lines = [(f"Site {n:03d} fiber circuit", 1, 1_000, 0) for n in range(1, 201)]
    document = invoice_document(db, signed_in(db, customer), add_invoice(db, customer, lines).id, today=TODAY)

    pages = text_of(render_invoice_pdf(document))

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Description Qty Unit price Tax Amount" in page
        assert f"Page {number} of {len(pages)}" in page
    everything = " ".join(pages)
    assert all(everything.count(f"Site {n:03d} fiber circuit") == 1 for n in range(1, 201))
    assert "Total $2,000.00" in pages[-1]
    assert "Balance due $2,000.00" in pages[-1]


def test_zero_decimal_currency_shows_no_decimals(db, northwind):
    customer = make_customer(db, northwind, currency="JPY")
    invoice = add_invoice(db, customer, [("光回線 1 Gbps", 3, 4_500, 1_000)], currency="JPY", paid=1_000)
    document = invoice_document(db, signed_in(db, customer), invoice.id, today=TODAY)

    (page,) = text_of(render_invoice_pdf(document))
    (in_japanese,) = text_of(render_invoice_pdf(replace(document, locale="ja_JP")))

    assert "Subtotal ¥13,500 Tax ¥1,350 Total ¥14,850 Amount paid ¥1,000 Balance due ¥13,850" in page
    assert "¥13,500.00" not in page
    assert "光回線 1 Gbps 3 ¥4,500 ¥1,350 10% ¥13,500" in page
    assert "Total ￥14,850" in in_japanese
    assert "Issued 2025/01/01" in in_japanese


def test_markup_in_names_and_lines_renders_literally(db):
    organisation = make_organisation(db, name="A & B <i>Networks</i>", address="1 <Main> St & Co")
    customer = make_customer(db, organisation, name="<b>Evil & Co</b>", address='<font size="40">big</font>')
    invoice = add_invoice(db, customer, [("<br/>Line & <u>more</u>", 1, 100, 0)])
    document = invoice_document(db, signed_in(db, customer), invoice.id, today=TODAY)

    (page,) = text_of(render_invoice_pdf(document))

    assert "<b>Evil & Co</b>" in page
    assert '<font size="40">big</font>' in page
    assert "<br/>Line & <u>more</u>" in page
    assert "A & B <i>Networks</i>" in page
    assert "1 <Main> St & Co" in page


def test_invoice_without_number_falls_back_to_its_id(db, northwind):
    customer = make_customer(db, northwind)
    invoice = add_invoice(db, customer, number="")
    document = invoice_document(db, signed_in(db, customer), invoice.id, today=TODAY)

    (page,) = text_of(render_invoice_pdf(document))

    assert document.number == f"#{invoice.id}"
    assert document.filename == f"invoice-{invoice.id}.pdf"
    assert f"Invoice number #{invoice.id}" in page


@pytest.mark.parametrize(
    ("number", "filename"),
    [("NWF-2025-0001", "NWF-2025-0001.pdf"), ('INV/2026 "0042"', "INV-2026-0042.pdf"), ("山田", "invoice-1.pdf")],
)
def test_filename_is_safe_for_a_header(number, filename):
    document = _bare_document(number=number)
    assert document.filename == filename


def _bare_document(**fields) -> InvoiceDocument:
    values = {
        "invoice_id": 1,
        "number": "NWF-1",
        "status": InvoiceStatus.ISSUED,
        "issued_on": TODAY,
        "due_on": TODAY,
        "currency": "USD",
        "locale": "en_US",
        "provider": Branding(name="Northwind Fiber"),
        "logo_file": None,
        "customer": BillTo(name="Alex", address="", email="", phone=""),
        "lines": (),
        "subtotal_minor": 0,
        "tax_minor": 0,
        "total_minor": 0,
        "paid_minor": 0,
        "balance_minor": 0,
        "payment_instructions": (),
    }
    return InvoiceDocument(**(values | fields))


@pytest.mark.parametrize(
    ("paid", "state", "due", "expected"),
    [
        (5_999, InvoiceState.ISSUED, date(2025, 1, 31), "This invoice is paid in full. Thank you."),
        (0, InvoiceState.VOID, date(2025, 1, 31), "This invoice has been voided. Nothing is due."),
        (0, InvoiceState.ISSUED, date(2025, 1, 19), "This invoice is overdue: please pay $59.99 now"),
    ],
)
def test_payment_instructions_follow_the_status(db, northwind, paid, state, due, expected):
    customer = make_customer(db, northwind)
    invoice = add_invoice(db, customer, paid=paid, state=state, due=due)
    document = invoice_document(db, signed_in(db, customer), invoice.id, today=TODAY)

    (page,) = text_of(render_invoice_pdf(document))

    assert expected in page
    assert "Contact Northwind Fiber: billing@northwind.example" in page


def test_drafts_other_customers_and_unknown_ids_are_not_found(db, northwind):
    customer = make_customer(db, northwind)
    neighbour = make_customer(db, northwind, name="Neighbour")
    elsewhere = make_customer(db, make_organisation(db), name="Elsewhere")
    invoice = add_invoice(db, customer)
    draft = add_invoice(db, customer, number="", state=InvoiceState.DRAFT)
    owner = signed_in(db, customer)

    for principal, invoice_id in [
        (owner, draft.id),
        (owner, invoice.id + 1000),
        (signed_in(db, neighbour), invoice.id),
        (signed_in(db, elsewhere), invoice.id),
    ]:
        with pytest.raises(NotFound):
            invoice_document(db, principal, invoice_id, today=TODAY)
    with pytest.raises(NotLinked):
        invoice_document(db, replace(owner, customer_id=None), invoice.id, today=TODAY)
    assert invoice_document(db, owner, invoice.id, today=TODAY).number == "NWF-2025-0001"


def test_png_logo_is_drawn_and_paths_stay_inside_assets(tmp_path, monkeypatch):
    assets = tmp_path / "assets"
    assets.mkdir()
    Image.new("RGB", (200, 40), "#0f766e").save(assets / "northwind-logo.png")
    (tmp_path / "outside.png").write_bytes((assets / "northwind-logo.png").read_bytes())
    monkeypatch.setattr(invoice_documents, "ASSETS", assets)

    logo = invoice_documents.raster_logo("/northwind-logo.svg")  # an SVG logo's PNG twin
    pdf = render_invoice_pdf(_bare_document(logo_file=logo))
    (page,) = text_of(pdf)

    assert logo == assets / "northwind-logo.png"
    assert page.startswith("Northwind Fiber")  # the name is still written beside the picture
    assert any(
        obj.get_object()["/Subtype"] == "/Image"
        for obj in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"].values()
    )
    assert invoice_documents.raster_logo("/../outside.png") is None
    assert invoice_documents.raster_logo("/missing.svg") is None
    assert invoice_documents.raster_logo("") is None


def test_concurrent_renders_do_not_mix_up_documents():
    names = [f"Customer {n} 山田" for n in range(6)]
    documents = [_bare_document(customer=BillTo(name=name, address="", email="", phone="")) for name in names]

    pdfs = run_concurrently(*(partial(render_invoice_pdf, document) for document in documents))

    assert [name in text_of(pdf)[0] for name, pdf in zip(names, pdfs, strict=True)] == [True] * len(names)


def _principal(user_id=1, customer_id=10) -> sessions.Principal:
    return sessions.Principal(
        session_id=1, user_id=user_id, user_name="", user_email="", customer_id=customer_id, organisation_id=1
    )


def _parts(link: str) -> tuple[str, str]:
    query = dict(pair.split("=") for pair in link.split("?", 1)[1].split("&"))
    return query["exp"], query["sig"]


def test_pdf_link_is_bound_to_person_customer_and_invoice():
    link = pdf_link(_principal(), 42, now=NOW)
    exp, sig = _parts(link)

    assert link.startswith("/api/invoices/42/pdf?exp=")
    assert check_pdf_link(_principal(), 42, exp, sig, now=NOW)
    assert not check_pdf_link(_principal(user_id=2), 42, exp, sig, now=NOW)
    assert not check_pdf_link(_principal(customer_id=11), 42, exp, sig, now=NOW)
    assert not check_pdf_link(_principal(customer_id=None), 42, exp, sig, now=NOW)
    assert not check_pdf_link(_principal(), 43, exp, sig, now=NOW)
    assert not check_pdf_link(_principal(), 42, exp, sig[:-1] + ("0" if sig[-1] != "0" else "1"), now=NOW)
    assert not check_pdf_link(_principal(), 42, str(int(exp) + 1), sig, now=NOW)
    assert not check_pdf_link(_principal(), 42, exp, "", now=NOW)
    assert not check_pdf_link(_principal(), 42, "-1", sig, now=NOW)
    assert not check_pdf_link(_principal(), 42, "9" * 40, sig, now=NOW)
    assert pdf_link(_principal(), 42, now=NOW, download=True).endswith("&download=1")


def test_pdf_link_expires_after_ten_minutes():
    exp, sig = _parts(pdf_link(_principal(), 42, now=NOW))

    assert check_pdf_link(_principal(), 42, exp, sig, now=NOW + timedelta(minutes=10))
    assert not check_pdf_link(_principal(), 42, exp, sig, now=NOW + timedelta(minutes=10, seconds=1))
    assert not check_pdf_link(_principal(), 42, exp, sig, now=NOW - timedelta(minutes=1))  # minted in the future


def test_without_configured_key_a_private_key_file_is_created_once(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY")
    key_file = tmp_path / "var" / "secret_key"
    monkeypatch.setattr(secret_key, "KEY_FILE", key_file)

    first = pdf_link(_principal(), 42, now=NOW)
    secret_key._stored_secret.cache_clear()  # as a restarted process would
    second = pdf_link(_principal(), 42, now=NOW)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "another-installation")

    assert first == second
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text()) >= 32
    assert pdf_link(_principal(), 42, now=NOW) != first
    assert not check_pdf_link(_principal(), 42, *_parts(first), now=NOW)
