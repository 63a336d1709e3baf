"""A customer's balance due per currency, and how it reads (the page figures come from `accounts/figures.py`).

Each takes the Customer row a service got from `services.access`, never a raw id.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice
from portal_app.services.billing.invoice_status import outstanding
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
