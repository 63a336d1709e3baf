"""An invoice as its PDF shows it (the signed links that serve it are in services/access.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from portal_app.config import ROOT, settings
from portal_app.models import InvoiceLine
from portal_app.services.access import customer_scope, own_invoice
from portal_app.services.accounts.branding import Branding, branding_of
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_status import InvoiceStatus, invoice_status
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money

ASSETS = ROOT / "assets"
RASTER_LOGOS = (".png", ".jpg", ".jpeg")
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
    """One of the principal's current customer's visible invoices, or NotFound (drafts too)."""
    invoice = own_invoice(db, principal, invoice_id)
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
