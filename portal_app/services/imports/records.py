"""The provider's CSV imports: customers, services, invoices with their lines, and payments.

Each import is one all-or-nothing transaction: every row is checked first; when any row is bad
the report lists every problem ("row 4: ...", rows numbered by file line, the header being line
1) and nothing is written; otherwise the changes are committed. Re-running a file changes
nothing. Files are UTF-8 (a byte-order mark is fine); the header names the columns in any order
and case; unknown columns are refused. An empty cell clears an optional value unless noted.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from portal_app.mail import normalise_address
from portal_app.models import Customer, Service
from portal_app.services.access import provider_organisation
from portal_app.services.imports import values
from portal_app.services.imports.batch import (
    Customers,
    ImportReport,
    Problems,
    assign,
    changes,
    finish,
)
from portal_app.services.imports.csv_rows import read_rows
from portal_app.services.imports.invoices import import_invoices
from portal_app.services.imports.payments import import_payments
from portal_app.services.imports.service_prices import PRICE_COLUMNS, price_fields
from portal_app.services.imports.values import BadValue

__all__ = ["ImportReport", "import_customers", "import_invoices", "import_payments", "import_services"]

SERVICE_STATUSES = {"Active": True, "Inactive": False}


def import_customers(db: Session, organisation_slug: str, text: str | bytes) -> ImportReport:
    """Create or update the organisation's customers, keyed by their `reference`.

    Columns: reference, name (required); email, phone, address, locale, currency (optional; a
    column left out leaves the value alone, and so does an empty locale or currency cell).
    """
    organisation = provider_organisation(db, organisation_slug)
    rows, unreadable = read_rows(
        text, required=("reference", "name"), optional=("email", "phone", "address", "locale", "currency")
    )
    problems = Problems(unreadable)
    customers = Customers(db, organisation).by_reference
    first_rows: dict[object, int] = {}
    plans: list[tuple[Customer | None, dict[str, object]]] = []
    for row in rows:
        found = len(problems)
        reference = problems.required(row, "reference", values.text, "reference", 64)
        fields: dict[str, object] = {"name": problems.required(row, "name", values.text, "name", 120)}
        if "email" in row.values:
            fields["email"] = problems.parse(row, _email, row["email"])
        for column, limit in (("phone", 40), ("address", 400)):
            if column in row.values:
                fields[column] = problems.parse(row, values.text, row[column], column, limit)
        if row["locale"]:
            fields["locale"] = problems.parse(row, values.locale, row["locale"])
        if row["currency"]:
            fields["currency"] = problems.parse(row, values.currency, row["currency"])
        if reference is None or problems.repeated(row, first_rows, reference, f"reference {reference!r}"):
            continue
        if len(problems) == found:
            customer = customers.get(reference)
            if customer is None:
                plans.append((None, {**fields, "reference": reference}))
            else:
                plans.append((customer, changes(customer, fields)))

    def apply(report: ImportReport) -> None:
        for customer, fields in plans:
            if customer is None:
                db.add(Customer(organisation_id=organisation.id, **fields))
                report.created += 1
            elif fields:
                assign(customer, fields)
                db.add(customer)
                report.updated += 1
            else:
                report.skipped += 1

    return finish(db, problems, apply)


def import_services(db: Session, organisation_slug: str, text: str | bytes) -> ImportReport:
    """Create or update services, keyed by customer and service name.

    Columns: customer_reference, name, status (Active/Inactive) (required); description,
    active_since (YYYY-MM-DD), price, currency, billing_cycle, next_bill_date (optional; see service_prices.py).
    """
    organisation = provider_organisation(db, organisation_slug)
    rows, unreadable = read_rows(
        text,
        required=("customer_reference", "name", "status"),
        optional=("description", "active_since", *PRICE_COLUMNS),
    )
    problems = Problems(unreadable)
    customers = Customers(db, organisation)
    stored: dict[tuple[int, str], list[Service]] = defaultdict(list)
    for service in db.exec(
        select(Service)
        .join(Customer, col(Customer.id) == col(Service.customer_id))
        .where(Customer.organisation_id == organisation.id)
    ):
        stored[service.customer_id, service.name].append(service)
    first_rows: dict[object, int] = {}
    plans: list[tuple[int, Service | None, dict[str, object]]] = []
    for row in rows:
        found = len(problems)
        customer = customers.of_row(problems, row)
        name = problems.required(row, "name", values.text, "name", 120)
        fields: dict[str, object] = {
            "name": name,
            "is_active": problems.required(row, "status", values.choice, "status", SERVICE_STATUSES),
        }
        if "description" in row.values:
            fields["description"] = problems.parse(row, values.text, row["description"], "description", 500)
        if "active_since" in row.values:
            since = row["active_since"]
            fields["active_since"] = problems.parse(row, values.iso_date, since, "active_since") if since else None
        fields |= price_fields(problems, row, customer)
        if customer is None or name is None:
            continue
        key = (customer.id, name)
        if problems.repeated(row, first_rows, key, f"service {name!r} of customer {customer.reference!r}"):
            continue
        matches = stored.get(key, [])
        if len(matches) > 1:
            problems.add(row, f"customer {customer.reference!r} has {len(matches)} services named {name!r}")
        if len(problems) == found:
            service = matches[0] if matches else None
            plans.append((customer.id, service, fields if service is None else changes(service, fields)))

    def apply(report: ImportReport) -> None:
        for customer_id, service, fields in plans:
            if service is None:
                db.add(Service(customer_id=customer_id, **fields))
                report.created += 1
            elif fields:
                assign(service, fields)
                db.add(service)
                report.updated += 1
            else:
                report.skipped += 1

    return finish(db, problems, apply)


def _email(raw: str) -> str:
    """The normalised address; an empty cell clears it."""
    if not raw:
        return ""
    address = normalise_address(raw)
    if address is None:
        raise BadValue(f"email {raw!r} is not a valid email address")
    return address
