"""The organisation's projects in the console (administrators): the list, creating a project for a customer and
editing one; the customer sees them on their Projects tab. Each change writes an audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.errors import NotFound, PortalError
from portal_app.models import Customer, Project
from portal_app.services.access import admin_scope, staff_customer, staff_project
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.console.audit import AuditAction, record
from portal_app.services.console.customers import customer_href
from portal_app.services.projects.editing import STATUSES, apply_fields, project_fields

PROJECTS_ROUTE = "/staff/projects"
NEW_PROJECT_ROUTE = f"{PROJECTS_ROUTE}/new"
CHOOSE_CUSTOMER = "Search for and select the customer the project is for."


@dataclass(frozen=True)
class ConsoleProjectRow:
    """A project as the console's list shows it."""

    id: int
    name: str
    customer: str
    customer_href: str
    status: str
    progress: int
    href: str


@dataclass(frozen=True)
class ProjectListPage:
    """One page of the organisation's projects."""

    rows: list[ConsoleProjectRow]
    info: PageInfo


@dataclass(frozen=True)
class ProjectForm:
    """A project's fields as its form starts (a new project: empty, Planned, 0 %)."""

    id: int
    customer: str
    name: str
    status: str
    progress: str


def project_href(project_id: int) -> str:
    """The project's page in the console."""
    return f"{PROJECTS_ROUTE}/{project_id}"


def project_list(db: Session, principal: Principal, request: PageRequest) -> ProjectListPage:
    """One page of the administrator's organisation's projects, newest first."""
    organisation = admin_scope(db, principal).organisation
    mine = col(Customer.organisation_id) == organisation.id
    joined = col(Customer.id) == col(Project.customer_id)
    info = clamp(request, db.exec(select(func.count()).select_from(Project).join(Customer, joined).where(mine)).one())
    found = db.exec(
        select(Project, Customer)
        .join(Customer, joined)
        .where(mine)
        .order_by(col(Project.created_at).desc(), col(Project.id).desc())
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    rows = [
        ConsoleProjectRow(
            id=project.id,
            name=project.name,
            customer=customer.name,
            customer_href=customer_href(customer.id),
            status=str(project.status),
            progress=project.progress_percent,
            href=project_href(project.id),
        )
        for project, customer in found
    ]
    return ProjectListPage(rows=rows, info=info)


def project_form(db: Session, principal: Principal, project_id: object) -> ProjectForm:
    """The form of one of the organisation's projects (NotFound otherwise), or of a new one for project_id 0."""
    staff = admin_scope(db, principal)
    if project_id == 0:
        return ProjectForm(id=0, customer="", name="", status=STATUSES[0], progress="0")
    project, customer = staff_project(db, staff, project_id)
    return ProjectForm(
        id=project.id,
        customer=customer.name,
        name=project.name,
        status=str(project.status),
        progress=str(project.progress_percent),
    )


def create_project(
    db: Session,
    principal: Principal,
    customer_id: object,
    *,
    name: object,
    status: object,
    progress: object,
    client_ip: str = "",
) -> int:
    """Create a project for one of the organisation's customers; returns its id."""
    staff = admin_scope(db, principal)
    if customer_id in (None, "", 0):
        raise PortalError(CHOOSE_CUSTOMER, field="customer")
    try:
        customer = staff_customer(db, staff, customer_id)
    except NotFound:
        raise PortalError(CHOOSE_CUSTOMER, field="customer") from None
    fields = project_fields(name, status, progress)
    project = Project(customer_id=customer.id, name="")
    apply_fields(project, fields)
    db.add(project)
    db.flush()
    detail = f"{project.name}: {project.status}, {project.progress_percent}%"
    record(db, staff, AuditAction.CREATED_PROJECT, client_ip=client_ip, customer=customer, detail=detail)
    return project.id


def edit_project(
    db: Session,
    principal: Principal,
    project_id: object,
    *,
    name: object,
    status: object,
    progress: object,
    client_ip: str = "",
) -> str:
    """Change one of the organisation's projects; returns what the page says."""
    staff = admin_scope(db, principal)
    project, customer = staff_project(db, staff, project_id)
    changed = apply_fields(project, project_fields(name, status, progress))
    if not changed:
        return "Nothing changed."
    db.add(project)
    detail = f"{project.name}: " + "; ".join(changed)
    record(db, staff, AuditAction.EDITED_PROJECT, client_ip=client_ip, customer=customer, detail=detail)
    return f"{project.name} is saved: {customer.name} sees it on their Projects page."
