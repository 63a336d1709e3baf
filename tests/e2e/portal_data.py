"""What the e2e database says about a customer, read with plain SQL to check the pages against."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision

OPEN_TICKET_STATUSES = ("Open", "Awaiting your reply")


@dataclass(frozen=True)
class ServiceRow:
    """A service and the badge it should show."""

    name: str
    status: str  # Active / Inactive


@dataclass(frozen=True)
class CustomerFacts:
    """The figures the Overview shows for one customer record, formatted for its locale."""

    name: str
    email: str
    organisation: str
    balance_due: str
    last_invoice_total: str
    last_invoice_issued: str
    last_payment_amount: str
    last_payment_date: str
    open_tickets: int
    services: list[ServiceRow]


def money(amount_minor: int, currency: str, locale: str) -> str:
    """Minor units formatted for the locale, e.g. 123450 USD en_US -> '$1,234.50'."""
    major = Decimal(amount_minor).scaleb(-get_currency_precision(currency))
    return format_currency(major, currency, locale=locale)


def medium_date(value: str, locale: str) -> str:
    """A stored date or timestamp as the portal shows it, e.g. 'Nov 19, 2026'."""
    day = datetime.fromisoformat(value).date() if " " in value or "T" in value else date.fromisoformat(value)
    return format_date(day, format="medium", locale=locale)


def customer_facts(db_path: Path, customer_name: str) -> CustomerFacts:
    """Compute the Overview figures of the customer record with this name straight from the tables."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        customer_id, email, currency, locale, organisation = db.execute(
            "SELECT c.id, c.email, c.currency, c.locale, o.name FROM customer c "
            "JOIN organisation o ON o.id = c.organisation_id WHERE c.name = ?",
            (customer_name,),
        ).fetchone()
        balances = db.execute(
            "SELECT currency, SUM(total_minor - paid_minor) FROM invoice "
            "WHERE customer_id = ? AND state = 'issued' AND total_minor > paid_minor "
            "GROUP BY currency ORDER BY currency",
            (customer_id,),
        ).fetchall()
        last_invoice = db.execute(
            "SELECT total_minor, currency, issued_on FROM invoice WHERE customer_id = ? AND state != 'draft' "
            "ORDER BY issued_on DESC, id DESC LIMIT 1",
            (customer_id,),
        ).fetchone()
        last_payment = db.execute(
            "SELECT amount_minor, currency, processed_at FROM payment "
            "WHERE customer_id = ? AND status = 'Succeeded' ORDER BY processed_at DESC, id DESC LIMIT 1",
            (customer_id,),
        ).fetchone()
        (open_tickets,) = db.execute(
            "SELECT COUNT(*) FROM ticket WHERE customer_id = ? AND status IN (?, ?)",
            (customer_id, *OPEN_TICKET_STATUSES),
        ).fetchone()
        services = [
            ServiceRow(name, "Active" if active else "Inactive")
            for name, active in db.execute(
                "SELECT name, is_active FROM service WHERE customer_id = ? ORDER BY name", (customer_id,)
            )
        ]
    balance = " + ".join(money(total, cur, locale) for cur, total in balances) or money(0, currency, locale)
    return CustomerFacts(
        name=customer_name,
        email=email,
        organisation=organisation,
        balance_due=balance,
        last_invoice_total=money(last_invoice[0], last_invoice[1], locale) if last_invoice else "",
        last_invoice_issued=medium_date(last_invoice[2], locale) if last_invoice else "",
        last_payment_amount=money(last_payment[0], last_payment[1], locale) if last_payment else "",
        last_payment_date=medium_date(last_payment[2], locale) if last_payment else "",
        open_tickets=open_tickets,
        services=services,
    )
