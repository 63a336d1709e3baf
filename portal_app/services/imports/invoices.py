"""Importing invoices with their lines from CSV: one row per line, rows with the same number form one invoice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date

from sqlmodel import Session, col, select

from portal_app.models import Customer, Invoice, InvoiceLine, InvoiceState, Organisation
from portal_app.services.access import provider_organisation
from portal_app.services.imports import values
from portal_app.services.imports.batch import (
    Customers,
    ImportReport,
    Problems,
    chunks,
    finish,
)
from portal_app.services.imports.csv_rows import Row, read_rows

COLUMNS = (
    "number",
    "customer_reference",
    "issued",
    "due",
    "currency",
    "status",
    "description",
    "quantity",
    "unit_price",
)
STATUSES = {"Draft": InvoiceState.DRAFT, "Issued": InvoiceState.ISSUED, "Void": InvoiceState.VOID}


@dataclass(frozen=True)
class Line:
    """One invoice line as imported: amount = quantity x unit price; tax on top, rounded half-up."""

    description: str
    quantity: int
    unit_price_minor: int
    tax_rate_bp: int

    @property
    def amount_minor(self) -> int:
        return self.quantity * self.unit_price_minor

    @property
    def tax_minor(self) -> int:
        return values.tax_minor(self.amount_minor, self.tax_rate_bp)

    def stored(self) -> tuple[str, int, int, int, int, int]:
        return (
            self.description,
            self.quantity,
            self.unit_price_minor,
            self.tax_rate_bp,
            self.amount_minor,
            self.tax_minor,
        )


@dataclass(frozen=True)
class Header:
    """The cells every row of one invoice must agree on (names are the CSV's columns)."""

    customer_reference: str
    issued: date
    due: date
    currency: str
    status: InvoiceState


@dataclass
class PlannedInvoice:
    """An invoice gathered from its rows; `bad` once any of them had a problem."""

    number: str
    first_row: Row
    customer: Customer | None
    header: Header | None
    lines: list[Line] = field(default_factory=list)
    bad: bool = False

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor + line.tax_minor for line in self.lines)


def import_invoices(db: Session, organisation_slug: str, text: str | bytes) -> ImportReport:
    """Create invoices with their lines; an invoice already imported with the same content is skipped.

    Columns: number, customer_reference, issued, due (YYYY-MM-DD), currency, status
    (Draft/Issued/Void), description, quantity, unit_price (required); tax_rate (percent like 20
    or 7.5; empty means 0). An invoice's rows must agree on customer, dates, currency and status.
    Tax is rounded half-up per line; total = sum of (amount + tax). An invoice number the
    organisation already has with different content is an error. Counts are per invoice.
    """
    organisation = provider_organisation(db, organisation_slug)
    rows, unreadable = read_rows(text, required=COLUMNS, optional=("tax_rate",))
    problems = Problems(unreadable)
    customers = Customers(db, organisation)
    invoices: dict[str, PlannedInvoice] = {}
    for row in rows:
        _gather(problems, row, customers, invoices)
    planned = [invoice for invoice in invoices.values() if not invoice.bad]
    new, skipped = _compare_with_stored(db, problems, organisation, planned)

    def apply(report: ImportReport) -> None:
        report.skipped = skipped
        for invoice in new:
            _create(db, invoice)
            report.created += 1

    return finish(db, problems, apply)


def _gather(problems: Problems, row: Row, customers: Customers, invoices: dict[str, PlannedInvoice]) -> None:
    """Check one row and add it as a line of its invoice."""
    found = len(problems)
    number = problems.required(row, "number", values.text, "number", 40)
    customer = customers.of_row(problems, row)
    issued = problems.required(row, "issued", values.iso_date, "issued")
    due = problems.required(row, "due", values.iso_date, "due")
    currency = problems.required(row, "currency", values.currency)
    status = problems.required(row, "status", values.choice, "status", STATUSES)
    description = problems.required(row, "description", values.text, "description", 300)
    quantity = problems.required(row, "quantity", values.quantity)
    unit_price = currency and problems.required(row, "unit_price", values.amount_minor, currency, "unit_price")
    tax_rate = problems.parse(row, values.tax_rate_bp, row["tax_rate"])
    if number is None:
        return
    header = None
    if customer and issued and due and currency and status:
        header = Header(customer.reference, issued, due, currency, status)
    invoice = invoices.get(number)
    if invoice is None:
        invoice = invoices[number] = PlannedInvoice(number, row, customer, header)
        if issued and due and due < issued:
            problems.add(row, f"invoice {number}: due {due} is before issued {issued}")
    elif header and invoice.header and header != invoice.header:
        differing = [
            item.name for item in fields(Header) if getattr(header, item.name) != getattr(invoice.header, item.name)
        ]
        problems.add(
            row, f"invoice {number}: {', '.join(differing)} must match row {invoice.first_row.number} of the invoice"
        )
    if len(problems) > found or unit_price is None or invoice.header is None:
        invoice.bad = True
        return
    invoice.lines.append(Line(description, quantity, unit_price, tax_rate))
    if invoice.total_minor > values.MAX_MINOR:
        problems.add(row, f"invoice {number}: the total is too large")
        invoice.bad = True


def _compare_with_stored(
    db: Session, problems: Problems, organisation: Organisation, planned: list[PlannedInvoice]
) -> tuple[list[PlannedInvoice], int]:
    """The invoices to create, and how many are already there with the same content."""
    stored = _stored_invoices(db, organisation, [invoice.number for invoice in planned])
    new = []
    skipped = 0
    for invoice in planned:
        matches = stored.get(invoice.number, [])
        elsewhere = [other for other, _lines in matches if other.customer_id != invoice.customer.id]
        if elsewhere:
            first = min(elsewhere, key=lambda other: other.customer_id)
            owner = db.get(Customer, first.customer_id)
            problems.add(
                invoice.first_row, f"invoice {invoice.number} already exists for customer {owner.reference or owner.id}"
            )
        elif not matches:
            new.append(invoice)
        elif any(not _differences(invoice, *match) for match in matches):
            skipped += 1
        else:
            differences = ", ".join(_differences(invoice, *matches[0]))
            problems.add(
                invoice.first_row,
                f"invoice {invoice.number} was already imported with different content ({differences})",
            )
    return new, skipped


def _stored_invoices(
    db: Session, organisation: Organisation, numbers: list[str]
) -> dict[str, list[tuple[Invoice, list[InvoiceLine]]]]:
    """The organisation's invoices with these numbers, each with its lines in order."""
    invoices: list[Invoice] = []
    for chunk in chunks(numbers):
        invoices += db.exec(
            select(Invoice)
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(Customer.organisation_id == organisation.id, col(Invoice.number).in_(chunk))
        ).all()
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for chunk in chunks([invoice.id for invoice in invoices]):
        for line in db.exec(
            select(InvoiceLine)
            .where(col(InvoiceLine.invoice_id).in_(chunk))
            .order_by(col(InvoiceLine.position), col(InvoiceLine.id))
        ):
            lines[line.invoice_id].append(line)
    found: dict[str, list[tuple[Invoice, list[InvoiceLine]]]] = defaultdict(list)
    for invoice in invoices:
        found[invoice.number].append((invoice, lines[invoice.id]))
    return found


def _differences(planned: PlannedInvoice, invoice: Invoice, lines: list[InvoiceLine]) -> list[str]:
    """The parts of a stored invoice that differ from the file's ('issued', 'lines', ...)."""
    header = planned.header
    pairs = (
        ("issued", header.issued, invoice.issued_on),
        ("due", header.due, invoice.due_on),
        ("currency", header.currency, invoice.currency),
        ("status", header.status, invoice.state),
        ("total", planned.total_minor, invoice.total_minor),
    )
    differences = [label for label, ours, theirs in pairs if ours != theirs]
    stored = [
        (line.description, line.quantity, line.unit_price_minor, line.tax_rate_bp, line.amount_minor, line.tax_minor)
        for line in lines
    ]
    if stored != [line.stored() for line in planned.lines]:
        differences.append("lines")
    return differences


def _create(db: Session, planned: PlannedInvoice) -> None:
    header = planned.header
    invoice = Invoice(
        customer_id=planned.customer.id,
        number=planned.number,
        state=header.status,
        issued_on=header.issued,
        due_on=header.due,
        currency=header.currency,
        total_minor=planned.total_minor,
    )
    db.add(invoice)
    db.flush()
    for position, line in enumerate(planned.lines, start=1):
        db.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=position,
                description=line.description,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                amount_minor=line.amount_minor,
                tax_rate_bp=line.tax_rate_bp,
                tax_minor=line.tax_minor,
            )
        )
