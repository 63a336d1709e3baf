"""The staff area: the console's shell and navigation, the ticket inbox with CSAT (/staff) and a ticket thread
(/staff/tickets/<id>)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.attachments import attachment_field
from portal_app.components.auth_card import form_error
from portal_app.components.cards import position_notice, section
from portal_app.components.customer_panel import customer_panel
from portal_app.components.fields import field_error, invalid_props
from portal_app.components.shell import log_out_button
from portal_app.components.tables import data_table, pager
from portal_app.components.tickets import (
    form_notice,
    thread_messages,
    thread_meta,
    ticket_not_found,
    ticket_status_badge,
)
from portal_app.pages.registry import portal_page
from portal_app.state.attachments import LIMITS, MAX_BYTES
from portal_app.state.limits import REPLY_MAX
from portal_app.state.session import SessionState
from portal_app.state.staff import (
    ASSIGNEE_FIELD,
    NOTE_FIELD,
    REPLY_FIELD,
    RESOLVE,
    STAFF_ROUTE,
    THEN_FIELD,
    StaffInboxState,
    StaffSession,
    StaffThreadState,
)

INBOX_HEADERS = [
    "Ticket",
    "Subject",
    "Customer",
    "Status",
    "Waiting since",
    "Assignee",
    "Priority",
    "Source",
    "Updated",
    "Rating",
]
# "Reply and resolve": the same form, sent with its hidden "then" field saying so (a form sends no submit button).
REPLY_AND_RESOLVE_SCRIPT = (
    f"(() => {{const then = document.getElementById('{THEN_FIELD}'); if (!then) return;"
    f" then.value = '{RESOLVE}'; then.form.requestSubmit(); then.value = '';}})()"
)
STAFF_LINKS = (("Inbox", STAFF_ROUTE), ("Help articles", "/staff/articles"), ("CSAT", "/staff/reports/csat"))
ADMIN_LINKS = (
    ("Customers", "/staff/customers"),
    ("Invoices", "/staff/invoices"),
    ("Projects", "/staff/projects"),
    ("Imports", "/staff/imports"),
    ("Settings", "/staff/settings/company"),
    ("Audit log", "/staff/audit"),
)


def _nav_links(links: tuple[tuple[str, str], ...]) -> list[rx.Component]:
    return [rx.link(label, href=href, size="2") for label, href in links]


def _staff_header() -> rx.Component:
    return rx.el.header(
        rx.box(
            rx.flex(
                rx.flex(
                    rx.text(
                        rx.cond(StaffSession.is_staff, "Staff · " + StaffSession.staff_org, "Staff area"),
                        weight="bold",
                        size="4",
                        as_="p",
                    ),
                    rx.cond(
                        StaffSession.is_staff,
                        rx.el.nav(
                            rx.flex(
                                *_nav_links(STAFF_LINKS),
                                rx.cond(StaffSession.is_admin, rx.fragment(*_nav_links(ADMIN_LINKS))),
                                spacing="4",
                                wrap="wrap",
                            ),
                            aria_label="Staff area",
                        ),
                    ),
                    spacing="4",
                    align="center",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.text(SessionState.user_name, size="2", weight="medium", class_name="user-name"),
                    log_out_button(),
                    align="center",
                    spacing="3",
                ),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            class_name="container",
        ),
        class_name="portal-header staff-header",
    )


def _not_staff() -> rx.Component:
    return rx.vstack(
        rx.heading("Staff area", size="6", as_="h1"),
        rx.callout(
            "This area is for the provider's staff.",
            icon="lock",
            color_scheme="amber",
            high_contrast=True,
            role="status",
            id="not-staff",
        ),
        rx.link("Go to your customer portal", href="/portal", size="2"),
        spacing="3",
    )


def _not_admin() -> rx.Component:
    return rx.vstack(
        rx.heading("Administrators only", size="6", as_="h1"),
        rx.callout(
            "This page is for your organisation's administrators. Ask one of them if you need something changed.",
            icon="lock",
            color_scheme="amber",
            high_contrast=True,
            role="status",
            id="not-admin",
        ),
        rx.link("Go to the support inbox", href=STAFF_ROUTE, size="2"),
        spacing="3",
    )


def staff_shell(*body: rx.Component, admin_only: bool = False) -> rx.Component:
    """A staff page: the minimal staff header, then the body once the person is known to be staff (and, for
    `admin_only` pages, an administrator)."""
    allowed = rx.cond(StaffSession.is_admin, rx.fragment(*body), _not_admin()) if admin_only else rx.fragment(*body)
    return rx.box(
        _staff_header(),
        rx.el.main(
            rx.cond(
                StaffSession.staff_checked,
                rx.cond(StaffSession.is_staff, allowed, _not_staff()),
                rx.text("Loading…", role="status"),
            ),
            class_name="container page-body",
            id="main",
        ),
        class_name="portal",
    )


def _filter_links(label: str, links: rx.Var) -> rx.Component:
    return rx.el.nav(
        rx.flex(
            rx.text(label + ":", size="2", weight="medium", as_="span"),
            rx.foreach(
                links,
                lambda link: rx.cond(
                    link.current,
                    rx.el.span(link.label, class_name="filter-chip filter-chip-current", aria_current="true"),
                    rx.link(link.label, href=link.href, class_name="filter-chip", underline="none"),
                ),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        aria_label=f"Filter by {label.lower()}",
    )


def _inbox_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td("#", row.id, class_name="nowrap"),
        rx.el.th(
            rx.flex(
                rx.link(row.subject, href=row.href),
                rx.cond(
                    row.kind == "Service request",
                    rx.badge("Service request", color_scheme="violet", variant="soft", high_contrast=True),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            scope="row",
        ),
        rx.el.td(row.customer),
        rx.el.td(ticket_status_badge(row.status, row.status_label), class_name="nowrap"),
        rx.el.td(rx.cond(row.waiting != "", row.waiting, "—"), class_name="nowrap"),
        rx.el.td(rx.cond(row.assignee != "", row.assignee, "Unassigned")),
        rx.el.td(row.priority),
        rx.el.td(row.source),
        rx.el.td(row.updated, class_name="nowrap"),
        rx.el.td(rx.cond(row.rating, rx.fragment(row.rating, " of 5"), "—"), class_name="nowrap"),
    )


def _csat_card() -> rx.Component:
    return section(
        "Customer satisfaction",
        rx.flex(
            rx.box(
                rx.text(StaffInboxState.csat_average, size="8", weight="bold", as_="div", class_name="figure-value"),
                rx.text("average of ", StaffInboxState.csat_count, " rated tickets", size="2", color_scheme="gray"),
                id="csat-average",
            ),
            rx.el.table(
                rx.el.caption("Ratings by stars", class_name="visually-hidden"),
                rx.el.tbody(
                    rx.foreach(
                        StaffInboxState.csat_bars,
                        lambda bar: rx.el.tr(
                            rx.el.th(bar.stars, " ★", scope="row", class_name="nowrap"),
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
            spacing="6",
            align="center",
            wrap="wrap",
        ),
    )


def _inbox_search() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.el.label("Search tickets", html_for="inbox-search", class_name="visually-hidden"),
            rx.input(
                name="q",
                id="inbox-search",
                type="search",
                placeholder="Ticket number, subject, customer name or email",
                default_value=StaffInboxState.query,
                key=StaffInboxState.query,
                max_length=100,
                width="min(100%, 26rem)",
            ),
            rx.button("Search", type="submit", variant="soft"),
            rx.cond(
                StaffInboxState.query != "",
                rx.link("Clear search", href=StaffInboxState.clear_search_href, size="2"),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        on_submit=StaffInboxState.search_inbox,
        role="search",
        aria_label="Tickets",
        margin_bottom="var(--space-3)",
    )


@portal_page(STAFF_ROUTE, "Staff inbox", on_load=StaffInboxState.load_inbox)
def staff_inbox_page() -> rx.Component:
    """The organisation's tickets and CSAT."""
    return staff_shell(
        rx.heading("Support inbox", size="6", as_="h1", margin_bottom="var(--space-4)"),
        rx.vstack(
            _csat_card(),
            section(
                "Tickets",
                _inbox_search(),
                rx.vstack(
                    _filter_links("Status", StaffInboxState.status_links),
                    _filter_links("Source", StaffInboxState.source_links),
                    _filter_links("Kind", StaffInboxState.kind_links),
                    _filter_links("Assignee", StaffInboxState.assignee_links),
                    spacing="2",
                    margin_bottom="var(--space-3)",
                ),
                position_notice(StaffInboxState.notice),
                data_table(
                    INBOX_HEADERS, StaffInboxState.rows, _inbox_row, "No tickets match these filters.", "Tickets"
                ),
                pager("Inbox pages", StaffInboxState.ticket_pager),
            ),
            spacing="4",
            width="100%",
        ),
    )


def _article_search() -> rx.Component:
    state = StaffThreadState
    return rx.vstack(
        rx.form(
            rx.flex(
                rx.el.label("Link a help article", html_for="article-search", class_name="field-label"),
                rx.input(name="article_q", id="article-search", type="search", max_length=100, width="16rem"),
                rx.button("Find articles", type="submit", variant="soft"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            on_submit=state.find_articles,
            role="search",
            aria_label="Help articles",
        ),
        rx.cond(
            state.articles.length() > 0,
            rx.el.ul(
                rx.foreach(
                    state.articles,
                    lambda article: rx.el.li(
                        rx.flex(
                            rx.text(article.title, size="2"),
                            rx.button(
                                "Insert link",
                                type="button",
                                size="1",
                                variant="outline",
                                on_click=state.insert_article(article.slug),
                                aria_label="Insert link to " + article.title,
                            ),
                            spacing="2",
                            align="center",
                            wrap="wrap",
                        ),
                        margin_bottom="var(--space-1)",
                    ),
                ),
                id="article-results",
                style={"margin": 0, "padding_left": "1.2em"},
            ),
            rx.cond(state.articles_searched, rx.text("No published article matches.", size="2", role="status")),
        ),
        spacing="2",
        width="100%",
    )


def _staff_reply_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Reply to the customer", html_for=REPLY_FIELD, class_name="field-label"),
            rx.text_area(
                name="body",
                id=REPLY_FIELD,
                max_length=REPLY_MAX,
                required=True,
                rows="5",
                width="100%",
            ),
            rx.el.input(type="hidden", name="then", id=THEN_FIELD, default_value=""),
            attachment_field(StaffThreadState, "staff-reply-files", LIMITS, MAX_BYTES),
            rx.flex(
                rx.button("Send reply", type="submit", size="3", disabled=StaffThreadState.uploading),
                rx.button(
                    "Reply and resolve",
                    type="button",
                    size="3",
                    variant="soft",
                    color_scheme="green",
                    on_click=rx.call_script(REPLY_AND_RESOLVE_SCRIPT),
                    disabled=StaffThreadState.uploading,
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="2",
            width="100%",
            align="start",
        ),
        on_submit=StaffThreadState.staff_send_reply,
        width="100%",
    )


def _note_form() -> rx.Component:
    message = StaffThreadState.field_errors.get(NOTE_FIELD, "")
    return rx.form(
        rx.vstack(
            rx.el.label(
                "Note for your team (the customer never sees it)", html_for=NOTE_FIELD, class_name="field-label"
            ),
            rx.text_area(
                name="note",
                id=NOTE_FIELD,
                max_length=REPLY_MAX,
                required=True,
                rows="3",
                width="100%",
                **invalid_props(NOTE_FIELD, message),
            ),
            field_error(NOTE_FIELD, message),
            rx.button("Add internal note", type="submit", variant="soft", color_scheme="amber"),
            spacing="2",
            width="100%",
            align="start",
        ),
        on_submit=StaffThreadState.add_note,
        width="100%",
    )


def _assignee_select() -> rx.Component:
    state = StaffThreadState
    message = state.field_errors.get(ASSIGNEE_FIELD, "")
    return rx.vstack(
        rx.flex(
            rx.el.label("Assigned to", html_for=ASSIGNEE_FIELD, class_name="field-label"),
            rx.el.select(
                rx.el.option("Unassigned", value="none"),
                rx.foreach(state.staff_options, lambda option: rx.el.option(option.label, value=option.value)),
                id=ASSIGNEE_FIELD,
                value=state.assignee_value,
                on_change=state.assign,
                class_name="native-select",
                **invalid_props(ASSIGNEE_FIELD, message),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        field_error(ASSIGNEE_FIELD, message),
        spacing="1",
    )


def _status_buttons() -> rx.Component:
    state, thread = StaffThreadState, StaffThreadState.thread
    is_open = (thread.status == "Open") | (thread.status == "Awaiting your reply")
    return rx.flex(
        rx.cond(is_open, rx.button("Resolve", on_click=state.set_ticket_status("Resolved"), color_scheme="green")),
        rx.cond(
            thread.status != "Closed",
            rx.button("Close", on_click=state.set_ticket_status("Closed"), variant="soft", color_scheme="gray"),
        ),
        rx.cond(~is_open, rx.button("Reopen", on_click=state.set_ticket_status("Open"), variant="soft")),
        spacing="3",
        wrap="wrap",
    )


def _staff_thread_body() -> rx.Component:
    state, thread = StaffThreadState, StaffThreadState.thread
    return rx.vstack(
        rx.flex(
            rx.heading(thread.subject, size="6", as_="h1", class_name="thread-title"),
            rx.link("← Back to the inbox", href=STAFF_ROUTE, size="2"),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="2",
            width="100%",
        ),
        thread_meta(thread, state.status_label),
        rx.text(
            "Customer: ",
            rx.el.strong(thread.customer),
            rx.cond(thread.customer_email != "", " · " + thread.customer_email, ""),
            size="2",
        ),
        form_notice(state.notice),
        form_error(state.error),
        section("Status and assignee", rx.vstack(_status_buttons(), _assignee_select(), spacing="3")),
        section("Conversation", thread_messages(thread, staff_side=True)),
        rx.cond(thread.can_reply, section("Reply", rx.vstack(_article_search(), _staff_reply_form(), spacing="4"))),
        section("Internal note", _note_form()),
        rx.cond(
            thread.rating > 0,
            section(
                "Customer rating",
                rx.text("Rated ", thread.rating, " of 5", weight="medium"),
                rx.cond(
                    thread.rating_comment != "", rx.text(thread.rating_comment, as_="p", class_name="message-body")
                ),
            ),
        ),
        spacing="4",
        width="100%",
        align="start",
    )


@portal_page(f"{STAFF_ROUTE}/tickets/[ticket_id]", "Staff ticket", on_load=StaffThreadState.load_staff_thread)
def staff_thread_page() -> rx.Component:
    """One ticket of the organisation: conversation, reply and status."""
    return staff_shell(
        rx.cond(
            StaffThreadState.loaded,
            rx.cond(
                StaffThreadState.found,
                rx.box(
                    _staff_thread_body(),
                    customer_panel(StaffThreadState.panel, StaffThreadState.thread),
                    display="grid",
                    grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 1fr) 18rem"),
                    gap="var(--space-5)",
                    align_items="start",
                    width="100%",
                ),
                ticket_not_found(
                    rx.link("← Back to the inbox", href=STAFF_ROUTE, size="2"), "your organisation's tickets"
                ),
            ),
            rx.text("Loading the ticket…", role="status"),
        ),
    )
