"""The receipt email: one per payment, never two (webhook, return page and autopay racing, runs repeated), with the
receipt PDF attached and the card read from Stripe; a send that failed is retried by the next automatic run."""

from __future__ import annotations

import io
import json
import threading
from datetime import date

import pytest
from factories import sent_mail
from fault_injection import closed_port, run_together
from payment_helpers import RETURN, new_session, payments
from pypdf import PdfReader
from starlette.testclient import TestClient
from stripe_fake import ACCOUNT, WEBHOOK_SECRET, scenario, sign

from portal_app.api import api_app
from portal_app.config import settings
from portal_app.mail import held_messages
from portal_app.models import PaymentStatus
from portal_app.services.billing import receipt_mail
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.checkout import checkout_return, start_checkout
from portal_app.services.billing.stripe_events import handle_event


def paid_session(db, fake, s, card: str = "pm_card_visa") -> dict:
    """The customer paid the invoice on Stripe's page (nothing recorded yet)."""
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    return fake.complete_session(url.rsplit("/", 1)[1], card=card)


def webhook(fake, session: dict) -> int:
    """Stripe delivering checkout.session.completed to the webhook route; its HTTP status."""
    payload = fake.event("checkout.session.completed", session, account=ACCOUNT)
    headers = {"Stripe-Signature": sign(payload, WEBHOOK_SECRET), "Content-Type": "application/json"}
    return TestClient(api_app).post("/api/stripe/webhook", content=payload.encode(), headers=headers).status_code


def receipts() -> list:
    return [m for m in sent_mail() if m["Subject"].startswith("Receipt ")]


def attached_pdf(message) -> tuple[str, str]:
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(part.get_content())).pages[0].extract_text().split())
    return part.get_filename(), text


def test_the_return_page_sends_one_receipt_with_the_pdf_and_the_card_from_stripe(db, fake):
    s = scenario(db)
    session = paid_session(db, fake, s, card="pm_card_mastercard")

    assert checkout_return(db, s.principal, s.invoice.id, session["id"]) == "paid"
    assert checkout_return(db, s.principal, s.invoice.id, session["id"]) == "paid"
    assert webhook(fake, session) == 200  # arriving late: already sent

    [payment] = payments(db)
    assert (payment.method, payment.card_brand, payment.card_last4) == ("card", "mastercard", "4444")
    assert payment.receipt_sent_at is not None
    [retrieve] = fake.calls("GET /v1/payment_intents/")
    assert (retrieve.account, retrieve.form) == (ACCOUNT, {"expand[0]": "payment_method"})
    [mail] = receipts()
    assert mail["To"] == s.principal.user_email
    assert mail["Subject"] == f"Receipt R-{payment.id:06d} from {s.organisation.name}: €50.00 received"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"received €50.00 for invoice {s.invoice.number}" in body
    assert "Paid with: Mastercard •••• 4444" in body
    assert f"{RETURN}/portal/billing/history" in body
    filename, text = attached_pdf(mail)
    assert filename == f"receipt-R-{payment.id:06d}.pdf"
    assert "Mastercard •••• 4444" in text
    assert payment.stripe_payment_intent_id in text


def test_the_webhook_sends_it_when_it_records_first_and_the_return_page_does_not_again(db, fake):
    s = scenario(db)
    session = paid_session(db, fake, s)

    assert webhook(fake, session) == 200
    assert webhook(fake, session) == 200  # Stripe delivering the same event again
    assert checkout_return(db, s.principal, s.invoice.id, session["id"]) == "paid"

    assert len(receipts()) == 1
    assert "Visa •••• 4242" in attached_pdf(receipts()[0])[1]


def test_webhook_and_return_page_at_the_same_moment_send_one_receipt(db, fake, monkeypatch):
    s = scenario(db)
    session = paid_session(db, fake, s)
    claim = receipt_mail._claim
    both_recorded = threading.Barrier(2, timeout=30)

    def recorded_then_claim(session_db, payment):
        both_recorded.wait()  # each has seen the payment recorded with its receipt unsent
        return claim(session_db, payment)

    monkeypatch.setattr(receipt_mail, "_claim", recorded_then_claim)

    def return_page() -> str:
        with new_session() as other:
            return checkout_return(other, s.principal, s.invoice.id, session["id"])

    first, second = run_together(lambda: webhook(fake, session), return_page)
    assert (first, second) == (200, "paid")
    assert len(receipts()) == 1
    [payment] = payments(db)
    assert payment.status == PaymentStatus.SUCCEEDED


def test_stripe_not_telling_the_card_leaves_it_unknown_and_the_receipt_still_goes(db, fake):
    s = scenario(db)
    session = paid_session(db, fake, s)
    for _ in range(2):  # the SDK retries a 500 once
        fake.fail_next("GET /v1/payment_intents/", "server_error")

    assert checkout_return(db, s.principal, s.invoice.id, session["id"]) == "paid"

    [payment] = payments(db)
    assert (payment.card_brand, payment.card_last4) == ("", "")
    [mail] = receipts()
    assert "Paid with: Card\n" in mail.get_body(preferencelist=("plain",)).get_content()


def use_smtp(monkeypatch, url: str) -> None:
    monkeypatch.setenv("PORTAL_SMTP_URL", url)
    settings.cache_clear()


def test_a_send_that_failed_for_good_is_released_and_the_next_automatic_run_sends_it(db, fake, monkeypatch):
    s = scenario(db)
    session = paid_session(db, fake, s)
    use_smtp(monkeypatch, "http://mail.example.com")  # a mistake in the set-up: every send fails, nothing held

    assert checkout_return(db, s.principal, s.invoice.id, session["id"]) == "paid"
    [payment] = payments(db)
    assert payment.receipt_sent_at is None
    assert held_messages() == []

    monkeypatch.delenv("PORTAL_SMTP_URL")
    settings.cache_clear()
    run_autopay(db)
    run_autopay(db)
    assert len(receipts()) == 1
    assert payments(db)[0].receipt_sent_at is not None


def test_a_send_that_may_work_later_is_held_for_mail_retry_and_not_sent_again(db, fake, monkeypatch):
    s = scenario(db)
    session = paid_session(db, fake, s)
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{closed_port()}")  # the mail server is down

    assert checkout_return(db, s.principal, s.invoice.id, session["id"]) == "paid"
    run_autopay(db)

    [held] = held_messages()
    assert held.name == f"receipt-{payments(db)[0].id}-0.eml"
    assert b"application/pdf" in held.read_bytes()
    assert payments(db)[0].receipt_sent_at is not None  # claimed: `mail retry` sends it, nothing else


def test_an_automatic_payment_sends_its_receipt_once_even_when_the_run_repeats(db, fake):
    s = scenario(db, autopay=True, due_on=date(2025, 2, 1))
    url = start_card_setup_url(db, s)
    setup = fake.complete_session(url.rsplit("/", 1)[1], card="pm_card_visa")
    handle_event(db, json.loads(fake.event("checkout.session.completed", setup, account=ACCOUNT)))

    assert run_autopay(db).charged == 1
    assert run_autopay(db).charged == 0

    [mail] = receipts()
    assert "Paid with: Visa •••• 4242" in mail.get_body(preferencelist=("plain",)).get_content()
    [payment] = payments(db)
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")


def start_card_setup_url(db, s) -> str:
    from portal_app.services.billing.cards import start_card_setup

    return start_card_setup(db, s.principal, return_base=RETURN)


@pytest.mark.parametrize("status", [PaymentStatus.FAILED, PaymentStatus.REFUNDED])
def test_no_receipt_email_for_money_not_kept(db, fake, status):
    s = scenario(db)
    session = paid_session(db, fake, s)
    handle_event(db, json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
    [payment] = payments(db)
    payment.status = status
    db.add(payment)
    db.commit()

    assert receipt_mail.send_unsent_receipts(db) == 0
    assert receipts() == []
