"""An invoice as its PDF shows it, and the short-lived signed links that serve that PDF."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from portal_app.config import ROOT, settings
from portal_app.models import Invoice, InvoiceLine
from portal_app.services.access import customer_scope
from portal_app.services.accounts.branding import Branding, branding_of
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_status import InvoiceStatus, invoice_status, visible
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.common.dates import show_date
from portal_app.services.common.errors import NotFound
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.money import format_money
from portal_app.services.common.secret_key import secret_key

NOT_FOUND = "Invoice not found."
ASSETS = ROOT / "assets"
RASTER_LOGOS = (".png", ".jpg", ".jpeg")
LINK_LIFETIME = timedelta(minutes=10)
MAX_EXP_DIGITS = 12
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BillTo:
    """The customer's billing details as the invoice shows them."""

    name: str
    address: str
    email: str
    phone: str


@dataclass(frozen=True)
class DocumentLine:
    """One invoice line: amount is quantity x unit price (net), tax comes on top."""

    description: str
    quantity: int
    unit_price_minor: int
    tax_rate_bp: int
    tax_minor: int
    amount_minor: int


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything the invoice PDF shows, as plain values (money in minor units of `currency`)."""

    invoice_id: int
    number: str
    status: InvoiceStatus
    issued_on: date
    due_on: date
    currency: str
    locale: str
    provider: Branding
    logo_file: Path | None
    customer: BillTo
    lines: tuple[DocumentLine, ...]
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    balance_minor: int
    payment_instructions: tuple[str, ...]

    @property
    def filename(self) -> str:
        """A safe download name like 'NWF-2025-0001.pdf' ('invoice-<id>.pdf' without a number)."""
        fallback = f"invoice-{self.invoice_id}"
        stem = "" if self.number == f"#{self.invoice_id}" else _UNSAFE_FILENAME.sub("-", self.number).strip("-.")
        return f"{stem or fallback}.pdf"


def invoice_document(db: Session, principal: Principal, invoice_id: int, today: date | None = None) -> InvoiceDocument:
    """The invoice in the principal's current customer scope, or NotFound (drafts included)."""
    if principal.customer_id is None:
        raise NotFound(NOT_FOUND)
    invoice = db.exec(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.customer_id == principal.customer_id, visible())
    ).first()
    if invoice is None:
        raise NotFound(NOT_FOUND)
    scope = customer_scope(db, principal)
    customer, organisation = scope.customer, scope.organisation
    rows = db.exec(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(col(InvoiceLine.position), col(InvoiceLine.id))
    ).all()
    lines = tuple(
        DocumentLine(
            description=row.description,
            quantity=row.quantity,
            unit_price_minor=row.unit_price_minor,
            tax_rate_bp=row.tax_rate_bp,
            tax_minor=row.tax_minor,
            amount_minor=row.amount_minor,
        )
        for row in rows
    )
    status = invoice_status(invoice, today or date.today())
    balance = max(0, invoice.total_minor - invoice.paid_minor)
    provider = branding_of(organisation)
    number = invoice_number(invoice)
    return InvoiceDocument(
        invoice_id=invoice.id,
        number=number,
        status=status,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        currency=invoice.currency,
        locale=customer.locale,
        provider=provider,
        logo_file=raster_logo(provider.logo_url),
        customer=BillTo(name=customer.name, address=customer.address, email=customer.email, phone=customer.phone),
        lines=lines,
        subtotal_minor=sum(line.amount_minor for line in lines),
        tax_minor=sum(line.tax_minor for line in lines),
        total_minor=invoice.total_minor,
        paid_minor=invoice.paid_minor,
        balance_minor=balance,
        payment_instructions=payment_instructions(
            provider,
            status=status,
            number=number,
            balance=format_money(balance, invoice.currency, customer.locale),
            due=show_date(invoice.due_on, customer.locale),
        ),
    )


def raster_logo(logo_url: str) -> Path | None:
    """The PNG/JPEG logo file under assets/ (an SVG logo's .png twin), or None to draw the name instead."""
    if not logo_url:
        return None
    path = (ASSETS / logo_url.lstrip("/")).resolve()
    if path.suffix.lower() not in RASTER_LOGOS:
        path = path.with_suffix(".png")
    if not path.is_relative_to(ASSETS.resolve()) or not path.is_file():
        return None
    return path


def payment_instructions(
    provider: Branding, *, status: InvoiceStatus, number: str, balance: str, due: str
) -> tuple[str, ...]:
    """What to do about this invoice, and how to reach the provider, one paragraph each."""
    if status == InvoiceStatus.VOID:
        first = "This invoice has been voided. Nothing is due."
    elif status == InvoiceStatus.PAID:
        first = "This invoice is paid in full. Thank you."
    elif status == InvoiceStatus.OVERDUE:
        first = f"This invoice is overdue: please pay {balance} now, quoting {number} as the payment reference."
    else:
        first = f"Please pay {balance} by {due}, quoting {number} as the payment reference."
    contact = " · ".join(part for part in (provider.email, provider.phone, provider.website) if part)
    second = f"Questions about this invoice? Contact {provider.name}" + (f": {contact}" if contact else ".")
    portal = (
        f"You can view your invoices and payments at any time in the customer portal: {settings().public_url}/portal"
    )
    return first, second, portal


def pdf_link(principal: Principal, invoice_id: int, now: datetime | None = None, *, download: bool = False) -> str:
    """A link to the invoice PDF that only this person, acting as this customer, can open for 10 minutes."""
    exp = int((now or datetime.now(UTC)).timestamp() + LINK_LIFETIME.total_seconds())
    sig = _signature(principal.user_id, principal.customer_id, invoice_id, exp)
    return f"/api/invoices/{invoice_id}/pdf?exp={exp}&sig={sig}" + ("&download=1" if download else "")


def check_pdf_link(principal: Principal, invoice_id: int, exp: str, sig: str, now: datetime | None = None) -> bool:
    """Whether exp/sig were signed for this person, customer and invoice and have not expired."""
    expires = parse_id(exp, 10**MAX_EXP_DIGITS - 1)
    if principal.customer_id is None or expires is None:
        return False
    current = (now or datetime.now(UTC)).timestamp()
    if not current <= expires <= current + LINK_LIFETIME.total_seconds():
        return False
    expected = _signature(principal.user_id, principal.customer_id, invoice_id, expires)
    return hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace"))


def _signature(user_id: int, customer_id: int | None, invoice_id: int, exp: int) -> str:
    message = f"invoice-pdf:{user_id}:{customer_id}:{invoice_id}:{exp}".encode("ascii")
    return hmac.new(secret_key(), message, hashlib.sha256).hexdigest()
