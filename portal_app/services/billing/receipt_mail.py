"""The receipt email: one per succeeded payment, never two, with the receipt PDF attached.

Called after the transaction that recorded the payment committed: by the webhook, the customer's return page and
each automatic charge (whichever comes first), and by the automatic-payments run for receipts still unsent. Each
claims the payment with a compare-and-set on `receipt_sent_at` (committed before anything is sent), so of the
callers racing for one payment exactly one sends. A claimed receipt is released for a later try (the next
automatic-payments run, within RETRY_WINDOW) only when nothing went out: the PDF could not be made, or every
recipient's send failed for good. A send that may work later (server down, 4xx) is held for `mail retry`, so its
claim stays: releasing it too would send that recipient the receipt twice. A crash between claim and send loses
that receipt: never two wins over always one. People who turned receipts off (Profile → Notifications, or the
email's one-click unsubscribe) are not mailed; each email carries its recipient's unsubscribe link and headers.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import stripe
from sqlalchemy import update
from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.mail import Attachment
from portal_app.models import Customer, NotificationKind, Organisation, Payment, PaymentStatus
from portal_app.models.base import utcnow
from portal_app.payments.gateway import as_dict, client, options, stripe_configured
from portal_app.pdf.receipt import render_receipt_pdf
from portal_app.services.access import stripe_payment
from portal_app.services.accounts.notification_mail import mail_each
from portal_app.services.accounts.notification_preferences import Recipient, recipients
from portal_app.services.billing.payment_words import CARD, method_of
from portal_app.services.billing.receipts import ReceiptDocument, document_of
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money

log = logging.getLogger(__name__)

HISTORY_PATH = "/portal/billing/history"
RETRY_WINDOW = timedelta(days=7)  # the automatic-payments run sends receipts still unsent for payments this recent
# Stripe events that may record a succeeded payment (the others never owe a receipt).
RECEIPT_EVENTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded", "payment_intent.succeeded"}
)


def send_receipt_of_event(db: Session, event: Any) -> bool:
    """After a verified webhook event was applied (committed): send the receipt of the payment it recorded, if any."""
    data = as_dict(event)
    if data.get("type") not in RECEIPT_EVENTS:
        return False
    return send_receipt_for(db, data["data"]["object"], data.get("account"))


def send_receipt_for(db: Session, stripe_object: Any, account: str | None) -> bool:
    """Send the receipt of the payment a Checkout Session or PaymentIntent of the connected account paid, if it is
    recorded as Succeeded and its receipt is unsent. True when this call sent it."""
    obj = as_dict(stripe_object)
    intent = obj.get("payment_intent") if obj.get("object") == "checkout.session" else obj.get("id")
    if isinstance(intent, dict):
        intent = intent.get("id")
    payment = stripe_payment(db, str(intent or ""), account)
    if payment is None or payment.status != PaymentStatus.SUCCEEDED or payment.receipt_sent_at is not None:
        return False
    return send_receipt(db, payment)


def send_unsent_receipts(db: Session) -> int:
    """Send the receipts still unsent of card payments that succeeded within RETRY_WINDOW; returns how many went."""
    due = db.exec(
        select(Payment)
        .where(
            Payment.status == PaymentStatus.SUCCEEDED,
            col(Payment.receipt_sent_at).is_(None),
            col(Payment.stripe_payment_intent_id).is_not(None),
            col(Payment.processed_at) >= utcnow() - RETRY_WINDOW,
        )
        .order_by(col(Payment.id))
    ).all()
    return sum(send_receipt(db, payment) for payment in due)


def send_receipt(db: Session, payment: Payment) -> bool:
    """Claim the payment's receipt and email it to the customer's people; True when this call claimed and sent it.

    Commits (the claim, the card details). Never raises: a failure is logged, and the claim released when nothing
    went out.
    """
    try:
        if not _claim(db, payment):
            return False
    except Exception:
        db.rollback()
        log.exception(
            "Could not claim the receipt of payment %s; the next automatic-payments run tries again", payment.id
        )
        return False
    try:
        customer = db.get(Customer, payment.customer_id)
        organisation = db.get(Organisation, customer.organisation_id)
        _fill_card(db, payment, organisation)
        document = document_of(db, payment)
        pdf = render_receipt_pdf(document)
        addresses = recipients(db, customer, NotificationKind.RECEIPTS)
    except Exception:
        db.rollback()
        log.exception("Could not make the receipt of payment %s; released for a later try", payment.id)
        _release(db, payment)
        return False
    if not addresses:
        log.warning("Payment %s: nobody to send the receipt to (no address, or receipts turned off)", payment.id)
        return False
    if not _send(payment, document, pdf, addresses):
        _release(db, payment)
        return False
    return True


def _claim(db: Session, payment: Payment) -> bool:
    """Mark the receipt as sent if nobody did (compare-and-set), and commit before anything is sent."""
    claimed = db.exec(
        update(Payment)
        .where(
            col(Payment.id) == payment.id,
            col(Payment.status) == PaymentStatus.SUCCEEDED,
            col(Payment.receipt_sent_at).is_(None),
        )
        .values(receipt_sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.commit()
    if claimed.rowcount != 1:
        return False
    db.refresh(payment)
    return True


def _release(db: Session, payment: Payment) -> None:
    """Give the claim back, so the next automatic-payments run sends the receipt."""
    try:
        db.exec(
            update(Payment)
            .where(col(Payment.id) == payment.id)
            .values(receipt_sent_at=None)
            .execution_options(synchronize_session=False)
        )
        db.commit()
    except Exception:
        db.rollback()
        log.exception("Could not release the receipt claim of payment %s: its receipt will not be sent", payment.id)


def _fill_card(db: Session, payment: Payment, organisation: Organisation) -> None:
    """Note the card's brand and last 4 digits from Stripe; when Stripe does not say, the card stays unknown."""
    account = organisation.stripe_account_id
    intent_id = payment.stripe_payment_intent_id
    if method_of(payment) != CARD or payment.card_last4 or not intent_id or not account or not stripe_configured():
        return
    try:
        intent = as_dict(
            client().v1.payment_intents.retrieve(intent_id, {"expand": ["payment_method"]}, options(account))
        )
    except stripe.StripeError as exc:
        log.warning("Could not read the card of PaymentIntent %s: %s", intent_id, exc)
        return
    method = intent.get("payment_method")
    card = (method.get("card") or {}) if isinstance(method, dict) else {}
    if not card.get("last4"):
        return
    payment.method = CARD
    payment.card_brand = str(card.get("brand") or "")[:20]
    payment.card_last4 = str(card["last4"])[:4]
    db.add(payment)
    db.commit()


def _send(payment: Payment, document: ReceiptDocument, pdf: bytes, addresses: list[Recipient]) -> bool:
    """Email each recipient; True when at least one got it or holds it for `mail retry`."""
    subject, text = _message(document)
    return mail_each(
        addresses,
        NotificationKind.RECEIPTS,
        subject,
        text,
        attachments=[Attachment(document.filename, pdf)],
        resend_name=f"receipt-{payment.id}",
    )


def _message(document: ReceiptDocument) -> tuple[str, str]:
    """The receipt email's subject and text, in the provider's name."""
    provider = document.provider
    amount = format_money(document.amount_minor, document.currency, document.locale)
    purpose = f" for invoice {document.invoice_number}" if document.invoice_number else ""
    contact = " · ".join(part for part in (provider.email, provider.phone, provider.website) if part)
    paragraphs = [
        "Hello,",
        f"Thank you for your payment. {provider.name} received {amount}{purpose} "
        f"on {show_date(document.paid_at.date(), document.locale)}.\nPaid with: {document.paid_with}",
        f"Your receipt {document.number} is attached as a PDF.",
        f"See all your payments and receipts in the portal:\n{settings().public_url}{HISTORY_PATH}",
        provider.name + (f"\n{contact}" if contact else ""),
    ]
    return f"Receipt {document.number} from {provider.name}: {amount} received", "\n\n".join(paragraphs) + "\n"
