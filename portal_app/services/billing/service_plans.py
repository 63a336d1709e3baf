"""The provider's catalogue of service plans, kept from the command line: add or change a plan (by name), list them.

Customers see the active plans when they request a change to a service (services/support/service_requests.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.models import BillingCycle, ServicePlan
from portal_app.services.access import provider_organisation
from portal_app.services.imports import values
from portal_app.services.support.service_requests import price_text

NAME_MAX = 120
DESCRIPTION_MAX = 500
CYCLES = {cycle.value: cycle for cycle in BillingCycle}


@dataclass(frozen=True)
class PlanLine:
    """A plan as `plans list` prints it."""

    name: str
    price: str
    status: str
    description: str


def save_plan(
    db: Session,
    organisation_slug: str,
    name: str,
    *,
    price: str,
    currency: str,
    cycle: str = "Monthly",
    description: str = "",
    active: bool = True,
) -> bool:
    """Add the organisation's plan with this name, or change the one it has; True when it was added. The price is
    decimal text in major units ("99.00"); PortalError names the bad value."""
    organisation = provider_organisation(db, organisation_slug)
    try:
        clean_name = values.text(name, "name", NAME_MAX)
        code = values.currency(currency)
        fields = {
            "description": values.text(description, "description", DESCRIPTION_MAX),
            "price_minor": values.amount_minor(price, code, "price"),
            "currency": code,
            "billing_cycle": values.choice(cycle, "cycle", CYCLES),
            "is_active": active,
        }
    except values.BadValue as exc:
        raise PortalError(f"The plan was not saved: {exc}.") from None
    if not clean_name:
        raise PortalError("The plan was not saved: give it a name.")
    plan = db.exec(
        select(ServicePlan).where(ServicePlan.organisation_id == organisation.id, ServicePlan.name == clean_name)
    ).first()
    added = plan is None
    plan = plan or ServicePlan(organisation_id=organisation.id, name=clean_name, **fields)
    for field, value in fields.items():
        setattr(plan, field, value)
    db.add(plan)
    db.flush()
    return added


def plan_lines(db: Session, organisation_slug: str) -> list[PlanLine]:
    """The organisation's plans by name, active and retired."""
    organisation = provider_organisation(db, organisation_slug)
    plans = db.exec(
        select(ServicePlan)
        .where(ServicePlan.organisation_id == organisation.id)
        .order_by(col(ServicePlan.name), col(ServicePlan.id))
    ).all()
    return [
        PlanLine(
            name=plan.name,
            price=price_text(plan.price_minor, plan.currency, plan.billing_cycle, None),
            status="Active" if plan.is_active else "Retired",
            description=plan.description,
        )
        for plan in plans
    ]
