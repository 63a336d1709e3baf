"""CSV exports of billing history: BOM, locale dates, decimal amounts, formula-safe cells, whose rows, streaming in
bounded memory (20,000 invoices), and the signed route."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, date, datetime

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlmodel import col, select
from starlette.testclient import TestClient
from test_invoice_pdf_route import browser

from portal_app.api import api_app
from portal_app.demo import seed_demo
from portal_app.errors import NotFound
from portal_app.models import Invoice, InvoiceState, Payment, PaymentStatus, PortalUser
from portal_app.services.access import export_link
from portal_app.services.billing import exports
from portal_app.services.billing.exports import (
    INVOICE_COLUMNS,
    PAYMENT_COLUMNS,
    decimal_text,
    export_csv,
    export_download,
    safe_cell,
)

TODAY = date(2026, 11, 29)


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "export-test-secret")


@pytest.fixture
def northwind(db):
    return make_organisation(db, name="Northwind Fiber")


def add_invoice(db, customer, number, total, *, paid=0, state=InvoiceState.ISSUED, currency="USD"):
    invoice = Invoice(
        customer_id=customer.id,
        number=number,
        state=state,
        issued_on=date(2026, 3, 5),
        due_on=date(2026, 3, 19),
        currency=currency,
        total_minor=total,
        paid_minor=paid,
    )
    db.add(invoice)
    db.commit()
    return invoice


def add_payment(db, customer, invoice, amount, **fields):
    payment = Payment(
        customer_id=customer.id,
        invoice_id=invoice.id if invoice is not None else None,
        amount_minor=amount,
        currency=fields.pop("currency", "USD"),
        processed_at=datetime(2026, 3, 7, 14, 30, tzinfo=UTC),
        **fields,
    )
    db.add(payment)
    db.commit()
    return payment


def read(db, principal, table) -> tuple[bytes, list[list[str]]]:
    data = b"".join(export_csv(db, principal, table, TODAY))
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_invoices_have_a_bom_locale_dates_decimal_amounts_and_a_currency_column(db, northwind):
    customer = make_customer(db, northwind, name="Bäckerei Müller", locale="de_DE", currency="EUR")
    add_invoice(db, customer, "NWF-2026-0001", 123_450, paid=23_450, currency="EUR")
    add_invoice(db, customer, "NWF-2026-0002", 1_234, currency="JPY")
    add_invoice(db, customer, "NWF-2026-0003", 5_000, state=InvoiceState.VOID, currency="EUR")
    add_invoice(db, customer, "NWF-2026-DRAFT", 5_000, state=InvoiceState.DRAFT, currency="EUR")
    principal = principal_for(db, make_user(db, customer=customer))

    data, rows = read(db, principal, "invoices")

    assert data.startswith(b"\xef\xbb\xbf" + b"Number,Issued,Due,Status,Currency,Total,Paid,Balance\r\n")
    assert rows[0] == list(INVOICE_COLUMNS)
    assert rows[1:] == [
        ["NWF-2026-0003", "05.03.2026", "19.03.2026", "Void", "EUR", "50.00", "0.00", "50.00"],
        ["NWF-2026-0002", "05.03.2026", "19.03.2026", "Overdue", "JPY", "1234", "0", "1234"],
        ["NWF-2026-0001", "05.03.2026", "19.03.2026", "Overdue", "EUR", "1234.50", "234.50", "1000.00"],
    ]


def test_payments_say_how_they_were_paid_their_status_and_invoice(db, northwind):
    customer = make_customer(db, northwind, locale="en_US")
    invoice = add_invoice(db, customer, "NWF-2026-0001", 10_000, paid=10_000)
    add_payment(db, customer, invoice, 10_000, method="card", card_brand="visa", card_last4="4242")
    add_payment(db, customer, invoice, 10_000, status=PaymentStatus.FAILED, failure_reason="Your card was declined.")
    add_payment(db, customer, None, 2_500, method="bank_transfer", reference="TRF-7")
    principal = principal_for(db, make_user(db, customer=customer))

    _, rows = read(db, principal, "payments")

    assert rows[0] == list(PAYMENT_COLUMNS)
    assert sorted(rows[1:]) == sorted(
        [
            ["Mar 7, 2026, 2:30\u202fPM", "100.00", "USD", "Succeeded", "Visa •••• 4242", "NWF-2026-0001"],
            ["Mar 7, 2026, 2:30\u202fPM", "100.00", "USD", "Failed", "Your card was declined.", "NWF-2026-0001"],
            ["Mar 7, 2026, 2:30\u202fPM", "25.00", "USD", "Succeeded", "Bank transfer, ref TRF-7", ""],
        ]
    )


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("NWF-2026-0001", "NWF-2026-0001"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_prefixed(text, cell):
    assert safe_cell(text) == cell


def test_formulas_in_the_data_come_out_as_text(db, northwind):
    customer = make_customer(db, northwind)
    invoice = add_invoice(db, customer, "=1+1", 1_000)
    add_payment(db, customer, invoice, 500, reference="@SUM(1)")  # no method: the reference as it was given
    principal = principal_for(db, make_user(db, customer=customer))

    _, invoices = read(db, principal, "invoices")
    _, payments = read(db, principal, "payments")

    assert invoices[1][0] == "'=1+1"
    assert payments[1][4:] == ["'@SUM(1)", "'=1+1"]


def test_decimal_text_is_exact():
    assert [decimal_text(n, "USD") for n in (0, 5, 123_450, -500)] == ["0.00", "0.05", "1234.50", "-5.00"]
    assert decimal_text(1_234, "JPY") == "1234"
    assert decimal_text(1_234, "KWD") == "1.234"


def test_another_customers_rows_are_never_exported(db, northwind):
    ours = make_customer(db, northwind, name="Ours")
    theirs = make_customer(db, northwind, name="Theirs")
    add_invoice(db, ours, "OURS-1", 1_000)
    their_invoice = add_invoice(db, theirs, "THEIRS-1", 2_000)
    add_payment(db, theirs, their_invoice, 2_000)
    add_payment(db, ours, their_invoice, 300)  # a payment of ours naming their invoice shows no number of theirs
    principal = principal_for(db, make_user(db, customer=ours))

    _, invoices = read(db, principal, "invoices")
    _, payments = read(db, principal, "payments")

    assert [row[0] for row in invoices[1:]] == ["OURS-1"]
    assert [(row[1], row[5]) for row in payments[1:]] == [("3.00", "")]


def test_the_download_names_the_file_and_refuses_other_tables(db, northwind):
    customer = make_customer(db, northwind, name="Riverside Bakery")
    principal = principal_for(db, make_user(db, customer=customer))

    download = export_download(db, principal, "invoices", TODAY)

    assert download.href.startswith("/api/exports/invoices.csv?exp=")
    assert download.filename == "invoices-Riverside-Bakery-2026-11-29.csv"
    with pytest.raises(NotFound):
        export_download(db, principal, "customers", TODAY)


def test_20000_invoices_stream_in_chunks_without_holding_them_all_in_memory(db, monkeypatch):
    seed_demo(db)
    bulk = principal_for(db, db.exec(select(PortalUser).where(PortalUser.email == "bulk@example.com")).one())
    db.expunge_all()
    fetched: list[int] = []
    real_invoice_cells = exports._invoice_cells

    def counting(session, customer, today):
        for row in real_invoice_cells(session, customer, today):
            fetched.append(len(session.identity_map))  # rows the session holds while this one is written
            yield row

    monkeypatch.setattr(exports, "_invoice_cells", counting)

    tracemalloc.start()
    chunks = 0
    rows = 0
    for chunk in export_csv(db, bulk, "invoices", TODAY):
        chunks += 1
        rows += chunk.count(b"\r\n")
    _, streamed_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    everything = db.exec(select(Invoice).where(col(Invoice.customer_id) == bulk.customer_id)).all()
    _, all_rows_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert rows == 20_001  # the header and every invoice
    assert len(everything) == 20_000
    assert chunks >= 20_000 // exports.CHUNK_ROWS
    assert max(fetched) <= 2 * exports.CHUNK_ROWS  # never more than a chunk or two of rows loaded at once
    assert streamed_peak < all_rows_peak / 4, (streamed_peak, all_rows_peak)


# --- the route ---------------------------------------------------------------------------------------


def test_the_route_streams_the_owners_csv_as_an_attachment(db, northwind):
    customer = make_customer(db, northwind, name="Riverside Bakery")
    add_invoice(db, customer, "NWF-2026-0001", 4_321)
    client, principal = browser(db, customer)

    answer = client.get(export_link(principal, "invoices"))

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["cache-control"] == "private, no-store"
    name = f"invoices-Riverside-Bakery-{date.today().isoformat()}.csv"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert answer.content.startswith(b"\xef\xbb\xbfNumber,")
    assert "NWF-2026-0001" in answer.content.decode("utf-8-sig")


def test_the_route_refuses_the_signed_out_others_tampered_and_unknown_exports(db, northwind):
    customer = make_customer(db, northwind)
    client, principal = browser(db, customer)
    other_client, _ = browser(db, make_customer(db, northwind, name="Someone Else"))
    link = export_link(principal, "payments")

    signed_out = TestClient(api_app).get(link)
    other = other_client.get(link)
    tampered = client.get(link.replace("payments.csv", "invoices.csv"))
    unknown = client.get(link.replace("payments.csv", "customers.csv"))

    assert signed_out.status_code == 403 and "Please sign in to download your billing history." in signed_out.text
    assert other.status_code == 404 and "This download link is not valid." in other.text
    assert tampered.status_code == 404
    assert unknown.status_code == 404
