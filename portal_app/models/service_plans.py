"""The provider's catalogue of service plans, and customers' requests to change or cancel a service."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow
from portal_app.models.billing import BillingCycle


class ServicePlan(SQLModel, table=True):
    """A plan the organisation offers; customers may ask to move to an active one."""

    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_service_plan_organisation_name"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    price_minor: int
    currency: str = Field(max_length=3)
    billing_cycle: BillingCycle = Field(default=BillingCycle.MONTHLY, sa_type=String(16))
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ServiceAction(enum.StrEnum):
    """What a customer asks for a service."""

    UPGRADE = "Upgrade"
    DOWNGRADE = "Downgrade"
    CANCEL = "Cancel"


class ServiceRequest(SQLModel, table=True):
    """A customer's request about one service; its ticket (of kind "Service request") carries the conversation
    and the status. `plan_id` is the plan asked for (none to cancel); `effective_on` when it takes effect, if known."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    action: ServiceAction = Field(sa_type=String(16))
    plan_id: int | None = Field(default=None, foreign_key="serviceplan.id")
    effective_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
