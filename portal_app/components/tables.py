"""Tables of invoices and payments, status badges, and pagination controls."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

STATUS_COLOURS = (
    ("Paid", "green"),
    ("Succeeded", "green"),
    ("Completed", "green"),
    ("Partially paid", "amber"),
    ("Pending", "amber"),
    ("Issued", "blue"),
    ("Overdue", "red"),
    ("Failed", "red"),
    ("Void", "gray"),
    ("Refunded", "gray"),
    ("Disputed", "orange"),
)


def money_status_badge(status: rx.Var) -> rx.Component:
    """A badge coloured by invoice or payment status."""
    return rx.badge(status, color_scheme=rx.match(status, *STATUS_COLOURS, "gray"), variant="soft", size="2")


def data_table(headers: list[str], rows: rx.Var, render_row, empty: str, label: str) -> rx.Component:
    """A plain table in a keyboard-scrollable region, or a sentence when there are no rows.

    On a phone each row stacks its cells, each named by its column (the cells carry `data-label`)."""
    return rx.cond(
        rows.length() > 0,
        rx.box(
            rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
                rx.el.tbody(rx.foreach(rows, labelled_cells(headers, render_row))),
                class_name="data-table",
            ),
            class_name="table-scroll",
            tab_index=0,
            role="region",
            aria_label=label,
        ),
        rx.text(empty, color_scheme="gray"),
    )


def labelled_cells(
    headers: list[str], render_row: Callable[[rx.Var], rx.Component]
) -> Callable[[rx.Var], rx.Component]:
    """`render_row`, with each cell of the row it makes labelled by its column's header (`data-label`), which the
    phone layout shows beside the value."""

    def render(row: rx.Var) -> rx.Component:
        tr = render_row(row)
        for header, cell in zip(headers, tr.children, strict=True):
            cell.custom_attrs["data-label"] = header
        return tr

    return render


def pager(label: str, position: rx.Var) -> rx.Component:
    """Previous/next links, 'Page X of Y', and the page size choice, for a `state.pager.Pager` var."""
    page, pages, total, size = position.page, position.pages, position.total, position.size
    prev_href, next_href, size_links = position.prev_href, position.next_href, position.size_links
    return rx.el.nav(
        rx.flex(
            rx.flex(
                rx.cond(
                    page > 1,
                    rx.link("← Previous", href=prev_href, class_name="link-button link-button-soft"),
                    rx.el.span("← Previous", class_name="link-button link-button-disabled", aria_disabled="true"),
                ),
                rx.text("Page ", page, " of ", pages, " (", total, " in all)", size="2", as_="span"),
                rx.cond(
                    page < pages,
                    rx.link("Next →", href=next_href, class_name="link-button link-button-soft"),
                    rx.el.span("Next →", class_name="link-button link-button-disabled", aria_disabled="true"),
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            rx.flex(
                rx.text("Rows per page:", size="2", as_="span"),
                rx.foreach(
                    size_links,
                    lambda link: rx.cond(
                        link.size == size.to_string(),
                        rx.el.span(link.size, class_name="page-size page-size-current", aria_current="true"),
                        rx.link(link.size, href=link.href, class_name="page-size"),
                    ),
                ),
                spacing="2",
                align="center",
            ),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="3",
            margin_top="var(--space-3)",
        ),
        aria_label=label,
    )


def summary_card(label: str, value: rx.Var | str, detail: rx.Var | str = "") -> rx.Component:
    """One summary figure in a card."""
    return rx.card(
        rx.text(label, size="2", color_scheme="gray", as_="div"),
        rx.text(value, size="6", weight="bold", as_="div", class_name="figure-value"),
        rx.text(detail, size="1", color_scheme="gray", as_="div"),
    )
