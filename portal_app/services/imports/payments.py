"""Importing payments from CSV, keeping each linked invoice's paid amount in step."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select, update

from portal_app.models import Customer, Invoice, InvoiceState, Organisation, Payment, PaymentStatus
from portal_app.services.access import provider_organisation
from portal_app.services.billing.payment_words import METHODS
from portal_app.services.common.money import format_money
from portal_app.services.imports import values
from portal_app.services.imports.batch import (
    Customers,
    ImportReport,
    Problems,
    assign,
    changes,
    chunks,
    finish,
    numbered,
)
from portal_app.services.imports.csv_rows import Row, read_rows

COLUMNS = ("reference", "customer_reference", "amount", "currency", "status", "processed_at")
OPTIONAL = ("invoice_number", "method")
STATUSES = {status.value: status for status in PaymentStatus}


@dataclass
class _Plan:
    """What to do for one row: create (payment None) or update the payment with `fields`."""

    customer_id: int
    payment: Payment | None
    fields: dict[str, object]


class _PaidAmounts:
    """How much the import changes each invoice's paid amount, and the last row that did."""

    def __init__(self) -> None:
        self.invoices: dict[int, Invoice] = {}
        self.delta: dict[int, int] = defaultdict(int)
        self.last_row: dict[int, int] = {}

    def add(self, row: Row, invoice: Invoice | None, status: PaymentStatus, amount_minor: int) -> None:
        """Count a payment's amount towards the invoice it pays; only succeeded payments count."""
        if invoice is not None and status == PaymentStatus.SUCCEEDED:
            self.invoices[invoice.id] = invoice
            self.delta[invoice.id] += amount_minor
            self.last_row[invoice.id] = row.number

    def changed(self) -> list[Invoice]:
        return [self.invoices[invoice_id] for invoice_id, delta in self.delta.items() if delta]


def import_payments(db: Session, organisation_slug: str, text: str | bytes) -> ImportReport:
    """Create or update payments, keyed by customer and payment reference.

    Columns: reference, customer_reference, amount, currency, status (Succeeded/Pending/Failed/
    Refunded), processed_at (ISO 8601; without an offset it is UTC) (required); invoice_number, method
    (bank_transfer, cash, cheque, direct_debit, card or other; words like "Bank transfer" too; an empty cell
    leaves it as it is) (optional). A payment linked to an invoice must be in the invoice's currency; succeeded ones
    count towards its paid amount (an updated payment moves its share). A succeeded payment cannot
    go to a draft or void invoice. Paying more than the balance is accepted and reported as a warning.
    """
    organisation = provider_organisation(db, organisation_slug)
    rows, unreadable = read_rows(text, required=COLUMNS, optional=OPTIONAL)
    problems = Problems(unreadable)
    customers = Customers(db, organisation)
    payments = _stored_payments(db, organisation, [row["reference"] for row in rows])
    invoices = _invoices_by_number(db, organisation, [row["invoice_number"] for row in rows])
    first_rows: dict[object, int] = {}
    plans: list[_Plan] = []
    paid = _PaidAmounts()
    for row in rows:
        found = len(problems)
        checked = _check_row(problems, row, customers, invoices)
        if checked is None:
            continue
        customer, reference, fields, invoice = checked
        key = (customer.id, reference)
        if problems.repeated(row, first_rows, key, f"payment {reference!r} of customer {customer.reference!r}"):
            continue
        matches = payments.get(key, [])
        if len(matches) > 1:
            problems.add(
                row, f"customer {customer.reference!r} has {len(matches)} payments with reference {reference!r}"
            )
        if len(problems) > found:
            continue
        payment = matches[0] if matches else None
        plan = _Plan(customer.id, None, {**fields, "reference": reference})
        if payment is not None:
            plan = _Plan(customer.id, payment, changes(payment, fields))
        if payment is not None and plan.fields:  # its old amount leaves the invoice it paid
            paid.add(row, _invoice_of(db, payment), payment.status, -payment.amount_minor)
        if payment is None or plan.fields:
            paid.add(row, invoice, fields["status"], fields["amount_minor"])
        plans.append(plan)

    def apply(report: ImportReport) -> None:
        for plan in plans:
            if plan.payment is None:
                db.add(Payment(customer_id=plan.customer_id, **plan.fields))
                report.created += 1
            elif plan.fields:
                assign(plan.payment, plan.fields)
                db.add(plan.payment)
                report.updated += 1
            else:
                report.skipped += 1
        db.flush()
        overpaid = []
        for invoice in paid.changed():
            paid_minor = db.exec(
                update(Invoice)
                .where(col(Invoice.id) == invoice.id)
                .values(paid_minor=col(Invoice.paid_minor) + paid.delta[invoice.id])
                .returning(col(Invoice.paid_minor))
                .execution_options(synchronize_session=False)
            ).scalar_one()
            if paid_minor > invoice.total_minor:
                overpaid.append((paid.last_row[invoice.id], _overpaid(invoice, paid_minor)))
        report.warnings = numbered(overpaid)

    return finish(db, problems, apply)


def _check_row(
    problems: Problems, row: Row, customers: Customers, invoices: dict[tuple[int, str], list[Invoice]]
) -> tuple[Customer, str, dict[str, object], Invoice | None] | None:
    """The row's customer, reference, payment fields and invoice, or None when it has a problem (noted)."""
    found = len(problems)
    reference = problems.required(row, "reference", values.text, "reference", 120)
    customer = customers.of_row(problems, row)
    currency = problems.required(row, "currency", values.currency)
    amount = currency and problems.required(row, "amount", values.amount_minor, currency, "amount")
    if amount == 0:
        problems.add(row, "amount must be more than zero")
    status = problems.required(row, "status", values.choice, "status", STATUSES)
    processed_at = problems.required(row, "processed_at", values.utc_datetime, "processed_at")
    invoice = None
    if customer is not None and row["invoice_number"]:
        invoice = _invoice(problems, row, invoices.get((customer.id, row["invoice_number"]), []), customer)
    if invoice is not None and currency and currency != invoice.currency:
        problems.add(row, f"currency {currency} differs from invoice {invoice.number}'s {invoice.currency}")
    if invoice is not None and status == PaymentStatus.SUCCEEDED and invoice.state != InvoiceState.ISSUED:
        what = "a draft" if invoice.state == InvoiceState.DRAFT else "void"
        problems.add(row, f"invoice {invoice.number} is {what}; a succeeded payment cannot be applied to it")
    method = problems.parse(row, _method, row["method"]) if row["method"] else None
    if len(problems) > found:
        return None
    fields: dict[str, object] = {
        "invoice_id": invoice.id if invoice else None,
        "amount_minor": amount,
        "currency": currency,
        "status": status,
        "processed_at": processed_at,
    }
    if method is not None:
        fields["method"] = method
    return customer, reference, fields, invoice


def _method(raw: str) -> str:
    """How the payment was made, by its name ("bank_transfer") or in words ("Bank transfer"), ignoring case."""
    name = "_".join(raw.replace("-", " ").split()).casefold()
    if name not in METHODS:
        raise values.BadValue(f"method {raw!r} is not one of {'/'.join(METHODS)}")
    return name


def _invoice(problems: Problems, row: Row, matches: list[Invoice], customer: Customer) -> Invoice | None:
    if len(matches) == 1:
        return matches[0]
    problem = "is not an invoice of" if not matches else f"matches {len(matches)} invoices of"
    problems.add(row, f"invoice_number {row['invoice_number']!r} {problem} customer {customer.reference!r}")
    return None


def _stored_payments(
    db: Session, organisation: Organisation, references: list[str]
) -> dict[tuple[int, str], list[Payment]]:
    found: dict[tuple[int, str], list[Payment]] = defaultdict(list)
    for chunk in chunks(sorted(set(references) - {""})):
        for payment in db.exec(
            select(Payment)
            .join(Customer, col(Customer.id) == col(Payment.customer_id))
            .where(Customer.organisation_id == organisation.id, col(Payment.reference).in_(chunk))
        ):
            found[payment.customer_id, payment.reference].append(payment)
    return found


def _invoices_by_number(
    db: Session, organisation: Organisation, numbers: list[str]
) -> dict[tuple[int, str], list[Invoice]]:
    found: dict[tuple[int, str], list[Invoice]] = defaultdict(list)
    for chunk in chunks(sorted(set(numbers) - {""})):
        for invoice in db.exec(
            select(Invoice)
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .where(Customer.organisation_id == organisation.id, col(Invoice.number).in_(chunk))
        ):
            found[invoice.customer_id, invoice.number].append(invoice)
    return found


def _invoice_of(db: Session, payment: Payment) -> Invoice | None:
    return db.get(Invoice, payment.invoice_id) if payment.invoice_id is not None else None


def _overpaid(invoice: Invoice, paid_minor: int) -> str:
    """The warning for an invoice the import left paid beyond its total."""
    total, currency = invoice.total_minor, invoice.currency
    return (
        f"invoice {invoice.number} is overpaid by {format_money(paid_minor - total, currency)} "
        f"(paid {format_money(paid_minor, currency)} of {format_money(total, currency)})"
    )
