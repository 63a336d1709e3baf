"""Support tab (/portal/support), all tickets (/portal/support/all) and a ticket thread."""

from __future__ import annotations

import reflex as rx

from portal_app.components.attachments import attachment_field
from portal_app.components.auth_card import form_error
from portal_app.components.cards import heading_with_back_link, link_button, position_notice, section
from portal_app.components.fields import field_error, invalid_props, text_field
from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.components.stars import star_line, star_rating_input
from portal_app.components.tables import pager
from portal_app.components.tickets import (
    form_notice,
    thread_messages,
    thread_meta,
    ticket_not_found,
    ticket_status_badge,
)
from portal_app.pages.registry import portal_page
from portal_app.state.attachments import LIMITS, MAX_BYTES
from portal_app.state.limits import COMMENT_MAX, DESCRIPTION_MAX, REOPEN_DAYS, REPLY_MAX, SUBJECT_MAX
from portal_app.state.support import (
    ALL_TICKETS_ROUTE,
    PRIORITIES,
    SUPPORT_ROUTE,
    AllTicketsState,
    SupportState,
    ThreadState,
)

SUBJECT_EXAMPLES = "For example: Low speed, No connection, Billing question"


def _ticket_item(ticket: rx.Var) -> rx.Component:
    """One ticket in a list: subject linking to its thread, status, created and a preview."""
    return rx.el.li(
        rx.flex(
            rx.link(ticket.subject, href=ticket.href, weight="medium", class_name="ticket-subject"),
            ticket_status_badge(ticket.status),
            justify="between",
            align="start",
            spacing="3",
        ),
        rx.text(ticket.preview, size="2", color_scheme="gray", as_="p", class_name="ticket-preview"),
        rx.text("#", ticket.id, " · Created ", ticket.created, size="1", color_scheme="gray", as_="p"),
        class_name="ticket-item",
    )


def ticket_list(rows: rx.Var, label: str) -> rx.Component:
    """A list of tickets, or a sentence when there are none."""
    return rx.cond(
        rows.length() > 0,
        rx.el.ul(rx.foreach(rows, _ticket_item), class_name="ticket-list", aria_label=label),
        rx.text("You have not opened any support tickets yet.", color_scheme="gray"),
    )


def _suggestions() -> rx.Component:
    return rx.cond(
        SupportState.suggestions.length() > 0,
        rx.box(
            rx.heading("Suggested articles", size="3", as_="h3"),
            rx.text("These help articles might answer your question. They open in a new tab.", size="1"),
            rx.el.ul(
                rx.foreach(
                    SupportState.suggestions,
                    lambda article: rx.el.li(
                        rx.link(
                            article.title,
                            href=article.href,
                            is_external=True,
                            aria_label=article.title + " (opens in a new tab)",
                        ),
                        rx.text(article.excerpt, size="1", color_scheme="gray", as_="p"),
                    ),
                ),
                class_name="suggestion-list",
            ),
            class_name="suggestions",
            role="region",
            aria_label="Suggested articles",
        ),
    )


def _follow_up_note() -> rx.Component:
    return rx.cond(
        SupportState.follows_up > 0,
        rx.text(
            "This ticket follows up ",
            rx.link(
                "#",
                SupportState.follows_up,
                " ",
                SupportState.follows_up_subject,
                href=SupportState.follows_up_href,
                underline="always",
            ),
            ". The support team sees the earlier conversation.",
            size="2",
            as_="p",
            id="follow-up-note",
        ),
    )


def _priority_field() -> rx.Component:
    message = SupportState.field_errors.get("ticket-priority", "")
    return rx.vstack(
        rx.el.label("Priority", html_for="ticket-priority", class_name="field-label"),
        rx.el.select(
            *[rx.el.option(p, value=p) for p in PRIORITIES],
            name="priority",
            id="ticket-priority",
            default_value="Medium",
            class_name="native-select",
            **invalid_props("ticket-priority", message),
        ),
        field_error("ticket-priority", message),
        spacing="1",
        width="100%",
    )


def _ticket_form() -> rx.Component:
    errors = SupportState.field_errors
    return rx.form(
        rx.vstack(
            form_error(SupportState.error),
            _follow_up_note(),
            rx.el.input(type="hidden", name="submission_key", value=SupportState.form_key),
            text_field(
                "Subject",
                "ticket-subject",
                errors=errors,
                name="subject",
                hint=f"A short title ({SUBJECT_MAX} characters at most). {SUBJECT_EXAMPLES}.",
                limit=SUBJECT_MAX,
                initial=SupportState.subject,
                placeholder="Low speed, No connection, Billing question",
                required=True,
                on_change=SupportState.suggest.debounce(300),
            ),
            _suggestions(),
            text_field(
                "Describe the issue",
                "ticket-description",
                errors=errors,
                name="description",
                hint=f"Symptoms, when it started, and the address or service if relevant ({DESCRIPTION_MAX} "
                "characters at most).",
                limit=DESCRIPTION_MAX,
                control=rx.text_area,
                required=True,
                rows="6",
            ),
            _priority_field(),
            attachment_field(SupportState, "ticket-files", LIMITS, MAX_BYTES),
            rx.button(
                rx.cond(SupportState.submitting, "Sending…", "Send ticket"),
                type="submit",
                size="3",
                disabled=SupportState.submitting | SupportState.uploading,
                loading=SupportState.submitting,
            ),
            spacing="4",
            width="100%",
            align="start",
        ),
        on_submit=SupportState.submit_ticket,
        no_validate=True,
        width="100%",
        id="ticket-form",
        key=SupportState.form_version,
    )


@portal_page(SUPPORT_ROUTE, "Support", on_load=SupportState.load_support)
def support_page() -> rx.Component:
    """The form to open a new ticket (first: on a phone it comes before the list) and the recent tickets."""
    return portal_shell(
        "Support",
        rx.heading("Support", size="6", as_="h1", margin_bottom="var(--space-4)"),
        rx.vstack(
            form_notice(SupportState.notice, SupportState.created_href),
            rx.grid(
                section("Open a support ticket", until_loaded(SupportState.loaded, _ticket_form(), lines=6)),
                section(
                    "Recent tickets",
                    until_loaded(SupportState.loaded, ticket_list(SupportState.tickets, "Recent tickets")),
                    action=link_button("All tickets", ALL_TICKETS_ROUTE, "soft"),
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
                align="start",
            ),
            spacing="4",
            width="100%",
        ),
    )


def _back_to_support() -> rx.Component:
    return rx.link("← Back to support", href=SUPPORT_ROUTE, size="2")


@portal_page(ALL_TICKETS_ROUTE, "All tickets", on_load=AllTicketsState.load_all_tickets)
def all_tickets_page() -> rx.Component:
    """Every ticket of the customer, newest first, paginated."""
    return portal_shell(
        "Support",
        heading_with_back_link("All tickets", "Back to support", SUPPORT_ROUTE),
        position_notice(AllTicketsState.notice),
        section(
            "Tickets",
            until_loaded(
                AllTicketsState.loaded,
                ticket_list(AllTicketsState.tickets, "All tickets"),
                pager("Ticket pages", AllTicketsState.ticket_pager),
            ),
        ),
    )


def _reopen_note() -> rx.Component:
    thread = ThreadState.thread
    return rx.cond(
        thread.reopens,
        rx.text(
            "This ticket is ",
            thread.status.lower(),
            ". Replying reopens it; you can reply until ",
            thread.reopen_until,
            ".",
            size="2",
            as_="p",
            id="reopen-note",
        ),
    )


def _reply_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _reopen_note(),
            text_field(
                "Your reply",
                "reply-body",
                errors=ThreadState.field_errors,
                name="body",
                limit=REPLY_MAX,
                control=rx.text_area,
                required=True,
                rows="4",
            ),
            attachment_field(ThreadState, "reply-files", LIMITS, MAX_BYTES),
            rx.button(
                rx.cond(ThreadState.thread.reopens, "Reopen with this reply", "Send reply"),
                type="submit",
                size="3",
                disabled=ThreadState.uploading,
            ),
            spacing="2",
            width="100%",
            align="start",
        ),
        on_submit=ThreadState.send_reply,
        no_validate=True,
        width="100%",
        key=ThreadState.thread.messages.length(),  # drawn anew, empty, once the reply is in the conversation
    )


def _follow_up() -> rx.Component:
    return rx.vstack(
        rx.text(
            "This ticket is ",
            ThreadState.thread.status.lower(),
            f" and takes no more replies: more than {REOPEN_DAYS} days have passed. If you need more help, open a "
            "follow-up ticket; it refers to this one.",
            size="2",
            as_="p",
        ),
        link_button("Open a follow-up ticket", ThreadState.thread.follow_up_href),
        spacing="3",
        align="start",
    )


def _close_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Close ticket", variant="soft", color_scheme="gray", size="3")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Close this ticket?"),
            rx.alert_dialog.description(
                f"Close it when your issue is solved. Within {REOPEN_DAYS} days a reply reopens it; after that, open a "
                "follow-up ticket.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Keep it open", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Close ticket", color_scheme="red", on_click=ThreadState.close)),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
            max_width="440px",
        ),
    )


def _rating_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Your ticket was resolved. Please rate our help; the comment is optional.", size="2", as_="p"),
            star_rating_input("Rate this ticket", ThreadState.field_errors.get("rating-1", "")),
            text_field(
                "Comment (optional)",
                "rating-comment",
                errors=ThreadState.field_errors,
                name="comment",
                limit=COMMENT_MAX,
                control=rx.text_area,
                rows="3",
            ),
            rx.button("Submit rating", type="submit", size="3"),
            spacing="2",
            width="100%",
            align="start",
        ),
        on_submit=ThreadState.rate,
        no_validate=True,
        width="100%",
        id="rating-form",
    )


def _given_rating() -> rx.Component:
    return rx.vstack(
        rx.flex(
            star_line(ThreadState.thread.rating),
            rx.text("You rated this ticket ", ThreadState.thread.rating, " of 5", weight="medium", id="given-rating"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            ThreadState.thread.rating_comment != "",
            rx.text(ThreadState.thread.rating_comment, size="2", as_="p", class_name="message-body"),
        ),
        spacing="1",
    )


def _thread_body() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(ThreadState.thread.subject, size="6", as_="h1", class_name="thread-title"),
            _back_to_support(),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="2",
            width="100%",
        ),
        thread_meta(ThreadState.thread),
        form_notice(ThreadState.notice),
        form_error(ThreadState.error),
        section("Conversation", thread_messages(ThreadState.thread)),
        rx.cond(
            ThreadState.thread.can_reply,
            section("Reply", _reply_form()),
            rx.cond(ThreadState.thread.can_follow_up, section("Need more help?", _follow_up())),
        ),
        rx.cond(ThreadState.thread.can_rate, section("How did we do?", _rating_form())),
        rx.cond(ThreadState.thread.rating > 0, section("Your rating", _given_rating())),
        rx.cond(
            ThreadState.thread.can_close,
            rx.flex(
                rx.text("Is your issue solved?", size="2"),
                _close_button(),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
        ),
        spacing="4",
        width="100%",
        align="start",
    )


@portal_page(f"{SUPPORT_ROUTE}/[ticket_id]", "Ticket", on_load=ThreadState.load_thread)
def thread_page() -> rx.Component:
    """One ticket's conversation with reply, close and rating."""
    return portal_shell(
        "Support",
        rx.cond(
            ThreadState.loaded,
            rx.cond(ThreadState.found, _thread_body(), ticket_not_found(_back_to_support())),
            rx.text("Loading the ticket…", role="status"),
        ),
    )
