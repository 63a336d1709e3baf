"""The price columns of a services import: price (decimal text in major units), currency, billing_cycle
(Monthly/Quarterly/Yearly/One-off) and next_bill_date (YYYY-MM-DD), all optional.

A column left out leaves the value alone; an empty cell clears it. A price is in the row's currency, else the
customer's invoice currency."""

from __future__ import annotations

from portal_app.models import BillingCycle, Customer
from portal_app.services.imports import values
from portal_app.services.imports.batch import Problems
from portal_app.services.imports.csv_rows import Row

PRICE_COLUMNS = ("price", "currency", "billing_cycle", "next_bill_date")
CYCLES = {cycle.value: cycle for cycle in BillingCycle}


def price_fields(problems: Problems, row: Row, customer: Customer | None) -> dict[str, object]:
    """The Service fields the row's price columns set (noting bad cells in `problems`)."""
    fields: dict[str, object] = {}
    currency = problems.parse(row, values.currency, row["currency"]) if row["currency"] else None
    if row["price"] and not row["currency"] and customer is not None:
        currency = customer.currency
    if "price" in row.values or "currency" in row.values:
        fields["currency"] = currency
    if "price" in row.values:
        fields["price_minor"] = (
            problems.parse(row, values.amount_minor, row["price"], currency, "price")
            if row["price"] and currency
            else None
        )
    if "billing_cycle" in row.values:
        cycle = row["billing_cycle"]
        fields["billing_cycle"] = problems.parse(row, values.choice, cycle, "billing_cycle", CYCLES) if cycle else None
    if "next_bill_date" in row.values:
        day = row["next_bill_date"]
        fields["next_bill_on"] = problems.parse(row, values.iso_date, day, "next_bill_date") if day else None
    return fields
