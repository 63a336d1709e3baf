"""Invoice status as customers see it, derived from the stored state, payments and due date."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import ColumnElement, and_
from sqlmodel import col

from portal_app.models import Invoice, InvoiceState


class InvoiceStatus(enum.StrEnum):
    """Statuses shown in the portal (Draft invoices are never shown)."""

    PAID = "Paid"
    PARTIALLY_PAID = "Partially paid"
    ISSUED = "Issued"
    OVERDUE = "Overdue"
    VOID = "Void"


def invoice_status(invoice: Invoice, today: date) -> InvoiceStatus:
    """Void if voided; else Paid when nothing is left; Overdue once due with a balance."""
    if invoice.state == InvoiceState.VOID:
        return InvoiceStatus.VOID
    balance = invoice.total_minor - invoice.paid_minor
    if balance <= 0:
        return InvoiceStatus.PAID
    if invoice.due_on < today:
        return InvoiceStatus.OVERDUE
    if invoice.paid_minor > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


def visible() -> ColumnElement[bool]:
    """Invoices a customer may see: everything but drafts."""
    return col(Invoice.state) != InvoiceState.DRAFT


def outstanding() -> ColumnElement[bool]:
    """Visible, not void, with a balance left to pay."""
    return and_(
        col(Invoice.state) == InvoiceState.ISSUED,
        col(Invoice.total_minor) > col(Invoice.paid_minor),
    )
