"""The customer's projects: status and progress."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from portal_app.models import Customer, Project
from portal_app.models.projects import ACTIVE_PROJECT_STATUSES, ProjectStatus
from portal_app.services.access import customer_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_date
from portal_app.services.common.reads import database_only


@dataclass(frozen=True)
class ProjectCard:
    """A project as its card shows it."""

    id: int
    name: str
    description: str
    status: str
    progress: int
    start: str
    due: str


def _status_order():
    """In progress first, then planned, on hold and completed."""
    return case(
        {
            ProjectStatus.IN_PROGRESS.value: 0,
            ProjectStatus.PLANNED.value: 1,
            ProjectStatus.ON_HOLD.value: 2,
            ProjectStatus.COMPLETED.value: 3,
        },
        value=col(Project.status),
        else_=4,
    )


@database_only
def project_cards(db: Session, principal: Principal) -> list[ProjectCard]:
    """Every project linked to the principal's current customer."""
    customer = customer_scope(db, principal).customer
    projects = db.exec(
        select(Project)
        .where(Project.customer_id == customer.id)
        .order_by(_status_order(), col(Project.due_on).desc(), col(Project.id))
    ).all()
    return [
        ProjectCard(
            id=p.id,
            name=p.name,
            description=p.description,
            status=str(p.status),
            progress=100 if p.status == ProjectStatus.COMPLETED else max(0, min(100, p.progress_percent)),
            start=show_date(p.start_on, customer.locale),
            due=show_date(p.due_on, customer.locale),
        )
        for p in projects
    ]


def active_project_count(db: Session, customer: Customer) -> int:
    """Projects not yet completed."""
    return db.exec(
        select(func.count())
        .select_from(Project)
        .where(Project.customer_id == customer.id, col(Project.status).in_(ACTIVE_PROJECT_STATUSES))
    ).one()
