"""The statement of account: balances, ageing, what counts, whose data, bad periods, agreement with billing
history (the demo data and the 20,000-invoice customer), the PDF and its signed route."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from pypdf import PdfReader
from sqlmodel import select
from starlette.testclient import TestClient
from test_invoice_pdf_route import browser

from portal_app.api import api_app
from portal_app.demo import seed_demo
from portal_app.errors import PortalError
from portal_app.models import Customer, Invoice, InvoiceState, Membership, Payment, PaymentStatus
from portal_app.pdf.statement import render_statement_pdf
from portal_app.services.access import statement_link
from portal_app.services.billing import statements
from portal_app.services.billing.balances import balance_due
from portal_app.services.billing.statements import (
    Period,
    ageing_bucket,
    parse_period,
    statement_document,
    statement_download,
    statement_sections,
)

TODAY = date(2026, 11, 29)
YEAR = Period(date(2026, 1, 1), TODAY)


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "statement-test-secret")


@pytest.fixture
def bakery(db):
    organisation = make_organisation(db, name="Northwind Fiber", brand_colour="#0f766e")
    return make_customer(db, organisation, name="Riverside Bakery", currency="USD", locale="en_US")


def add_invoice(db, customer, issued, total, *, paid=0, state=InvoiceState.ISSUED, due=None, currency="USD", number=""):
    invoice = Invoice(
        customer_id=customer.id,
        number=number or f"INV-{issued.isoformat()}-{total}",
        state=state,
        issued_on=issued,
        due_on=due or issued + timedelta(days=14),
        currency=currency,
        total_minor=total,
        paid_minor=paid,
    )
    db.add(invoice)
    db.commit()
    return invoice


def add_payment(db, customer, invoice, amount, on, *, status=PaymentStatus.SUCCEEDED, currency="USD"):
    payment = Payment(
        customer_id=customer.id,
        invoice_id=invoice.id if invoice is not None else None,
        amount_minor=amount,
        currency=currency,
        status=status,
        processed_at=datetime(on.year, on.month, on.day, 10, 0, tzinfo=UTC),
        method="bank_transfer",
        reference="TRF-1",
    )
    db.add(payment)
    db.commit()
    return payment


def paid_invoice(db, customer, issued, total, paid_on):
    invoice = add_invoice(db, customer, issued, total, paid=total)
    add_payment(db, customer, invoice, total, paid_on)
    return invoice


def usd(db, customer, period=YEAR):
    return statement_sections(db, customer, period)[0]


def test_opening_balance_lines_in_date_order_with_running_balance_and_closing(db, bakery):
    paid_invoice(db, bakery, date(2025, 11, 1), 10_000, date(2025, 11, 5))
    december = add_invoice(db, bakery, date(2025, 12, 1), 20_000, paid=5_000)
    add_payment(db, bakery, december, 5_000, date(2026, 1, 10))  # paid in the period
    march = add_invoice(db, bakery, date(2026, 3, 1), 7_000, paid=7_000)
    add_payment(db, bakery, march, 7_000, date(2026, 3, 1))  # paid the day it was issued: after the invoice

    section = usd(db, bakery)

    assert section.opening_minor == 20_000  # November paid before the period; December owed in full
    assert [(e.on, e.charge_minor, e.credit_minor, e.balance_minor) for e in section.entries] == [
        (date(2026, 1, 10), 0, 5_000, 15_000),
        (date(2026, 3, 1), 7_000, 0, 22_000),
        (date(2026, 3, 1), 0, 7_000, 15_000),
    ]
    assert section.closing_minor == 15_000 == balance_due(db, bakery)["USD"]
    assert "Payment for INV-2025-12-01-20000, Bank transfer, ref TRF-1" in section.entries[0].description


def test_a_period_in_the_past_closes_at_what_was_owed_then(db, bakery):
    invoice = add_invoice(db, bakery, date(2026, 2, 1), 9_000, paid=9_000)
    add_payment(db, bakery, invoice, 9_000, date(2026, 4, 2))

    march = usd(db, bakery, Period(date(2026, 3, 1), date(2026, 3, 31)))

    assert (march.opening_minor, march.entries, march.closing_minor) == (9_000, (), 9_000)
    assert march.ageing == (0, 0, 9_000, 0, 0)  # due 15 February: 44 days past due on 31 March
    assert usd(db, bakery).closing_minor == 0


@pytest.mark.parametrize(
    ("days", "bucket"), [(-5, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (400, 4)]
)
def test_ageing_buckets_at_their_boundaries(db, bakery, days, bucket):
    add_invoice(db, bakery, date(2025, 1, 1), 4_200, due=TODAY - timedelta(days=days))

    ageing = usd(db, bakery).ageing

    assert ageing_bucket(days) == bucket
    assert ageing == tuple(4_200 if n == bucket else 0 for n in range(5))


def test_ageing_splits_the_closing_balance(db, bakery):
    add_invoice(db, bakery, date(2026, 11, 20), 1_000, due=date(2026, 12, 4))
    partly = add_invoice(db, bakery, date(2026, 7, 1), 5_000, paid=2_000, due=date(2026, 7, 15))
    add_payment(db, bakery, partly, 2_000, date(2026, 7, 20))
    paid_invoice(db, bakery, date(2026, 6, 1), 3_000, date(2026, 6, 3))

    section = usd(db, bakery)

    assert section.ageing == (1_000, 0, 0, 0, 3_000)
    assert sum(section.ageing) == section.closing_minor == 4_000


def test_void_invoices_are_listed_and_owe_nothing_drafts_are_never_shown(db, bakery):
    add_invoice(db, bakery, date(2026, 2, 1), 9_900, state=InvoiceState.VOID, number="INV-VOID")
    add_invoice(db, bakery, date(2026, 2, 2), 5_000, state=InvoiceState.DRAFT, number="INV-DRAFT")
    add_invoice(db, bakery, date(2026, 2, 3), 3_000, number="INV-OWED")

    section = usd(db, bakery)

    assert [(e.description, e.charge_minor, e.balance_minor) for e in section.entries] == [
        ("Invoice INV-VOID (void: not owed)", 0, 0),
        ("Invoice INV-OWED", 3_000, 3_000),
    ]
    assert section.closing_minor == balance_due(db, bakery)["USD"] == 3_000


def test_payments_count_for_what_they_paid_on_their_invoice(db, bakery):
    refunded_in_part = add_invoice(db, bakery, date(2026, 5, 1), 10_000, paid=6_000)  # 4,000 of it refunded
    add_payment(db, bakery, refunded_in_part, 10_000, date(2026, 5, 2))
    duplicate = add_invoice(db, bakery, date(2026, 6, 1), 2_000, paid=2_000)
    add_payment(db, bakery, duplicate, 2_000, date(2026, 6, 2))
    add_payment(db, bakery, duplicate, 2_000, date(2026, 6, 2), status=PaymentStatus.REFUNDED)
    imported = add_invoice(db, bakery, date(2026, 7, 1), 1_500, paid=1_500)  # paid, no payment on record
    add_payment(db, bakery, None, 700, date(2026, 7, 5))  # received, applied to no invoice
    add_payment(db, bakery, imported, 900, date(2026, 7, 6), status=PaymentStatus.FAILED)

    entries = usd(db, bakery).entries

    assert [(e.description, e.credit_minor) for e in entries if e.charge_minor == 0] == [
        ("Payment for INV-2026-05-01-10000, Bank transfer, ref TRF-1 (part of it refunded)", 6_000),
        ("Payment for INV-2026-06-01-2000, Bank transfer, ref TRF-1", 2_000),
        ("Paid on INV-2026-07-01-1500 (no payment on record)", 1_500),
        ("Payment, Bank transfer, ref TRF-1 (not applied to an invoice)", 0),
    ]
    assert entries[-1].balance_minor == balance_due(db, bakery)["USD"] == 4_000


def test_each_currency_has_its_own_statement_the_customers_first(db, bakery):
    add_invoice(db, bakery, date(2026, 3, 1), 2_500, currency="EUR")

    sections = statement_sections(db, bakery, YEAR)

    assert [(s.currency, s.closing_minor) for s in sections] == [("USD", 0), ("EUR", 2_500)]
    assert {s.currency: s.closing_minor for s in sections if s.closing_minor} == balance_due(db, bakery)


def test_another_customers_invoices_and_payments_are_never_included(db, bakery):
    other = make_customer(db, name="Someone Else", currency="USD")
    theirs = add_invoice(db, other, date(2026, 4, 1), 8_000, paid=8_000, number="THEIRS")
    add_payment(db, other, theirs, 8_000, date(2026, 4, 2))
    add_invoice(db, bakery, date(2026, 4, 1), 1_000, number="OURS")
    bea = principal_for(db, make_user(db, customer=bakery))

    document = statement_document(db, bea, YEAR)

    descriptions = [e.description for s in document.sections for e in s.entries]
    assert descriptions == ["Invoice OURS"]
    assert document.customer.name == "Riverside Bakery"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-03-01", "2026-02-01", statements.START_AFTER_END),
        ("01/02/2026", "2026-02-01", statements.BAD_DATE),
        ("2026-02-30", "2026-03-01", statements.BAD_DATE),
        ("2026-1-1", "2026-03-01", statements.BAD_DATE),
        ("2016-11-29", "2026-11-29", statements.TOO_LONG),
        ("2026-01-01", "2026-11-30", statements.IN_THE_FUTURE),
        (["2026-01-01"], "2026-11-29", statements.BAD_DATE),
    ],
)
def test_bad_periods_are_refused_with_a_clear_message(start, end, message):
    with pytest.raises(PortalError) as refused:
        parse_period(start, end, TODAY)
    assert refused.value.message == message


def test_periods_this_year_by_default_and_up_to_ten_years():
    assert parse_period("", " ", TODAY) == YEAR
    assert parse_period("2016-11-30", "2026-11-29", TODAY) == Period(date(2016, 11, 30), TODAY)
    assert parse_period("2026-05-05", "2026-05-05", TODAY) == Period(date(2026, 5, 5), date(2026, 5, 5))


def test_the_download_is_a_fresh_link_for_the_period_or_the_reason_it_is_refused(db, bakery):
    bea = principal_for(db, make_user(db, customer=bakery))

    download = statement_download(db, bea, "2026-01-01", "2026-06-30", TODAY)

    assert download.href.startswith("/api/statement.pdf?from=2026-01-01&to=2026-06-30&exp=")
    assert download.href.endswith("&download=1")
    assert download.filename == "statement-Riverside-Bakery-2026-01-01-2026-06-30.pdf"
    with pytest.raises(PortalError, match="start date is after"):
        statement_download(db, bea, "2026-06-30", "2026-01-01", TODAY)


def test_the_demo_customers_and_the_20000_invoice_customer_close_at_their_balance_due(db):
    seed_demo(db)
    today = date.today()
    customers = db.exec(select(Customer)).all()
    assert len(customers) >= 5
    for customer in customers:
        for period in (statements.default_period(today), Period(today - timedelta(days=3652), today)):
            sections = statement_sections(db, customer, period)
            closing = {s.currency: s.closing_minor for s in sections if s.closing_minor}
            assert closing == balance_due(db, customer), (customer.name, period)
            assert all(sum(s.ageing) == s.closing_minor for s in sections)
    bulk = db.exec(select(Customer).where(Customer.name == "Bulk Test Ltd")).one()
    whole = statement_sections(db, bulk, Period(today - timedelta(days=3652), today))[0]
    assert sum(e.charge_minor > 0 for e in whole.entries) == 20_000
    assert whole.opening_minor == 0


def test_the_pdf_shows_the_customer_the_lines_and_the_closing_balance_on_as_many_pages_as_needed(db, bakery):
    for month in range(1, 11):
        paid_invoice(db, bakery, date(2026, month, 1), 12_345, date(2026, month, 3))
    for day in range(1, 29):
        add_invoice(db, bakery, date(2026, 11, day), 100)
    bea = principal_for(db, make_user(db, customer=bakery))

    pdf = PdfReader(io.BytesIO(render_statement_pdf(statement_document(db, bea, YEAR))))

    first = " ".join(pdf.pages[0].extract_text().split())
    last = " ".join(pdf.pages[-1].extract_text().split())
    assert len(pdf.pages) >= 2
    assert "Northwind Fiber" in first and "Riverside Bakery" in first
    assert "Statement" in first and "CLOSING BALANCE $28.00" in first
    assert "Opening balance $0.00" in first
    assert "Closing balance $28.00" in last
    assert f"Page {len(pdf.pages)} of {len(pdf.pages)}" in last
    ageing = "Current 1-30 days 31-60 days 61-90 days Over 90 days Total owed $14.00 $14.00 $0.00 $0.00 $0.00 $28.00"
    assert ageing in last  # 14 of the November invoices are due by the 29th


# --- the route ---------------------------------------------------------------------------------------


def test_the_route_serves_the_owner_their_statement(db, bakery):
    add_invoice(db, bakery, date.today().replace(month=1, day=1), 4_321)
    client, principal = browser(db, bakery)
    today = date.today()

    answer = client.get(statement_link(principal, today.replace(month=1, day=1), today, download=True))

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "private, no-store"
    name = f"statement-Riverside-Bakery-{today.year}-01-01-{today.isoformat()}.pdf"
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    text = " ".join(PdfReader(io.BytesIO(answer.content)).pages[0].extract_text().split())
    assert "CLOSING BALANCE $43.21" in text


def test_the_route_refuses_the_signed_out_others_tampered_and_bad_periods(db, bakery):
    client, principal = browser(db, bakery)
    other_client, _ = browser(db, make_customer(db, name="Someone Else"))
    start, end = date(2026, 1, 1), date.today()
    link = statement_link(principal, start, end)

    signed_out = TestClient(api_app).get(link)
    other = other_client.get(link)
    tampered = client.get(link.replace(f"from={start.isoformat()}", "from=2025-01-01"))
    bad = client.get(link.replace(f"from={start.isoformat()}", "from=someday"))

    assert signed_out.status_code == 403 and "Please sign in to view your statement." in signed_out.text
    assert other.status_code == 404 and "This statement link is not valid." in other.text
    assert tampered.status_code == 404
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text


def test_an_expired_genuine_link_is_renewed_and_one_of_a_former_customer_is_not(db, bakery):
    client, principal = browser(db, bakery)
    start, end = date(2026, 1, 1), date.today()
    old = statement_link(principal, start, end, now=datetime.now(UTC) - timedelta(hours=2), download=True)

    renewed = client.get(old, follow_redirects=False)

    assert renewed.status_code == 303
    assert renewed.headers["location"].startswith(f"/api/statement.pdf?from=2026-01-01&to={end.isoformat()}&exp=")
    assert renewed.headers["location"].endswith("&download=1")
    db.delete(db.exec(select(Membership).where(Membership.customer_id == bakery.id)).one())
    db.commit()
    assert client.get(old, follow_redirects=False).status_code == 404
