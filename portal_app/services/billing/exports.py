"""Billing history as CSV: all of a customer's invoices or payments, streamed as they are read from the database.

Spreadsheet programs read the files as they are: UTF-8 with a byte order mark, dates in the customer's locale,
amounts as plain decimal text ("1234.50") beside a currency column, and any text cell a spreadsheet would take for a
formula (starting with =, +, -, @, a tab or a carriage return) prefixed with an apostrophe. Rows are read in chunks
(`yield_per`: a server-side cursor on PostgreSQL) and written out chunk by chunk, so a history of any length costs
the same memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import and_
from sqlmodel import Session, col, select

from portal_app.errors import NotFound
from portal_app.models import Customer, Invoice, Payment
from portal_app.services.access import customer_scope, export_link
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_status import invoice_status, visible
from portal_app.services.billing.invoices import invoice_number
from portal_app.services.billing.payment_words import described
from portal_app.services.billing.statements import Download, customer_slug
from portal_app.services.common.dates import show_date, show_datetime
from portal_app.services.common.money import to_major

BOM = "\ufeff"
CHUNK_ROWS = 500
TABLES = ("invoices", "payments")
UNKNOWN_TABLE = "There is no such export."
INVOICE_COLUMNS = ("Number", "Issued", "Due", "Status", "Currency", "Total", "Paid", "Balance")
PAYMENT_COLUMNS = ("Date", "Amount", "Currency", "Status", "Paid with", "Invoice")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_download(db: Session, principal: Principal, table: str, today: date | None = None) -> Download:
    """A fresh signed link to the CSV of one billing history table ("invoices" or "payments"), else NotFound."""
    if table not in TABLES:
        raise NotFound(UNKNOWN_TABLE)
    return Download(href=export_link(principal, table), filename=export_filename(db, principal, table, today))


def export_filename(db: Session, principal: Principal, table: str, today: date | None = None) -> str:
    """'invoices-<customer>-2026-11-29.csv' for the principal's current customer (NotLinked when none)."""
    customer = customer_scope(db, principal).customer
    return f"{table}-{customer_slug(customer)}-{(today or date.today()).isoformat()}.csv"


def export_csv(db: Session, principal: Principal, table: str, today: date | None = None) -> Iterator[bytes]:
    """The CSV of one billing history table ("invoices" or "payments"), in UTF-8 chunks, the BOM first."""
    customer = customer_scope(db, principal).customer
    if table == "invoices":
        return _encoded(INVOICE_COLUMNS, _invoice_cells(db, customer, today or date.today()))
    return _encoded(PAYMENT_COLUMNS, _payment_cells(db, customer))


def decimal_text(amount_minor: int, currency: str) -> str:
    """An amount as plain decimal text in major units: 123450 USD -> '1234.50', 0 -> '0.00'."""
    return f"{to_major(amount_minor, currency):f}"


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets an apostrophe before it."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _invoice_cells(db: Session, customer: Customer, today: date) -> Iterator[list[str]]:
    """Every visible invoice of the customer, newest first, as CSV cells."""
    rows = db.exec(
        select(Invoice)
        .where(Invoice.customer_id == customer.id, visible())
        .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        .execution_options(yield_per=CHUNK_ROWS)
    )
    for invoice in rows:
        currency = invoice.currency
        yield [
            safe_cell(invoice_number(invoice)),
            show_date(invoice.issued_on, customer.locale),
            show_date(invoice.due_on, customer.locale),
            invoice_status(invoice, today).value,
            currency,
            decimal_text(invoice.total_minor, currency),
            decimal_text(invoice.paid_minor, currency),
            decimal_text(max(0, invoice.total_minor - invoice.paid_minor), currency),
        ]


def _payment_cells(db: Session, customer: Customer) -> Iterator[list[str]]:
    """Every payment of the customer, newest first, with how it was paid and its invoice's number, as CSV cells."""
    rows = db.exec(
        select(Payment, Invoice)
        .outerjoin(Invoice, and_(col(Invoice.id) == col(Payment.invoice_id), col(Invoice.customer_id) == customer.id))
        .where(Payment.customer_id == customer.id)
        .order_by(col(Payment.processed_at).desc(), col(Payment.id).desc())
        .execution_options(yield_per=CHUNK_ROWS)
    )
    for payment, invoice in rows:
        yield [
            show_datetime(payment.processed_at, customer.locale),
            decimal_text(payment.amount_minor, payment.currency),
            payment.currency,
            str(payment.status),
            safe_cell(described(payment)),
            safe_cell(invoice_number(invoice)) if invoice is not None else "",
        ]


def _encoded(header: Iterable[str], rows: Iterable[list[str]]) -> Iterator[bytes]:
    """The BOM and header, then the rows, CHUNK_ROWS to a UTF-8 chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % CHUNK_ROWS == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    """What the buffer holds, encoded, and the buffer emptied."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")
