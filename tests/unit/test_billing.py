"""Billing: statuses and balances follow payments; history pages are bounded and scoped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlmodel import select

from portal_app.models import Invoice, InvoiceState, Payment, PaymentStatus
from portal_app.services.billing import invoices as billing
from portal_app.services.billing import screens
from portal_app.services.billing.invoice_status import InvoiceStatus, invoice_status
from portal_app.services.common.pagination import PageRequest, parse_page

TODAY = date(2026, 6, 15)


def inv(customer_id: int = 1, total: int = 10_000, paid: int = 0, due: date = TODAY, **kw) -> Invoice:
    return Invoice(
        customer_id=customer_id,
        issued_on=kw.pop("issued_on", due - timedelta(days=14)),
        due_on=due,
        currency=kw.pop("currency", "USD"),
        total_minor=total,
        paid_minor=paid,
        **kw,
    )


@pytest.mark.parametrize(
    ("invoice", "expected"),
    [
        (inv(paid=10_000), InvoiceStatus.PAID),
        (inv(paid=12_000), InvoiceStatus.PAID),  # overpaid: nothing left to pay
        (inv(paid=2_500), InvoiceStatus.PARTIALLY_PAID),
        (inv(), InvoiceStatus.ISSUED),  # due today is not overdue yet
        (inv(due=TODAY - timedelta(days=1)), InvoiceStatus.OVERDUE),
        (inv(paid=2_500, due=TODAY - timedelta(days=1)), InvoiceStatus.OVERDUE),
        (inv(paid=10_000, due=TODAY - timedelta(days=30)), InvoiceStatus.PAID),
        (inv(state=InvoiceState.VOID, due=TODAY - timedelta(days=30)), InvoiceStatus.VOID),
    ],
)
def test_status_follows_payments_and_due_date(invoice, expected):
    assert invoice_status(invoice, TODAY) == expected


def test_overpaid_invoice_shows_zero_balance_not_negative():
    row = billing.invoice_row(inv(paid=12_000, id=7), "en_US", TODAY)
    assert row.balance == "$0.00"
    assert not row.has_balance
    assert row.number == "#7"


def test_zero_decimal_currency_is_formatted_without_cents():
    row = billing.invoice_row(inv(total=5000, currency="JPY", number="J-1"), "ja_JP", TODAY)
    assert row.total == "￥5,000"


@pytest.mark.parametrize(
    ("number", "size", "expected"),
    [
        ("2", "25", PageRequest(2, 25)),
        ("0", "10", PageRequest(1, 10)),
        ("-3", "10", PageRequest(1, 10)),
        ("abc", "10", PageRequest(1, 10)),
        ("", None, PageRequest(1, 10)),
        ("3", "7", PageRequest(3, 10)),  # unknown sizes fall back to the default
        ("9" * 40, "10", PageRequest(1, 10)),
    ],
)
def test_page_numbers_from_the_url_never_crash(number, size, expected):
    assert parse_page(number, size) == expected


@pytest.fixture
def history(db):
    """A customer with 23 invoices (one draft) and 23 payments; and someone else's invoice."""
    customer = make_customer(db, make_organisation(db))
    other = make_customer(db, name="Other")
    for n in range(1, 24):
        issued = date(2024, 1, 1) + timedelta(days=30 * n)
        state = InvoiceState.DRAFT if n == 23 else InvoiceState.ISSUED
        invoice = inv(customer.id, total=1000 * n, paid=1000 * n, issued_on=issued, number=f"INV-{n:03}", state=state)
        db.add(invoice)
        db.flush()
        db.add(
            Payment(
                customer_id=customer.id,
                invoice_id=invoice.id,
                amount_minor=1000 * n,
                currency="USD",
                processed_at=datetime.combine(issued, datetime.min.time(), tzinfo=UTC) + timedelta(days=2),
                reference=f"ch_{n}",
            )
        )
    db.add(inv(other.id, number="OTHER-1", issued_on=date(2030, 1, 1)))
    db.commit()
    return make_user(db, customer=customer)


def test_history_pages_walk_all_visible_invoices_newest_first(db, history):
    principal = principal_for(db, history)
    seen = []
    page1, info = billing.invoice_page(db, principal, PageRequest(1, 10))
    assert (info.total_rows, info.total_pages) == (22, 3)
    for number in (1, 2, 3):
        rows, info = billing.invoice_page(db, principal, PageRequest(number, 10))
        seen += [r.number for r in rows]
    assert seen == [f"INV-{n:03}" for n in range(22, 0, -1)]  # no draft, no one else's, no gaps
    assert page1[0].number == "INV-022"


def test_past_the_end_gives_the_last_page(db, history):
    rows, info = billing.invoice_page(db, history and principal_for(db, history), PageRequest(99, 10))
    assert info.number == 3
    assert [r.number for r in rows] == ["INV-002", "INV-001"]


def test_payment_history_links_invoice_numbers(db, history):
    rows, info = billing.payment_page(db, principal_for(db, history), PageRequest(1, 25))
    assert info.total_rows == 23
    assert rows[0].invoice_number == "INV-023"  # a payment may point at any of the customer's invoices
    assert rows[-1].details == "ch_1"  # unknown method (older data): its reference as given
    assert rows[-1].status == "Succeeded"


def test_summaries_count_only_this_customer(db, history):
    principal = principal_for(db, history)
    customer_id = principal.customer_id
    db.add(inv(customer_id, total=5_000, paid=1_000, number="OPEN-1", issued_on=date(2030, 2, 1)))
    db.add(Payment(customer_id=customer_id, amount_minor=999, currency="USD", status=PaymentStatus.FAILED))
    db.commit()
    summary = billing.billing_summary(db, principal)
    assert summary.outstanding_balance == "$40.00"
    assert summary.open_invoices == 1
    assert summary.last_invoice_total == "$50.00"
    assert summary.last_payment == "$230.00"  # the newer failed payment does not count


def test_history_page_reads_both_tables_with_pdf_links_for_this_person(db, history):
    principal = principal_for(db, history)
    page = screens.history_page(db, principal, PageRequest(1, 10), PageRequest(9, 10), "http://localhost:8000")
    assert (page.invoice_position.number, page.payment_position.number) == (1, 3)  # past the end: the last page
    assert [p.details for p in page.payments] == ["ch_3", "ch_2", "ch_1"]
    first = page.invoices[0]
    assert first.pdf_href.startswith(f"http://localhost:8000/api/invoices/{first.id}/pdf?exp=")
    assert first.pdf_download_href == f"{first.pdf_href}&download=1"
    assert page.online is False


def test_a_return_from_stripe_names_only_the_customers_own_invoice(db, history):
    principal = principal_for(db, history)
    own = db.exec(select(Invoice).where(Invoice.number == "INV-005")).one()
    others = db.exec(select(Invoice).where(Invoice.number == "OTHER-1")).one()
    draft = db.exec(select(Invoice).where(Invoice.number == "INV-023")).one()
    assert screens.billing_page(db, principal, "", own.id).returned_invoice == "INV-005"
    for invoice_id in (others.id, draft.id, None):
        assert screens.billing_page(db, principal, "", invoice_id).returned_invoice == ""
    page = screens.billing_page(db, principal, "")
    assert [row.number for row in page.invoices][:2] == ["INV-022", "INV-021"]
    assert page.invoices[0].pdf_href.startswith("/api/invoices/")
