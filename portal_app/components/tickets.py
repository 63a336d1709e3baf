"""Ticket UI shared by the customer's support pages and the staff area: status badges, the conversation,
the ticket's details, the not-found answer, and the confirmation callout of a form."""

from __future__ import annotations

import reflex as rx

from portal_app.components.attachments import attachment_list

# An internal note's card: amber, dashed, unlike the customer's and the staff's replies.
INTERNAL_STYLE = {"background": "var(--amber-3)", "border": "1px dashed var(--amber-8)"}
TICKET_STATUS_COLOURS = (
    ("Open", "blue"),
    ("Awaiting your reply", "amber"),
    ("Resolved", "green"),
    ("Closed", "gray"),
)


def form_notice(message: rx.Var, href: rx.Var | None = None, link: str = "View it") -> rx.Component:
    """A confirmation callout announced to screen readers (high contrast: it sits on tinted cards), ending with
    a `link` to `href` when there is one."""
    text = (
        message
        if href is None
        else rx.fragment(
            message,
            rx.cond(
                href != "",
                rx.fragment(" ", rx.link(link, href=href, underline="always", high_contrast=True, weight="medium")),
            ),
        )
    )
    return rx.cond(
        message != "",
        rx.callout(text, icon="circle-check", color_scheme="green", high_contrast=True, role="status", width="100%"),
    )


def ticket_status_badge(status: rx.Var, label: rx.Var | None = None) -> rx.Component:
    """A badge coloured by ticket status, showing the status or a label for it."""
    colour = rx.match(status, *TICKET_STATUS_COLOURS, "gray")
    text = status if label is None else label
    return rx.badge(text, color_scheme=colour, variant="soft", high_contrast=True, size="2")


def _message(
    author: rx.Var | str,
    created: rx.Var,
    body: rx.Var,
    files: rx.Var,
    *,
    from_staff: rx.Var | bool,
    mine: rx.Var | bool,
    label: str = "",
    internal: rx.Var | bool = False,
) -> rx.Component:
    """One entry of the conversation: who wrote it, when, its text with line breaks kept, and its files. A staff
    internal note is marked "Internal note" on an amber background (Radix colours: readable in dark mode too)."""
    kind = _either(from_staff, "message message-staff", "message message-customer")
    return rx.el.li(
        rx.el.article(
            rx.flex(
                rx.text(author, weight="bold", size="2", as_="span"),
                rx.badge(label, variant="outline", size="1") if label else rx.fragment(),
                rx.cond(
                    internal,
                    rx.badge("Internal note", color_scheme="amber", variant="solid", high_contrast=True, size="1"),
                )
                if isinstance(internal, rx.Var)
                else rx.fragment(),
                rx.text(created, size="1", color_scheme="gray", as_="span"),
                spacing="2",
                align="center",
                wrap="wrap",
                class_name="message-meta",
            ),
            rx.text(body, as_="p", size="2", class_name="message-body"),
            attachment_list(files),
            class_name=rx.cond(internal, "message message-internal", kind) if isinstance(internal, rx.Var) else kind,
            style={k: rx.cond(internal, v, "") for k, v in INTERNAL_STYLE.items()}
            if isinstance(internal, rx.Var)
            else {},
        ),
        class_name=_either(mine, "message-row message-row-mine", "message-row"),
    )


def _either(flag: rx.Var | bool, yes: str, no: str) -> rx.Var | str:
    """`yes` or `no` by a flag known in the browser (a Var) or already here (a bool)."""
    return rx.cond(flag, yes, no) if isinstance(flag, rx.Var) else (yes if flag else no)


def _customer(name: rx.Var, you: str, staff_side: bool) -> rx.Var | str:
    """The customer side's name: `you` for the customer themself, else their name (or 'Customer')."""
    return rx.cond(name != "", name, "Customer") if staff_side else you


def thread_messages(thread: rx.Var, you: str = "You", staff_side: bool = False) -> rx.Component:
    """The conversation of a `TicketThread`: the original request, then every message, oldest first.

    `you` names the viewer's own side; on the staff pages the staff side is the viewer's."""
    request = _message(
        _customer(thread.customer, you, staff_side),
        thread.created,
        thread.description,
        thread.attachments,
        from_staff=False,
        mine=not staff_side,
        label="Original request",
    )
    return rx.el.ol(
        request,
        rx.foreach(
            thread.messages,
            lambda m: _message(
                rx.cond(
                    m.from_staff,
                    rx.cond(m.author != "", m.author, "Support team") + " · Staff",
                    _customer(m.author, you, staff_side),
                ),
                m.created,
                m.body,
                m.attachments,
                from_staff=m.from_staff,
                mine=m.from_staff if staff_side else ~m.from_staff,
                internal=m.internal if staff_side else False,
            ),
        ),
        class_name="thread",
        aria_label="Conversation",
    )


def thread_meta(thread: rx.Var, status_label: rx.Var | None = None) -> rx.Component:
    """Ticket number, status, priority, source, when it was opened and the ticket it follows up, linked."""
    return rx.flex(
        ticket_status_badge(thread.status, status_label),
        rx.text("Ticket #", thread.id, size="2", as_="span"),
        rx.text("Priority: ", thread.priority, size="2", as_="span"),
        rx.text("Source: ", thread.source, size="2", as_="span"),
        rx.text("Opened ", thread.created, size="2", as_="span"),
        rx.cond(
            thread.follows_up > 0,
            rx.text(
                "Follows up ",
                rx.link(
                    "#",
                    thread.follows_up,
                    " ",
                    thread.follows_up_subject,
                    href=thread.follows_up_href,
                    underline="always",
                ),
                size="2",
                as_="span",
                id="follows-up",
            ),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        color="var(--gray-11)",
    )


def ticket_not_found(back: rx.Component, whose: str = "your tickets") -> rx.Component:
    """The honest answer for an unknown id or someone else's ticket."""
    return rx.vstack(
        rx.heading("Ticket not found", size="6", as_="h1"),
        rx.text(
            f"There is no ticket with this number among {whose}. Check the link or pick it from the list.", as_="p"
        ),
        back,
        spacing="3",
    )
