"""The console's projects, for administrators: the list, and one project's form (a new one for a customer chosen by
type-ahead, or an existing one to edit)."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.pagination import parse_page
from portal_app.services.console.projects import (
    NEW_PROJECT_ROUTE,
    PROJECTS_ROUTE,
    ConsoleProjectRow,
    ProjectForm,
    create_project,
    edit_project,
    project_form,
    project_href,
    project_list,
)
from portal_app.services.projects.editing import NAME_MAX, STATUSES
from portal_app.state.client import caller_address
from portal_app.state.customer_picker import CustomerPicker
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.pager import NEAREST_PAGE, Pager, pager_for
from portal_app.state.session import SignedOut
from portal_app.state.staff import StaffSession

PROJECT_FIELDS = {
    "customer": "project-customer",
    "name": "project-name",
    "status": "project-status",
    "progress": "project-progress",
}
# The pages import state only: what they draw with is re-exported from here.
__all__ = ["NAME_MAX", "NEW_PROJECT_ROUTE", "PROJECTS_ROUTE", "STATUSES", "StaffProjectState", "StaffProjectsState"]
BLANK = ProjectForm(id=0, customer="", name="", status="", progress="")


class StaffProjectsState(StaffSession):
    """One page of the organisation's projects."""

    loaded: bool = False
    rows: list[ConsoleProjectRow] = []
    project_pager: Pager = Pager()
    notice: str = ""

    @rx.event
    async def load_projects(self):
        """Read the page of projects the URL names (redirects when signed out; nothing for agents)."""
        params = self.router.url.query_parameters
        self.loaded = False
        self.rows = []
        request = parse_page(params.get("page"), params.get("size"))
        try:
            page = await self._as_admin(project_list, request)
        except SignedOut:
            return self._login_redirect()
        if page is not None:
            self.rows = page.rows
            self.project_pager = pager_for(
                page.info, lambda number, size: f"{PROJECTS_ROUTE}?{urlencode({'page': number, 'size': size})}"
            )
            self.notice = NEAREST_PAGE if page.info.number != request.number else ""
        self.loaded = True
        return None


class StaffProjectState(CustomerPicker, FieldErrors, StaffSession):
    """One project's form: a new project (/staff/projects/new) or an existing one (/staff/projects/<id>)."""

    loaded: bool = False
    found: bool = False
    project: ProjectForm = BLANK
    notice: str = ""
    error: str = ""
    form_key: int = 0

    _project_id: int = 0
    _saved: str = ""  # what to say once the page of a project just created has loaded

    @rx.event
    async def load_project(self):
        """Read the project named in the URL (none: a new project), within the administrator's organisation."""
        self.loaded = False
        self.error = ""
        self.notice, self._saved = self._saved, ""
        self._clear_field_errors()
        self._forget_choice()
        raw = str(self.router.page.params.get("project_id", "") or "")
        self._project_id = parse_id(raw) or 0
        try:
            form = await self._as_admin(project_form, self._project_id or (-1 if raw else 0))  # 0: a new one
        except SignedOut:
            return self._login_redirect()
        self.found = form is not None
        self.project = form or BLANK
        self.form_key += 1
        self.loaded = True
        return None

    @rx.event
    async def save_project(self, form: dict):
        """Create the project for the chosen customer, or save the changes to this one."""
        self.notice = self.error = ""
        self._clear_field_errors()
        fields = {
            "name": form_field(form, "name"),
            "status": form_field(form, "status"),
            "progress": form_field(form, "progress"),
            "client_ip": caller_address(self),
        }
        try:
            if self.project.id:
                said = await self._as_admin(edit_project, self._project_id, **fields)
            else:
                created = await self._as_admin(create_project, self._chosen_customer, **fields)
                if created is not None:
                    self._saved = f"The project is created: {self.chosen_name} sees it on their Projects page."
                    return rx.redirect(project_href(created))
                said = None
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, PROJECT_FIELDS)
        if said is None:
            self.found = False
            return None
        form_now = await self._as_admin(project_form, self._project_id)
        self.project = form_now or BLANK
        self.found = form_now is not None
        self.notice = said
        return None

    def _after_choice(self) -> None:
        self._clear_field_errors(PROJECT_FIELDS["customer"])
