"""CSV imports: every bad row reported, nothing written on error, re-runs change nothing, money exact."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from factories import make_customer, make_organisation
from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from portal_app.errors import PortalError
from portal_app.models import Customer, Invoice, InvoiceLine, InvoiceState, Payment, PaymentStatus, Service
from portal_app.services.imports import invoices as invoice_imports
from portal_app.services.imports import values as import_values
from portal_app.services.imports.records import import_customers, import_invoices, import_payments, import_services
from portal_app.services.imports.values import BadValue

FIXTURES = Path(__file__).parent / "fixtures"
INVOICE_HEADER = "number,customer_reference,issued,due,currency,status,description,quantity,unit_price,tax_rate\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def row_counts(db) -> dict[str, int]:
    """How many rows every table has."""
    db.expire_all()
    return {
        table.name: db.exec(select(func.count()).select_from(table)).one() for table in SQLModel.metadata.sorted_tables
    }


@pytest.fixture
def acme(db):
    return make_organisation(db, slug="acme", name="Acme Broadband")


@pytest.fixture
def customers(db, acme):
    report = import_customers(db, "acme", fixture("customers.csv"))
    assert report.ok, report.errors
    return {customer.reference: customer for customer in db.exec(select(Customer))}


@pytest.fixture
def invoices(db, customers):
    report = import_invoices(db, "acme", fixture("invoices.csv"))
    assert report.ok, report.errors
    return {invoice.number: invoice for invoice in db.exec(select(Invoice))}


def invoice(db, number: str) -> Invoice:
    db.expire_all()
    return db.exec(select(Invoice).where(Invoice.number == number)).one()


# Customers


def test_customers_are_created_from_a_utf8_file_with_bom_and_crlf(db, acme):
    report = import_customers(db, "acme", fixture("customers.csv"))

    assert (report.created, report.updated, report.skipped, report.errors) == (3, 0, 0, [])
    bakery, sakura, gulf = db.exec(select(Customer).order_by(col(Customer.reference))).all()
    assert bakery.reference == "C-001"  # the BOM is not part of the first column's name
    assert bakery.organisation_id == acme.id
    assert bakery.email == "orders@riverside.example.com"
    assert bakery.address == "1 River Road\r\nSpringfield"
    assert (sakura.currency, sakura.locale) == ("JPY", "ja_JP")
    assert (gulf.currency, gulf.locale) == ("BHD", "ar_BH")


def test_reimporting_customers_changes_nothing_and_changed_rows_update(db, acme):
    import_customers(db, "acme", fixture("customers.csv"))
    before = row_counts(db)

    again = import_customers(db, "acme", fixture("customers.csv"))
    changed = import_customers(db, "acme", fixture("customers_changed.csv"))

    assert (again.created, again.updated, again.skipped) == (0, 0, 3)
    assert row_counts(db) == {**before, "customer": 4}
    assert (changed.created, changed.updated, changed.skipped) == (1, 1, 2)
    bakery = db.exec(select(Customer).where(Customer.reference == "C-001")).one()
    assert bakery.phone == "+1 555 0199"
    northwind = db.exec(select(Customer).where(Customer.reference == "C-004")).one()
    assert (northwind.name, northwind.currency, northwind.locale) == ("Northwind Cafe", "USD", "en_US")


def test_every_bad_customer_row_is_reported_and_nothing_is_written(db, acme):
    before = row_counts(db)

    report = import_customers(db, "acme", fixture("customers_bad.csv"))

    assert report.errors == [
        "row 2: email 'not-an-email' is not a valid email address",
        "row 3: name is required",
        "row 4: currency 'ZZZ' is not an ISO 4217 currency code",
        "row 5: reference 'C-001' is already on row 2",
        "row 6: reference is required",
        "row 7: locale 'xx_YY' is not a known locale like en_US",
    ]
    assert (report.created, report.updated, report.skipped) == (0, 0, 0)
    assert row_counts(db) == before  # row 8 was fine, but nothing is imported


def test_customer_columns_left_out_keep_their_values(db, acme):
    import_customers(db, "acme", fixture("customers.csv"))

    report = import_customers(db, "acme", "REFERENCE , Name\nC-001,Riverside Bakery Ltd\n")

    assert (report.updated, report.errors) == (1, [])
    bakery = db.exec(select(Customer).where(Customer.reference == "C-001")).one()
    assert (bakery.name, bakery.email, bakery.currency) == (
        "Riverside Bakery Ltd",
        "orders@riverside.example.com",
        "USD",
    )


def test_rows_are_numbered_by_file_line_even_after_a_multiline_cell(db, acme):
    text = 'reference,name,address\nC-001,Bakery,"1 River Road\nSpringfield"\n\nC-002,,Tokyo\n'

    report = import_customers(db, "acme", text)

    assert report.errors == ["row 5: name is required"]


def test_customers_of_other_organisations_are_not_touched(db, acme):
    other = make_organisation(db, slug="other")
    theirs = make_customer(db, other, name="Their Bakery", reference="C-001")

    report = import_customers(db, "acme", fixture("customers.csv"))

    assert report.created == 3
    db.refresh(theirs)
    assert theirs.name == "Their Bakery"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"", "The file is empty"),
        (b"reference,name\nC-1,Caf\xe9\n", "not UTF-8"),
        (b"name,email\nBakery,a@example.com\n", "lacks the required column(s) reference"),
        (b"reference,name,emial\nC-1,Bakery,a@example.com\n", "Unknown column(s) 'emial'"),
        (b"reference,name,name\nC-1,Bakery,Bakery\n", "names name more than once"),
    ],
)
def test_files_that_cannot_be_imported_at_all_are_refused(db, acme, text, reason):
    with pytest.raises(PortalError, match=re.escape(reason)):
        import_customers(db, "acme", text)
    assert db.exec(select(Customer)).all() == []


def test_an_unknown_organisation_is_refused(db):
    with pytest.raises(PortalError, match="no organisation with the slug 'nope'"):
        import_customers(db, "nope", fixture("customers.csv"))


# Services


def test_services_are_created_once_and_updated_by_customer_and_name(db, customers):
    first = import_services(db, "acme", fixture("services.csv"))
    again = import_services(db, "acme", fixture("services.csv"))
    changed = import_services(
        db, "acme", "customer_reference,name,status\nC-001,Static IP,Active\nC-002,Fibre 1000,Active\n"
    )

    assert (first.created, again.skipped, again.created) == (3, 3, 0)
    assert (changed.updated, changed.skipped) == (1, 1)
    services = {service.name: service for service in db.exec(select(Service))}
    assert services["Fibre 500"].customer_id == customers["C-001"].id
    assert services["Fibre 500"].active_since == date(2024, 3, 1)
    assert services["Static IP"].is_active is True  # was Inactive
    assert services["Static IP"].active_since is None
    assert services["Fibre 1000"].description == "1 Gbps fibre broadband"  # column left out: kept


def test_every_bad_service_row_is_reported_and_nothing_is_written(db, customers):
    report = import_services(db, "acme", fixture("services_bad.csv"))

    assert report.errors == [
        "row 2: customer_reference 'C-404' is not a customer of Acme Broadband (import it first)",
        "row 3: status 'Paused' is not one of Active/Inactive",
        "row 4: active_since '01/03/2024' is not a date like 2025-01-31",
        "row 6: service 'Fibre 1000' of customer 'C-002' is already on row 5",
    ]
    assert db.exec(select(Service)).all() == []


# Invoices


def test_invoice_rows_form_invoices_with_exact_minor_units_and_half_up_tax(db, invoices):
    usd, jpy, bhd, draft = (invoices[number] for number in ("INV-1001", "INV-2001", "INV-3001", "INV-1002"))
    lines = db.exec(
        select(InvoiceLine).where(InvoiceLine.invoice_id == usd.id).order_by(col(InvoiceLine.position))
    ).all()

    # 49.99 at 20% = 9.998 -> 10.00; 3 x 0.35 at 7.5% = 0.07875 -> 0.08; 0.50 at 5% = 0.025 -> 0.03 (half up)
    assert [
        (line.position, line.unit_price_minor, line.amount_minor, line.tax_rate_bp, line.tax_minor) for line in lines
    ] == [
        (1, 4999, 4999, 2000, 1000),
        (2, 35, 105, 750, 8),
        (3, 50, 50, 500, 3),
    ]
    assert (usd.total_minor, usd.paid_minor, usd.currency, usd.state) == (6165, 0, "USD", InvoiceState.ISSUED)
    assert (usd.issued_on, usd.due_on) == (date(2025, 1, 1), date(2025, 1, 31))
    assert (jpy.total_minor, jpy.currency) == (5500 + 550 + 1234 + 123, "JPY")  # yen have no minor unit
    assert (bhd.total_minor, bhd.currency) == (24690 + 2469, "BHD")  # 2 x 12.345 dinars, in fils
    assert (draft.total_minor, draft.state) == (1000, InvoiceState.DRAFT)  # no tax_rate: 0%


def test_reimporting_invoices_skips_them(db, invoices):
    before = row_counts(db)

    report = import_invoices(db, "acme", fixture("invoices.csv"))

    assert (report.created, report.updated, report.skipped, report.errors) == (0, 0, 4, [])
    assert row_counts(db) == before


def test_an_invoice_imported_before_with_different_content_is_an_error(db, invoices):
    text = INVOICE_HEADER + (
        "INV-1001,C-001,2025-01-01,2025-01-31,USD,Issued,Fibre 500 (January),1,59.99,20\n"
        "INV-5001,C-001,2025-03-01,2025-03-31,USD,Issued,New invoice,1,10.00,20\n"
        "INV-2001,C-001,2025-01-01,2025-01-31,JPY,Issued,Studio line,1,5500,10\n"
    )
    before = row_counts(db)

    report = import_invoices(db, "acme", text)

    assert report.errors == [
        "row 2: invoice INV-1001 was already imported with different content (total, lines)",
        "row 4: invoice INV-2001 already exists for customer C-002",
    ]
    assert row_counts(db) == before


def test_every_bad_invoice_row_is_reported_and_nothing_is_written(db, customers):
    before = row_counts(db)

    report = import_invoices(db, "acme", fixture("invoices_bad.csv"))

    assert report.errors == [
        "row 2: unit_price '12.345' has more decimals than USD allows (2)",
        "row 3: unit_price '100.5' has more decimals than JPY allows (none)",
        "row 4: unit_price '1.2345' has more decimals than BHD allows (3)",
        "row 5: unit_price '-5.00' is negative",
        "row 7: invoice INV-9005: issued must match row 6 of the invoice",
        "row 8: customer_reference 'C-404' is not a customer of Acme Broadband (import it first)",
        "row 8: issued '2025-02-30' is not a date like 2025-01-31",
        "row 8: status 'Sent' is not one of Draft/Issued/Void",
        "row 8: quantity '0' is not a whole number from 1 to 1,000,000",
        "row 8: unit_price 'abc' is not a number like 12.34",
        "row 8: tax_rate '7.555' has more than two decimals",
        "row 9: invoice INV-9007: due 2025-01-01 is before issued 2025-01-31",
    ]
    assert row_counts(db) == before  # the good INV-9008 on row 10 is not imported either


# Payments


def test_payments_are_created_and_succeeded_ones_add_to_the_invoice(db, invoices):
    report = import_payments(db, "acme", fixture("payments.csv"))

    assert (report.created, report.errors, report.warnings) == (4, [], [])
    payments = {payment.reference: payment for payment in db.exec(select(Payment))}
    assert payments["PAY-1"].processed_at == datetime(2025, 1, 5, 10, 0, tzinfo=UTC)  # no offset: UTC
    assert payments["PAY-2"].processed_at == datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # +02:00 converted
    assert payments["PAY-3"].status == PaymentStatus.SUCCEEDED
    assert (payments["PAY-3"].amount_minor, payments["PAY-3"].currency) == (27159, "BHD")
    assert (payments["PAY-4"].invoice_id, payments["PAY-4"].amount_minor) == (None, 1000)
    assert invoice(db, "INV-1001").paid_minor == 3000  # the failed PAY-2 does not count
    assert invoice(db, "INV-3001").paid_minor == invoice(db, "INV-3001").total_minor


def test_reimporting_payments_does_not_pay_twice(db, invoices):
    import_payments(db, "acme", fixture("payments.csv"))
    before = row_counts(db)

    report = import_payments(db, "acme", fixture("payments.csv"))

    assert (report.created, report.updated, report.skipped) == (0, 0, 4)
    assert row_counts(db) == before
    assert invoice(db, "INV-1001").paid_minor == 3000


def test_changed_payments_move_their_share_and_overpayment_is_a_warning(db, invoices):
    import_payments(db, "acme", fixture("payments.csv"))

    report = import_payments(db, "acme", fixture("payments_changed.csv"))

    # PAY-1 refunded (-30.00), PAY-2 now succeeded (+10.00), new PAY-5 (+60.00): 70.00 of 61.65
    assert (report.created, report.updated, report.skipped, report.errors) == (1, 2, 2, [])
    assert invoice(db, "INV-1001").paid_minor == 7000
    assert report.warnings == ["row 6: invoice INV-1001 is overpaid by $8.35 (paid $70.00 of $61.65)"]
    assert import_payments(db, "acme", fixture("payments_changed.csv")).warnings == []


def test_every_bad_payment_row_is_reported_and_nothing_is_written(db, invoices):
    before = row_counts(db)

    report = import_payments(db, "acme", fixture("payments_bad.csv"))

    assert report.errors == [
        "row 2: currency EUR differs from invoice INV-1001's USD",
        "row 3: invoice_number 'INV-2001' is not an invoice of customer 'C-001'",
        "row 4: invoice INV-1002 is a draft; a succeeded payment cannot be applied to it",
        "row 5: amount must be more than zero",
        "row 6: processed_at 'last tuesday' is not a date and time like 2025-01-31T14:05:00Z",
        "row 8: payment 'PAY-15' of customer 'C-001' is already on row 7",
        "row 9: has 8 values but the header names 7 columns",
    ]
    assert row_counts(db) == before
    assert invoice(db, "INV-1001").paid_minor == 0


PAYMENTS_WITH_METHODS = """reference,customer_reference,amount,currency,status,processed_at,method
BACS-1,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,bank_transfer
BACS-2,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,Bank transfer
TILL-3,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,CASH
CHQ-4,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,cheque
DD-5,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,Direct-Debit
CARD-6,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,card
ELSE-7,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,other
OLD-8,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,
"""


def test_payment_methods_are_taken_by_name_or_in_words(db, invoices):
    report = import_payments(db, "acme", PAYMENTS_WITH_METHODS)

    assert (report.created, report.errors) == (8, [])
    methods = {payment.reference: payment.method for payment in db.exec(select(Payment))}
    assert methods == {
        "BACS-1": "bank_transfer",
        "BACS-2": "bank_transfer",
        "TILL-3": "cash",
        "CHQ-4": "cheque",
        "DD-5": "direct_debit",
        "CARD-6": "card",
        "ELSE-7": "other",
        "OLD-8": "",  # unknown, as before methods were kept
    }


def test_a_changed_method_updates_the_payment_and_an_empty_cell_keeps_it(db, invoices):
    import_payments(db, "acme", PAYMENTS_WITH_METHODS)
    changed = PAYMENTS_WITH_METHODS.replace(
        "TILL-3,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,CASH",
        "TILL-3,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,cheque",
    )
    kept = changed.replace(",bank_transfer\n", ",\n")

    report = import_payments(db, "acme", kept)

    assert (report.created, report.updated, report.skipped) == (0, 1, 7)
    methods = {payment.reference: payment.method for payment in db.exec(select(Payment))}
    assert (methods["TILL-3"], methods["BACS-1"]) == ("cheque", "bank_transfer")


def test_an_unknown_payment_method_is_a_row_error_and_nothing_is_written(db, invoices):
    before = row_counts(db)
    text = """reference,customer_reference,amount,currency,status,processed_at,method
P-1,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,cash
P-2,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,bitcoin
P-3,C-001,5.00,USD,Succeeded,2025-01-05T10:00:00,Paid by card
"""

    report = import_payments(db, "acme", text)

    assert report.errors == [
        "row 3: method 'bitcoin' is not one of card/bank_transfer/cash/cheque/direct_debit/other",
        "row 4: method 'Paid by card' is not one of card/bank_transfer/cash/cheque/direct_debit/other",
    ]
    assert row_counts(db) == before


# Cell values


@pytest.mark.parametrize(
    ("raw", "currency", "minor"),
    [
        ("12.34", "USD", 1234),
        ("12", "USD", 1200),
        ("0.5", "USD", 50),
        ("12.340", "USD", 1234),  # trailing zeros are exact
        ("1500", "JPY", 1500),
        ("1500.00", "JPY", 1500),
        ("1.234", "BHD", 1234),
        ("0.001", "BHD", 1),
    ],
)
def test_amounts_become_exact_minor_units(raw, currency, minor):
    assert import_values.amount_minor(raw, currency) == minor


@pytest.mark.parametrize(
    ("raw", "currency", "reason"),
    [
        ("12.345", "USD", "amount '12.345' has more decimals than USD allows (2)"),
        ("1.0000000000000000000000000000001", "USD", "more decimals than USD allows"),
        ("1500.5", "JPY", "amount '1500.5' has more decimals than JPY allows (none)"),
        ("1.2345", "BHD", "amount '1.2345' has more decimals than BHD allows (3)"),
        ("-1.00", "USD", "amount '-1.00' is negative"),
        ("1,000.00", "USD", "not a number like 12.34"),
        ("1e3", "USD", "not a number like 12.34"),
        ("NaN", "USD", "not a number like 12.34"),
        ("21474836.48", "USD", "is too large"),
    ],
)
def test_amounts_that_cannot_be_exact_are_refused(raw, currency, reason):
    with pytest.raises(BadValue, match=re.escape(reason)):
        import_values.amount_minor(raw, currency)


@pytest.mark.parametrize(
    ("amount", "rate_bp", "tax"),
    [
        (4999, 2000, 1000),
        (105, 750, 8),
        (50, 500, 3),
        (10, 500, 1),
        (30, 500, 2),
        (49, 1000, 5),
        (44, 1000, 4),
        (0, 2000, 0),
    ],
)
def test_tax_is_rounded_half_up_per_line(amount, rate_bp, tax):
    assert import_values.tax_minor(amount, rate_bp) == tax


@pytest.mark.parametrize(
    ("raw", "rate_bp"), [("20", 2000), ("7.5", 750), ("7.25", 725), ("0", 0), ("", 0), ("19%", 1900)]
)
def test_tax_rates_are_percentages_in_basis_points(raw, rate_bp):
    assert import_values.tax_rate_bp(raw) == rate_bp


@pytest.mark.parametrize("raw", ["7.555", "101", "-5", "twenty"])
def test_bad_tax_rates_are_refused(raw):
    with pytest.raises(BadValue):
        import_values.tax_rate_bp(raw)


def test_a_failure_while_writing_rolls_back_the_invoices_already_written(db, customers, monkeypatch):
    create = invoice_imports._create
    written = []

    def create_then_fail(session, planned):
        if written:
            raise RuntimeError("disk full")
        create(session, planned)
        session.flush()
        written.append(planned.number)

    monkeypatch.setattr(invoice_imports, "_create", create_then_fail)

    with pytest.raises(RuntimeError):
        import_invoices(db, "acme", fixture("invoices.csv"))

    assert written == ["INV-1001"]
    assert db.exec(select(Invoice)).all() == []
    assert db.exec(select(InvoiceLine)).all() == []
