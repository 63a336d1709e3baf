"""The receipt of a payment: what its PDF shows (which payments have one: payment_words.has_receipt).

The receipt email is in receipt_mail.py; the signed links that serve the PDF are in services/access.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from portal_app.errors import NotFound
from portal_app.models import Customer, Invoice, Organisation, Payment, PaymentStatus
from portal_app.services.access import RECEIPT_NOT_FOUND, own_payment
from portal_app.services.accounts.branding import Branding, branding_of
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_documents import BillTo, raster_logo
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.payment_words import has_receipt, paid_with

LATER = {
    PaymentStatus.REFUNDED: "This payment has since been refunded.",
    PaymentStatus.DISPUTED: "This payment is disputed with the card issuer.",
}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ReceiptDocument:
    """Everything the receipt PDF shows, as plain values (money in minor units of `currency`)."""

    payment_id: int
    number: str
    paid_at: datetime
    amount_minor: int
    currency: str
    locale: str
    provider: Branding
    logo_file: Path | None
    payer: BillTo
    invoice_number: str  # "" for a payment not linked to an invoice
    paid_with: str
    reference_label: str  # "Stripe reference" for a card payment through Stripe, else "Payment reference"
    reference: str
    later: str  # what happened to the payment since ("" when nothing)

    @property
    def filename(self) -> str:
        """A safe download name like 'receipt-R-000012.pdf'."""
        return f"receipt-{_UNSAFE_FILENAME.sub('-', self.number)}.pdf"


def receipt_number(payment: Payment) -> str:
    """The receipt's number: the payment's id, as 'R-000012'."""
    return f"R-{payment.id:06d}"


def receipt_document(db: Session, principal: Principal, payment_id: int) -> ReceiptDocument:
    """The receipt of one of the principal's customer's payments; NotFound when it is not theirs or has none."""
    payment = own_payment(db, principal, payment_id)
    if not has_receipt(payment):
        raise NotFound(RECEIPT_NOT_FOUND)
    return document_of(db, payment)


def document_of(db: Session, payment: Payment) -> ReceiptDocument:
    """The receipt of a payment in hand (the receipt email's attachment)."""
    customer = db.get(Customer, payment.customer_id)
    provider = branding_of(db.get(Organisation, customer.organisation_id))
    invoice = db.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None
    through_stripe = bool(payment.stripe_payment_intent_id)
    return ReceiptDocument(
        payment_id=payment.id,
        number=receipt_number(payment),
        paid_at=payment.processed_at,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        locale=customer.locale,
        provider=provider,
        logo_file=raster_logo(provider.logo_url),
        payer=BillTo(name=customer.name, address=customer.address, email=customer.email, phone=customer.phone),
        invoice_number=invoice_number(invoice) if invoice is not None and invoice.customer_id == customer.id else "",
        paid_with=paid_with(payment),
        reference_label="Stripe reference" if through_stripe else "Payment reference",
        reference=payment.stripe_payment_intent_id or payment.reference,
        later=LATER.get(payment.status, ""),
    )
