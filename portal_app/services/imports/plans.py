"""The provider's CSV import of its service plans, keyed by name (see records.py for the rules every import follows).

Columns: name, price, currency (required); billing_cycle (Monthly/Quarterly/Yearly/One-off, default Monthly),
description, status (Active/Retired, default Active) (optional; a column left out leaves the value alone)."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.models import BillingCycle, ServicePlan
from portal_app.services.access import provider_organisation
from portal_app.services.imports import values
from portal_app.services.imports.batch import ImportReport, Problems, assign, changes, finish
from portal_app.services.imports.csv_rows import read_rows

CYCLES = {cycle.value: cycle for cycle in BillingCycle}
PLAN_STATUSES = {"Active": True, "Retired": False}


def import_plans(db: Session, organisation_slug: str, text: str | bytes) -> ImportReport:
    """Create or update the organisation's service plans by name."""
    organisation = provider_organisation(db, organisation_slug)
    rows, unreadable = read_rows(
        text, required=("name", "price", "currency"), optional=("billing_cycle", "description", "status")
    )
    problems = Problems(unreadable)
    stored = {
        plan.name: plan for plan in db.exec(select(ServicePlan).where(ServicePlan.organisation_id == organisation.id))
    }
    first_rows: dict[object, int] = {}
    plans: list[tuple[ServicePlan | None, dict[str, object]]] = []
    for row in rows:
        found = len(problems)
        name = problems.required(row, "name", values.text, "name", 120)
        currency = problems.required(row, "currency", values.currency)
        fields: dict[str, object] = {"currency": currency}
        if currency is not None:
            fields["price_minor"] = problems.required(row, "price", values.amount_minor, currency, "price")
        if "billing_cycle" in row.values:
            cycle = row["billing_cycle"] or "Monthly"
            fields["billing_cycle"] = problems.parse(row, values.choice, cycle, "billing_cycle", CYCLES)
        if "description" in row.values:
            fields["description"] = problems.parse(row, values.text, row["description"], "description", 500)
        if "status" in row.values:
            fields["is_active"] = problems.parse(row, values.choice, row["status"] or "Active", "status", PLAN_STATUSES)
        if name is None or problems.repeated(row, first_rows, name.casefold(), f"plan {name!r}"):
            continue
        if len(problems) == found:
            plan = stored.get(name)
            plans.append((plan, {**fields, "name": name} if plan is None else changes(plan, fields)))

    def apply(report: ImportReport) -> None:
        for plan, fields in plans:
            if plan is None:
                db.add(ServicePlan(organisation_id=organisation.id, **fields))
                report.created += 1
            elif fields:
                assign(plan, fields)
                db.add(plan)
                report.updated += 1
            else:
                report.skipped += 1

    return finish(db, problems, apply)
