"""Projects the provider runs for a customer (installations, upgrades, builds)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from portal_app.models.base import utcnow


class ProjectStatus(enum.StrEnum):
    """Where a project stands."""

    PLANNED = "Planned"
    IN_PROGRESS = "In progress"
    ON_HOLD = "On hold"
    COMPLETED = "Completed"


ACTIVE_PROJECT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS, ProjectStatus.ON_HOLD)


class Project(SQLModel, table=True):
    """A project linked to one customer, with its progress in percent (0-100)."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=160)
    description: str = Field(default="", max_length=1000)
    status: ProjectStatus = Field(default=ProjectStatus.PLANNED, sa_type=String(16))
    progress_percent: int = 0
    start_on: date | None = None
    due_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
