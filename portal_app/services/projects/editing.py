"""The rules of a project's fields as the provider enters them: a name, a status and the progress in percent."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.errors import PortalError
from portal_app.models.projects import Project, ProjectStatus
from portal_app.services.support.tickets import clean_line

NAME_MAX = 160
NO_NAME = "Enter the project's name."
NO_STATUS = "Choose the project's status."
BAD_PROGRESS = "Enter the progress as a whole number from 0 to 100."
STATUSES = tuple(status.value for status in ProjectStatus)


@dataclass(frozen=True)
class ProjectFields:
    """A project's checked fields."""

    name: str
    status: ProjectStatus
    progress: int


def project_fields(name: object, status: object, progress: object) -> ProjectFields:
    """The fields as typed, checked; PortalError at the field ("name", "status", "progress") otherwise. A Completed
    project is 100 % done."""
    text = clean_line(name)[:NAME_MAX] if isinstance(name, str) else ""
    if not text:
        raise PortalError(NO_NAME, field="name")
    if status not in STATUSES:
        raise PortalError(NO_STATUS, field="status")
    raw = progress.strip().removesuffix("%").strip() if isinstance(progress, str) else ""
    percent = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else None
    if percent is None or percent > 100:
        raise PortalError(BAD_PROGRESS, field="progress")
    chosen = ProjectStatus(status)
    return ProjectFields(name=text, status=chosen, progress=100 if chosen == ProjectStatus.COMPLETED else percent)


def apply_fields(project: Project, fields: ProjectFields) -> list[str]:
    """Set the project's fields; what changed, in words for the audit log ("status In progress → Completed")."""
    changed = []
    for label, attribute, value in (
        ("name", "name", fields.name),
        ("status", "status", fields.status),
        ("progress", "progress_percent", fields.progress),
    ):
        before = getattr(project, attribute)
        if before != value:
            changed.append(f"{label} {before} → {value}")
            setattr(project, attribute, value)
    return changed
