"""The console's CSV imports (/staff/imports, administrators): the files the CLI takes, checked before anything is
written, then imported all or nothing."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import section
from portal_app.components.loading import until_loaded
from portal_app.components.tables import data_table, labelled_cells
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_imports import IMPORTS_ROUTE, UPLOAD_ID, StaffImportsState

PROBLEM_HEADERS = ["Line", "Reason"]


def _kind_choice(kind: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.radio_group.item(value=kind.key),
        rx.text(kind.label, size="2"),
        class_name="radio-choice",
        display="flex",
        align_items="center",
        gap="var(--space-2)",
    )


def _kind_picker() -> rx.Component:
    state = StaffImportsState
    return rx.el.fieldset(
        rx.el.legend("What the file contains", class_name="field-label"),
        rx.radio_group.root(
            rx.flex(rx.foreach(state.kinds, _kind_choice), spacing="4", wrap="wrap"),
            value=state.kind,
            on_change=state.choose_kind,
            name="kind",
        ),
        rx.text("Columns: ", state.columns, size="1", color_scheme="gray", as_="p", id="import-columns"),
        class_name="plain-fieldset",
        border="none",
        padding="0",
        margin="0",
        width="100%",
    )


def _file_picker() -> rx.Component:
    chosen = rx.selected_files(UPLOAD_ID)
    return rx.vstack(
        # The label names the zone's file input and opens the file picker (the zone itself only takes drops and
        # the keyboard, so a click does not open it twice).
        rx.el.label(
            rx.upload(
                rx.vstack(
                    rx.text("Drop the CSV file here, or ", rx.el.strong("click to choose it"), size="2"),
                    rx.text(
                        rx.cond(chosen.length() > 0, chosen.join(", "), "No file chosen."),
                        size="2",
                        color_scheme="gray",
                        id="import-chosen",
                    ),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                multiple=False,
                max_files=1,
                no_click=True,
                border="1px dashed var(--gray-a8)",
                border_radius="var(--radius-3)",
                padding="var(--space-5)",
                width="100%",
                cursor="pointer",
            ),
            display="block",
            width="100%",
        ),
        rx.text("CSV UTF-8 with a header row, at most 5 MB.", size="1", color_scheme="gray", as_="p"),
        rx.button(
            "Check file",
            type="button",
            size="3",
            disabled=chosen.length() == 0,
            on_click=StaffImportsState.check_file(rx.upload_files(upload_id=UPLOAD_ID)),
        ),
        spacing="2",
        width="100%",
        align="start",
    )


def _problem_row(problem: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(problem.line, scope="row", class_name="num nowrap"),
        rx.el.td(problem.reason),
    )


def _outcome() -> rx.Component:
    state = StaffImportsState
    return rx.cond(
        state.problems.length() > 0,
        section(
            "Rows to fix",
            rx.callout(
                rx.text(
                    state.file_name,
                    ": ",
                    state.problems.length().to_string(),
                    rx.cond(state.problems.length() == 1, " row cannot", " rows cannot"),
                    " be imported. Nothing was written: fix the file and check it again.",
                ),
                icon="triangle_alert",
                color_scheme="red",
                role="alert",
                margin_bottom="var(--space-3)",
            ),
            data_table(
                PROBLEM_HEADERS,
                state.problems,
                labelled_cells(PROBLEM_HEADERS, _problem_row),
                "No problems.",
                "Rows that cannot be imported",
            ),
        ),
        rx.cond(
            state.ready,
            section(
                "Ready to import",
                rx.text(
                    rx.el.strong(state.file_name),
                    " is fine. Importing it creates ",
                    state.created.to_string(),
                    ", updates ",
                    state.updated.to_string(),
                    " and leaves ",
                    state.skipped.to_string(),
                    " unchanged.",
                    as_="p",
                    id="import-ready",
                ),
                rx.foreach(state.warnings, lambda w: rx.callout(w, icon="info", color_scheme="amber", size="1")),
                rx.button("Import", type="button", size="3", on_click=state.import_file, margin_top="var(--space-3)"),
            ),
        ),
    )


@portal_page(IMPORTS_ROUTE, "Imports", on_load=StaffImportsState.load_imports)
def staff_imports_page() -> rx.Component:
    """Upload a CSV of customers, services, invoices or payments: every bad row first, then the import."""
    state = StaffImportsState
    return staff_shell(
        rx.heading("Imports", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(
            state.loaded,
            rx.vstack(
                form_notice(state.notice),
                form_error(state.error),
                section(
                    "Import a CSV file",
                    rx.text(
                        "The same files as the command line takes. Every row is checked first; if any row is bad, "
                        "nothing is imported. Importing the same file again changes nothing.",
                        size="2",
                        as_="p",
                        margin_bottom="var(--space-3)",
                    ),
                    rx.vstack(_kind_picker(), _file_picker(), spacing="4", width="100%"),
                ),
                _outcome(),
                spacing="4",
                width="100%",
            ),
        ),
        admin_only=True,
    )
