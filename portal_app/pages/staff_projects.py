"""The console's projects (administrators): the list (/staff/projects), a new project for a customer
(/staff/projects/new) and editing one (/staff/projects/<id>); the customer sees them on their Projects tab."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import heading_with_back_link, link_button, position_notice, section
from portal_app.components.customer_picker import customer_picker
from portal_app.components.fields import field_error, invalid_props, text_field
from portal_app.components.loading import until_loaded
from portal_app.components.tables import data_table, pager
from portal_app.components.tickets import form_notice
from portal_app.pages.projects import PROJECT_COLOURS
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_projects import (
    NAME_MAX,
    NEW_PROJECT_ROUTE,
    PROJECTS_ROUTE,
    STATUSES,
    StaffProjectsState,
    StaffProjectState,
)

LIST_HEADERS = ["Project", "Customer", "Status", "Progress"]


def project_badge(status: rx.Var) -> rx.Component:
    """The project's status, coloured as the customer's Projects tab colours it."""
    return rx.badge(status, color_scheme=rx.match(status, *PROJECT_COLOURS, "gray"), variant="soft", size="2")


def _project_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(rx.link(row.name, href=row.href), scope="row"),
        rx.el.td(rx.link(row.customer, href=row.customer_href)),
        rx.el.td(project_badge(row.status), class_name="nowrap"),
        rx.el.td(row.progress.to_string() + "%", class_name="num"),
    )


@portal_page(PROJECTS_ROUTE, "Projects", on_load=StaffProjectsState.load_projects)
def staff_projects_page() -> rx.Component:
    """The organisation's projects with their customer, status and progress."""
    state = StaffProjectsState
    return staff_shell(
        rx.flex(
            rx.heading("Projects", size="6", as_="h1"),
            link_button("New project", NEW_PROJECT_ROUTE),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="3",
            margin_bottom="var(--space-4)",
        ),
        section(
            "All projects",
            until_loaded(
                state.loaded,
                position_notice(state.notice),
                data_table(LIST_HEADERS, state.rows, _project_row, "No projects yet: create one.", "Projects"),
                pager("Project pages", state.project_pager),
            ),
        ),
        admin_only=True,
    )


# --- one project ---------------------------------------------------------------------------------------------------


def _status_field() -> rx.Component:
    state = StaffProjectState
    message = state.field_errors.get("project-status", "")
    return rx.vstack(
        rx.el.label("Status", html_for="project-status", class_name="field-label"),
        rx.el.select(
            *[rx.el.option(status, value=status) for status in STATUSES],
            name="status",
            id="project-status",
            default_value=state.project.status,
            class_name="native-select",
            **invalid_props("project-status", message),
        ),
        field_error("project-status", message),
        spacing="1",
        flex_grow="1",
    )


def _project_form() -> rx.Component:
    state = StaffProjectState
    errors = state.field_errors
    return rx.form(
        rx.vstack(
            form_error(state.error),
            rx.cond(
                state.project.id == 0,
                customer_picker(
                    state, "Customer", "project-customer", "Search for and select the customer the project is for."
                ),
                rx.text("Customer: ", rx.el.strong(state.project.customer), id="project-customer-name"),
            ),
            text_field(
                "Project name",
                "project-name",
                name="name",
                errors=errors,
                limit=NAME_MAX,
                initial=state.project.name,
                required=True,
            ),
            rx.flex(
                _status_field(),
                rx.box(
                    text_field(
                        "Progress (%)",
                        "project-progress",
                        name="progress",
                        errors=errors,
                        initial=state.project.progress,
                        type="number",
                        min=0,
                        max=100,
                        step=1,
                        hint="0 to 100; a Completed project shows 100 %.",
                    ),
                    flex_grow="1",
                ),
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            rx.button(rx.cond(state.project.id == 0, "Create project", "Save project"), type="submit", size="3"),
            spacing="4",
            width="100%",
            align="start",
        ),
        on_submit=state.save_project,
        key=state.form_key,
        width="100%",
    )


def _project_body() -> rx.Component:
    state = StaffProjectState
    return rx.vstack(
        heading_with_back_link(
            rx.cond(state.project.id == 0, "New project", state.project.name), "Back to projects", PROJECTS_ROUTE
        ),
        form_notice(state.notice),
        section("Project", _project_form()),
        spacing="4",
        width="100%",
        align="start",
    )


def _gone() -> rx.Component:
    return rx.vstack(
        rx.heading("Project not found", size="6", as_="h1"),
        rx.callout("This project is not one of your organisation's.", icon="info", role="status"),
        rx.link("← Back to projects", href=PROJECTS_ROUTE, size="2"),
        spacing="3",
        align="start",
    )


def _project_page() -> rx.Component:
    return staff_shell(
        until_loaded(StaffProjectState.loaded, rx.cond(StaffProjectState.found, _project_body(), _gone()), lines=5),
        admin_only=True,
    )


@portal_page(NEW_PROJECT_ROUTE, "New project", on_load=StaffProjectState.load_project)
def staff_new_project_page() -> rx.Component:
    """A new project for a customer chosen by type-ahead."""
    return _project_page()


@portal_page(f"{PROJECTS_ROUTE}/[project_id]", "Project", on_load=StaffProjectState.load_project)
def staff_project_page() -> rx.Component:
    """One project of the organisation, to edit."""
    return _project_page()
