"""A customer's billing figures: balance due per currency, open invoices, the latest invoice and payment.

Each takes the Customer row a service got from `services.access`, never a raw id.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice, Payment, PaymentStatus
from portal_app.services.billing.invoice_status import outstanding, visible
from portal_app.services.common.money import format_money


def balance_due(db: Session, customer: Customer) -> dict[str, int]:
    """Outstanding balance per currency, in minor units (empty when nothing is due)."""
    rows = db.exec(
        select(Invoice.currency, func.sum(col(Invoice.total_minor) - col(Invoice.paid_minor)))
        .where(Invoice.customer_id == customer.id, outstanding())
        .group_by(col(Invoice.currency))
    ).all()
    return {currency: int(total) for currency, total in rows if total}


def format_balances(balances: dict[str, int], default_currency: str, locale: str) -> str:
    """'$120.00', or several currencies joined, or zero in the customer's currency."""
    if not balances:
        return format_money(0, default_currency, locale)
    return " + ".join(format_money(amount, cur, locale) for cur, amount in sorted(balances.items()))


def open_invoice_count(db: Session, customer: Customer) -> int:
    """Invoices with an outstanding balance."""
    return db.exec(
        select(func.count()).select_from(Invoice).where(Invoice.customer_id == customer.id, outstanding())
    ).one()


def latest_invoice(db: Session, customer: Customer) -> Invoice | None:
    """The customer's most recently issued visible invoice."""
    return db.exec(
        select(Invoice)
        .where(Invoice.customer_id == customer.id, visible())
        .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        .limit(1)
    ).first()


def latest_payment(db: Session, customer: Customer) -> Payment | None:
    """The customer's most recent succeeded payment."""
    return db.exec(
        select(Payment)
        .where(Payment.customer_id == customer.id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(col(Payment.processed_at).desc(), col(Payment.id).desc())
        .limit(1)
    ).first()
