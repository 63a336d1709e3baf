"""Reports → CSAT for staff (/staff/reports/csat): customer satisfaction over a date range: the number of ratings,
the average, the share satisfied, the 1-5 star distribution, per agent, and the comments with their tickets."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import position_notice, section
from portal_app.components.fields import text_field
from portal_app.components.loading import until_loaded
from portal_app.components.stars import star_line
from portal_app.components.tables import data_table, pager, summary_card
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_reports import CSAT_ROUTE, RANGE_FIELDS, StaffCsatState

AGENT_HEADERS = ["Agent", "Ratings", "Average", "Satisfied"]
COMMENT_HEADERS = ["Ticket", "Rating", "Comment", "Customer", "Agent", "Rated"]
AGENT_RULE = (
    "Each rating counts for the staff member who last replied on the ticket; "
    "tickets rated without a staff reply are listed as “No staff reply”."
)


def _range_form() -> rx.Component:
    state = StaffCsatState
    return rx.form(
        rx.flex(
            rx.box(
                text_field(
                    "From",
                    RANGE_FIELDS["start"],
                    name="from",
                    errors=state.field_errors,
                    initial=state.start,
                    type="date",
                ),
                min_width="11rem",
            ),
            rx.box(
                text_field(
                    "To", RANGE_FIELDS["end"], name="to", errors=state.field_errors, initial=state.end, type="date"
                ),
                min_width="11rem",
            ),
            rx.button("Show", type="submit", size="3", margin_top="calc(var(--space-5) + 2px)"),
            spacing="3",
            align="start",
            wrap="wrap",
        ),
        on_submit=state.show_range,
        key=state.form_key,
        no_validate=True,
        aria_label="Date range",
        margin_bottom="var(--space-4)",
    )


def _summary() -> rx.Component:
    state = StaffCsatState
    return rx.grid(
        summary_card("Ratings", state.count, state.period),
        summary_card("Average", state.average, "out of 5 stars"),
        summary_card("Satisfied", state.satisfied, "rated 4 or 5 stars"),
        columns=rx.breakpoints(initial="1", xs="3"),
        spacing="3",
        width="100%",
        id="csat-summary",
    )


def _distribution() -> rx.Component:
    return section(
        "Ratings by stars",
        rx.el.table(
            rx.el.caption("Number of ratings for each number of stars", class_name="visually-hidden"),
            rx.el.thead(
                rx.el.tr(
                    rx.el.th("Stars", scope="col", class_name="visually-hidden"),
                    rx.el.td(),
                    rx.el.th("Ratings", scope="col", class_name="visually-hidden"),
                )
            ),
            rx.el.tbody(
                rx.foreach(
                    StaffCsatState.bars,
                    lambda bar: rx.el.tr(
                        rx.el.th(
                            bar.stars,
                            rx.el.span(" ★", aria_hidden="true"),
                            rx.el.span(rx.cond(bar.stars == 1, " star", " stars"), class_name="visually-hidden"),
                            scope="row",
                            class_name="nowrap",
                        ),
                        rx.el.td(
                            rx.box(
                                rx.box(class_name="csat-bar-fill", style={"width": bar.width}),
                                class_name="csat-bar",
                                aria_hidden="true",
                            ),
                            class_name="csat-bar-cell",
                        ),
                        rx.el.td(bar.count, class_name="num"),
                    ),
                )
            ),
            class_name="csat-table",
            id="csat-distribution",
        ),
    )


def _agent_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row.agent, scope="row"),
        rx.el.td(row.count, class_name="num"),
        rx.el.td(row.average, class_name="num"),
        rx.el.td(row.satisfied, class_name="num"),
    )


def _comment_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(
            rx.box(
                rx.link(row.subject, href=row.href, class_name="ticket-subject"),
                rx.text("#", row.ticket_id, size="1", color_scheme="gray"),
            ),
            scope="row",
        ),
        rx.el.td(star_line(row.stars), class_name="nowrap"),
        rx.el.td(row.comment, class_name="ticket-subject"),
        rx.el.td(row.customer),
        rx.el.td(row.agent),
        rx.el.td(row.rated, class_name="nowrap"),
    )


def _report() -> rx.Component:
    state = StaffCsatState
    return rx.vstack(
        _summary(),
        _distribution(),
        section(
            "By agent",
            rx.text(AGENT_RULE, size="2", color_scheme="gray", as_="p", margin_bottom="var(--space-3)"),
            data_table(AGENT_HEADERS, state.agents, _agent_row, "No ratings in this range.", "Ratings by agent"),
        ),
        section(
            "Comments",
            position_notice(state.notice),
            data_table(COMMENT_HEADERS, state.comments, _comment_row, "No comments in this range.", "Comments"),
            rx.cond(state.comment_pager.total > 0, pager("Comment pages", state.comment_pager)),
        ),
        spacing="4",
        width="100%",
    )


@portal_page(CSAT_ROUTE, "CSAT report", on_load=StaffCsatState.load_csat)
def staff_csat_page() -> rx.Component:
    """The organisation's customer satisfaction over the chosen dates."""
    state = StaffCsatState
    return staff_shell(
        rx.heading("Reports → CSAT", size="6", as_="h1", margin_bottom="var(--space-4)"),
        _range_form(),
        until_loaded(state.loaded, rx.cond(state.has_report, _report()), lines=5),
    )
