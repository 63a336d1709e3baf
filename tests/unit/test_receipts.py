"""Receipts: what the PDF says (read back with pypdf), which payments have one, whose they are, the signed route,
and payments in words in billing history."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from pypdf import PdfReader
from starlette.testclient import TestClient

from portal_app.api import api_app
from portal_app.errors import NotFound
from portal_app.models import Invoice, Payment, PaymentStatus
from portal_app.pdf.receipt import render_receipt_pdf
from portal_app.services.access import receipt_link
from portal_app.services.accounts import sessions
from portal_app.services.billing import screens
from portal_app.services.billing.payment_words import described, paid_with
from portal_app.services.billing.receipts import receipt_document
from portal_app.services.common.pagination import PageRequest

PAID_AT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "receipt-test-secret")


@pytest.fixture
def northwind(db):
    organisation = make_organisation(
        db,
        name="Northwind Fiber",
        address="1 Harbour Road, Portsmouth",
        email="billing@northwind.example",
        phone="+44 20 7946 0000",
        brand_colour="#1d4ed8",
    )
    customer = make_customer(db, organisation, name="Alex Morgan", email="alex@example.com", locale="en_GB")
    invoice = Invoice(
        customer_id=customer.id,
        number="NWF-2025-0007",
        issued_on=date(2025, 3, 1),
        due_on=date(2025, 3, 31),
        currency="GBP",
        total_minor=4_250,
        paid_minor=4_250,
    )
    db.add(invoice)
    db.commit()
    return organisation, customer, invoice


def add_payment(db, customer, invoice=None, **fields) -> Payment:
    values = {
        "amount_minor": 4_250,
        "currency": "GBP",
        "status": PaymentStatus.SUCCEEDED,
        "processed_at": PAID_AT,
        **fields,
    }
    payment = Payment(customer_id=customer.id, invoice_id=invoice.id if invoice else None, **values)
    db.add(payment)
    db.commit()
    return payment


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def card_payment(db, customer, invoice) -> Payment:
    return add_payment(
        db,
        customer,
        invoice,
        method="card",
        card_brand="visa",
        card_last4="4242",
        stripe_payment_intent_id="pi_3ReceiptTest",
        reference="pi_3ReceiptTest",
    )


def test_the_receipt_shows_provider_payer_invoice_amount_card_date_and_stripe_reference(db, northwind):
    _, customer, invoice = northwind
    payment = card_payment(db, customer, invoice)
    principal = principal_for(db, make_user(db, customer=customer))

    document = receipt_document(db, principal, payment.id)
    text = text_of(render_receipt_pdf(document))

    assert document.filename == f"receipt-R-{payment.id:06d}.pdf"
    for expected in (
        "Northwind Fiber",
        "1 Harbour Road, Portsmouth",
        "billing@northwind.example",
        "Receipt",
        f"R-{payment.id:06d}",
        "RECEIVED FROM Alex Morgan",
        "alex@example.com",
        "NWF-2025-0007",
        "£42.50",
        "Visa •••• 4242",
        "4 Mar 2025",
        "Stripe reference pi_3ReceiptTest",
        "Thank you for your payment",
    ):
        assert expected in text, expected


def test_a_payment_of_another_method_shows_it_in_words_and_its_own_reference(db, northwind):
    _, customer, invoice = northwind
    payment = add_payment(db, customer, invoice, method="bank_transfer", reference="BACS-1182")
    principal = principal_for(db, make_user(db, customer=customer))

    text = text_of(render_receipt_pdf(receipt_document(db, principal, payment.id)))

    assert "Bank transfer, ref BACS-1182" in text
    assert "Payment reference BACS-1182" in text
    assert "Stripe" not in text


@pytest.mark.parametrize(
    ("status", "has_one", "note"),
    [
        (PaymentStatus.SUCCEEDED, True, ""),
        (PaymentStatus.REFUNDED, True, "since been refunded"),  # money was received: the receipt stays, noted
        (PaymentStatus.DISPUTED, True, "disputed"),
        (PaymentStatus.FAILED, False, ""),
        (PaymentStatus.PENDING, False, ""),
    ],
)
def test_only_payments_whose_money_arrived_have_a_receipt(db, northwind, status, has_one, note):
    _, customer, invoice = northwind
    payment = add_payment(db, customer, invoice, status=status, method="cash")
    principal = principal_for(db, make_user(db, customer=customer))

    if not has_one:
        with pytest.raises(NotFound, match=r"Receipt not found\."):
            receipt_document(db, principal, payment.id)
        return
    document = receipt_document(db, principal, payment.id)
    assert document.paid_with == "Cash"
    assert note in text_of(render_receipt_pdf(document))


def test_nobody_else_gets_the_receipt(db, northwind):
    organisation, customer, invoice = northwind
    payment = card_payment(db, customer, invoice)
    neighbour = make_customer(db, organisation, name="Riverside Bakery")
    elsewhere = make_customer(db, make_organisation(db, name="Harbor Web"), name="Quay Cafe")

    for other in (neighbour, elsewhere):
        stranger = principal_for(db, make_user(db, customer=other))
        for wanted in (payment.id, payment.id + 1000, -1, "1e3", True):
            with pytest.raises(NotFound):
                receipt_document(db, stranger, wanted)


def browser(db, customer) -> tuple[TestClient, sessions.Principal]:
    user = make_user(db, customer=customer)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return TestClient(api_app, cookies={"portal_session": token}), sessions.resolve(db, token)


def test_the_route_serves_the_owner_inline_or_as_a_download_through_a_signed_link(db, northwind):
    _, customer, invoice = northwind
    payment = card_payment(db, customer, invoice)
    client, principal = browser(db, customer)

    inline = client.get(receipt_link(principal, payment.id))
    download = client.get(receipt_link(principal, payment.id, download=True))

    assert inline.status_code == 200
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"] == f'inline; filename="receipt-R-{payment.id:06d}.pdf"'
    assert inline.headers["cache-control"] == "private, no-store"
    assert "Visa •••• 4242" in text_of(inline.content)
    assert download.headers["content-disposition"].startswith("attachment; ")


def test_the_route_refuses_the_signed_out_others_and_bad_links(db, northwind):
    organisation, customer, invoice = northwind
    payment = card_payment(db, customer, invoice)
    failed = add_payment(db, customer, invoice, status=PaymentStatus.FAILED)
    client, principal = browser(db, customer)
    link = receipt_link(principal, payment.id)

    signed_out = TestClient(api_app).get(link)
    assert signed_out.status_code == 403 and "Please sign in to view this receipt." in signed_out.text

    stranger_client, stranger = browser(db, make_customer(db, organisation, name="Riverside Bakery"))
    for other_link in (link, receipt_link(stranger, payment.id)):
        refused = stranger_client.get(other_link)
        assert refused.status_code == 404 and "Receipt not found." in refused.text
    stale = receipt_link(principal, payment.id, now=datetime.now(UTC) - timedelta(minutes=11))
    flipped = link[:-1] + ("0" if link[-1] != "0" else "1")
    invoice_signature = link.replace(f"/payments/{payment.id}/receipt", f"/invoices/{payment.id}/pdf")
    assert client.get(stale, follow_redirects=False).status_code == 303  # renewed: the page was left open
    for bad in (flipped, receipt_link(principal, failed.id), f"/api/payments/{payment.id}/receipt"):
        response = client.get(bad)
        assert response.status_code == 404 and "Receipt not found." in response.text, bad
    assert client.get(invoice_signature).status_code == 404  # a receipt's signature opens no invoice


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"method": "card", "card_brand": "visa", "card_last4": "4242"}, "Visa •••• 4242"),
        ({"method": "card", "card_brand": "amex", "card_last4": "0005"}, "American Express •••• 0005"),
        ({"method": "card", "card_last4": "4444"}, "Card •••• 4444"),
        ({"stripe_payment_intent_id": "pi_1", "reference": "pi_1"}, "Card"),  # recorded before methods: a card
        ({"method": "bank_transfer", "reference": "SEPA-7"}, "Bank transfer, ref SEPA-7"),
        ({"method": "cash"}, "Cash"),
        ({"method": "cheque", "reference": "000123"}, "Cheque, ref 000123"),
        ({"method": "direct_debit"}, "Direct debit"),
        ({"reference": "legacy-42"}, "legacy-42"),
    ],
)
def test_payments_in_words(fields, words):
    payment = Payment(customer_id=1, amount_minor=1, currency="EUR", **fields)
    assert paid_with(payment) == words
    assert described(payment) == words


def test_a_failed_payment_says_why():
    declined = Payment(
        customer_id=1,
        amount_minor=1,
        currency="EUR",
        status=PaymentStatus.FAILED,
        method="card",
        stripe_payment_intent_id="pi_9",
        reference="pi_9",
        failure_reason="Your card was declined.",
    )
    assert described(declined) == "Your card was declined."
    assert described(Payment(customer_id=1, amount_minor=1, currency="EUR", status=PaymentStatus.FAILED)) == (
        "The payment failed."
    )


def test_billing_history_shows_payments_in_words_with_receipt_links_for_those_with_one(db, northwind):
    _, customer, invoice = northwind
    card = card_payment(db, customer, invoice)
    failed = add_payment(
        db,
        customer,
        invoice,
        status=PaymentStatus.FAILED,
        method="card",
        stripe_payment_intent_id="pi_3Declined",
        reference="pi_3Declined",
        failure_reason="Your card was declined.",
        processed_at=PAID_AT + timedelta(hours=1),
    )
    principal = principal_for(db, make_user(db, customer=customer))

    page = screens.history_page(db, principal, PageRequest(1, 10), PageRequest(1, 10), "http://localhost:8000")

    rows = {row.id: row for row in page.payments}
    assert rows[card.id].details == "Visa •••• 4242"
    assert rows[failed.id].details == "Your card was declined."
    assert not any("pi_" in row.details for row in page.payments)  # Stripe's ids are on the receipt only
    assert rows[card.id].receipt_href.startswith(f"http://localhost:8000/api/payments/{card.id}/receipt?exp=")
    assert rows[card.id].receipt_download_href == rows[card.id].receipt_href + "&download=1"
    assert (rows[failed.id].has_receipt, rows[failed.id].receipt_href) == (False, "")
