"""Projects tab (/portal/projects): status and progress of the customer's projects."""

from __future__ import annotations

import reflex as rx

from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.pages.registry import portal_page
from portal_app.state.projects import ProjectsState

PROJECT_COLOURS = (("In progress", "blue"), ("Planned", "gray"), ("On hold", "amber"), ("Completed", "green"))


def _project_card(project: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.heading(project.name, size="4", as_="h2"),
            rx.badge(
                project.status,
                color_scheme=rx.match(project.status, *PROJECT_COLOURS, "gray"),
                variant="soft",
                size="2",
            ),
            justify="between",
            align="start",
            spacing="2",
        ),
        rx.cond(
            project.description != "",
            rx.text(project.description, size="2", color_scheme="gray", margin_top="var(--space-1)", as_="p"),
        ),
        rx.flex(
            rx.el.div(
                rx.el.div(class_name="progress-fill", style={"width": project.progress.to_string() + "%"}),
                class_name="progress-track",
                role="progressbar",
                aria_valuenow=project.progress,
                aria_valuemin="0",
                aria_valuemax="100",
                aria_label="Progress of " + project.name,
            ),
            rx.text(project.progress, "%", weight="bold", size="2", class_name="progress-number"),
            align="center",
            spacing="3",
            margin_top="var(--space-3)",
        ),
        rx.el.dl(
            rx.el.dt("Start"),
            rx.el.dd(rx.cond(project.start != "", project.start, "—")),
            rx.el.dt("Due"),
            rx.el.dd(rx.cond(project.due != "", project.due, "—")),
            class_name="details project-dates",
        ),
        width="100%",
    )


@portal_page("/portal/projects", "Projects", on_load=ProjectsState.load_projects)
def projects_page() -> rx.Component:
    """Every project linked to the account."""
    return portal_shell(
        "Projects",
        rx.heading("Projects", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(ProjectsState.loaded, _projects()),
    )


def _projects() -> rx.Component:
    return rx.cond(
        ProjectsState.projects.length() > 0,
        rx.grid(
            rx.foreach(ProjectsState.projects, _project_card),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        rx.callout(
            "There are no projects linked to your account.", icon="info", color_scheme="gray", high_contrast=True
        ),
    )
