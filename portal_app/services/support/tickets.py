"""Support tickets as the customer sees them (open, list, read the thread, reply, close and rate, follow up), and the
thread as both sides read it.

A resolved or closed ticket takes the customer's reply, which reopens it, for REOPEN_DAYS after it ended (resolved,
or closed when it never was resolved); after that the customer opens a follow-up ticket that refers to it."""

from __future__ import annotations

import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Integer, and_, bindparam, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.errors import NotFound, PortalError
from portal_app.models import Customer, Priority, Ticket, TicketMessage, TicketStatus
from portal_app.models.base import utcnow
from portal_app.models.support import OPEN_STATUSES
from portal_app.services.access import customer_scope, own_ticket
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_datetime
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.common.reads import database_only
from portal_app.services.support.attachments import AttachmentView, attach_staged, thread_attachments
from portal_app.services.support.ticket_mail import THREAD_PATH, recipients

SUBJECT_MAX = 120
DESCRIPTION_MAX = 5000
REPLY_MAX = 5000
COMMENT_MAX = 1000
PREVIEW_LENGTH = 140
RECENT_MAX = 50
SUBMISSION_KEY_MAX = 64
REOPEN_DAYS = 14
REOPEN_WINDOW = timedelta(days=REOPEN_DAYS)
STAFF_THREAD_PATH = "/staff/tickets"
FOLLOW_UP_PREFIX = "Follow-up to #{number}: "
# Input longer than this many times its limit is refused before cleaning: cleaning never shrinks real text that much.
RAW_FACTOR = 4
PRIORITIES = tuple(p.value for p in Priority)
FINISHED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
FOLLOW_UP_HINT = "Open a follow-up ticket if you need more help."
CLOSED_REFUSALS = {
    TicketStatus.RESOLVED: f"This ticket was resolved more than {REOPEN_DAYS} days ago, so it takes no more replies. "
    f"{FOLLOW_UP_HINT}",
    TicketStatus.CLOSED: f"This ticket was closed more than {REOPEN_DAYS} days ago, so it takes no more replies. "
    f"{FOLLOW_UP_HINT}",
}

_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_KEPT_CONTROLS = {"\n", "\t"}
# Bidirectional embeddings, overrides and isolates: they can make shown text read differently from what was sent.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class TicketInputError(PortalError):
    """Input or an action the ticket refuses; the message is shown as-is, at the field it names (if any)."""


@dataclass(frozen=True)
class TicketSummary:
    """A ticket as the lists show it."""

    id: int
    subject: str
    status: str
    priority: str
    created: str
    preview: str
    href: str


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a thread, formatted for display, with the files that came with it."""

    id: int
    from_staff: bool
    author: str
    body: str
    created: str
    attachments: list[AttachmentView] = field(default_factory=list)
    # A staff-only note (only staff threads carry them).
    internal: bool = False


@dataclass(frozen=True)
class TicketThread:
    """A ticket with its messages in order, who raised it, and what the viewer may do with it; rating 1-5 stars
    (0: not rated). `TicketThread()` is no ticket, with nothing allowed."""

    id: int = 0
    subject: str = ""
    description: str = ""
    priority: str = ""
    status: str = ""
    source: str = ""
    created: str = ""
    messages: list[ThreadMessage] = field(default_factory=list)
    # The files that came with the ticket's request (a reply's are on its message).
    attachments: list[AttachmentView] = field(default_factory=list)
    can_reply: bool = False
    can_close: bool = False
    can_rate: bool = False
    rating: int = 0
    rating_comment: str = ""
    customer: str = ""
    customer_email: str = ""
    # Resolved or closed: a reply reopens it until `reopen_until`; after that, `can_follow_up` only.
    reopens: bool = False
    reopen_until: str = ""
    can_follow_up: bool = False
    follow_up_href: str = ""
    # The earlier ticket this one follows up (0: none), and the link to it on the viewer's side.
    follows_up: int = 0
    follows_up_subject: str = ""
    follows_up_href: str = ""
    # Staff only: the staff member the ticket is assigned to (0: unassigned).
    assignee_id: int = 0


@dataclass(frozen=True)
class NewTicketPage:
    """The Support tab: the recent tickets and how the new-ticket form starts (`follows_up`: the ticket it
    follows up, 0 for none)."""

    recent: list[TicketSummary]
    subject: str = ""
    follows_up: int = 0
    follows_up_subject: str = ""
    follows_up_href: str = ""


def as_text(raw: object, field: str = "", argument: str = "") -> str:
    """The input as a string (None is empty); TicketInputError (about `argument`, else `field`) when a client sent
    a number, list or object."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        message = f"Enter the {field} as plain text." if field else "Enter plain text in every field."
        raise TicketInputError(message, field=argument or field)
    return raw


def clean_text(raw: object, field: str = "") -> str:
    """Multi-line plain text: line breaks normalised, control characters but newline and tab, lone surrogates
    and bidirectional overrides removed, Unicode composed (NFC), trimmed."""
    text = _NEWLINES.sub("\n", as_text(raw, field))
    return unicodedata.normalize("NFC", "".join(ch for ch in text if _kept(ch))).strip()


def clean_line(raw: object, field: str = "") -> str:
    """One line of plain text: like clean_text, with every run of whitespace made one space."""
    return " ".join(clean_text(raw, field).split())


def _kept(ch: str) -> bool:
    if ch in _KEPT_CONTROLS:
        return True
    return unicodedata.category(ch) not in {"Cc", "Cs"} and ch not in _BIDI_CONTROLS


def bounded_text(raw: object, *, limit: int, field: str, single_line: bool = False, argument: str = "") -> str:
    """The cleaned text (maybe empty), or TicketInputError when it is not text or longer than the limit.

    `field` names the input in messages ("reply"); a refusal is about `argument` (the service's argument, "body"),
    else about `field`."""
    about = argument or field
    too_long = TicketInputError(f"Use at most {limit} characters for the {field}.", field=about)
    if len(as_text(raw, field, about)) > RAW_FACTOR * limit:
        raise too_long
    text = clean_line(raw, field) if single_line else clean_text(raw, field)
    if len(text) > limit:
        raise too_long
    return text


def required_text(
    raw: object, *, limit: int, missing: str, field: str, single_line: bool = False, argument: str = ""
) -> str:
    """The cleaned text, or TicketInputError when it is empty, not text or longer than the limit."""
    text = bounded_text(raw, limit=limit, field=field, single_line=single_line, argument=argument)
    if not text:
        raise TicketInputError(missing, field=argument or field)
    return text


def preview(description: str) -> str:
    """The start of the description on one line, at most PREVIEW_LENGTH characters."""
    text = " ".join(description.split())
    if len(text) <= PREVIEW_LENGTH:
        return text
    return text[: PREVIEW_LENGTH - 1].rstrip() + "…"


def open_ticket(
    db: Session,
    principal: Principal,
    *,
    subject: object,
    description: object,
    priority: object,
    submission_key: object,
    follows_up: object = 0,
    staging_key: object = "",
) -> int:
    """Open a portal ticket and return its id; the same submission key again returns the same ticket.

    `follows_up`: the id of the customer's resolved or closed ticket this one follows up (0: none); `staging_key`:
    the form's key its files were staged under (services/support/attachments.py), attached to the request."""
    customer = customer_scope(db, principal).customer
    clean_subject = required_text(
        subject, limit=SUBJECT_MAX, missing="Enter a subject.", field="subject", single_line=True
    )
    clean_description = required_text(
        description, limit=DESCRIPTION_MAX, missing="Describe the issue.", field="description"
    )
    chosen = priority.strip() if isinstance(priority, str) else ""
    if chosen not in PRIORITIES:
        raise TicketInputError("Choose a priority: Low, Medium or High.", field="priority")
    earlier = _followed_up(db, principal, follows_up)
    key = _submission_key(submission_key)
    if key is not None:
        existing = _ticket_with_key(db, customer, key)
        if existing is not None:
            return existing
    ticket = Ticket(
        customer_id=customer.id,
        subject=clean_subject,
        description=clean_description,
        priority=Priority(chosen),
        status=TicketStatus.OPEN,
        source="Portal",
        submission_key=key,
        follows_up_id=earlier.id if earlier is not None else None,
    )
    try:
        with db.begin_nested():
            db.add(ticket)
    except IntegrityError:
        # Another request with the same key committed between the lookup and the insert.
        existing = _ticket_with_key(db, customer, key) if key is not None else None
        if existing is None:
            raise
        return existing
    attach_staged(db, principal, staging_key, ticket)
    return ticket.id


def _followed_up(db: Session, principal: Principal, follows_up: object) -> Ticket | None:
    """The customer's ticket a new one follows up (None for 0 or empty): NotFound when it is not theirs,
    refused while it is still open."""
    if follows_up in (0, "", None):
        return None
    earlier = own_ticket(db, principal, follows_up)
    if earlier.status not in FINISHED_STATUSES:
        raise TicketInputError(f"Ticket #{earlier.id} is still open: reply in its thread instead.")
    return earlier


def send_ticket(db: Session, principal: Principal, **form: object) -> tuple[int, list[TicketSummary]]:
    """Open the ticket from the Support tab's form (`open_ticket`'s fields): its id and the recent tickets after."""
    ticket_id = open_ticket(db, principal, **form)
    return ticket_id, recent_tickets(db, principal)


def follow_up_subject(ticket: Ticket) -> str:
    """The subject of a ticket following this one up, "Follow-up to #11: ...", cut with an ellipsis to fit."""
    text = FOLLOW_UP_PREFIX.format(number=ticket.id) + ticket.subject
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 1].rstrip() + "…"


def suggested_subject(raw: object) -> str:
    """A subject passed in a link (the help center's "no results"): one clean line, cut at a word to fit
    SUBJECT_MAX; empty when it is not text."""
    if not isinstance(raw, str):
        return ""
    text = clean_line(raw[: RAW_FACTOR * SUBJECT_MAX])
    if len(text) <= SUBJECT_MAX:
        return text
    head = text[: SUBJECT_MAX + 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head[:SUBJECT_MAX]).rstrip()


@database_only
def new_ticket_page(db: Session, principal: Principal, follows_up: object = 0, subject: object = "") -> NewTicketPage:
    """The Support tab's recent tickets and the form's start: following up the customer's resolved or closed
    ticket `follows_up` (an id; ignored when it is not one), else with the suggested subject."""
    recent = recent_tickets(db, principal)
    earlier = None
    if follows_up:
        with suppress(NotFound, TicketInputError):
            earlier = _followed_up(db, principal, follows_up)
    if earlier is None:
        return NewTicketPage(recent=recent, subject=suggested_subject(subject))
    return NewTicketPage(
        recent=recent,
        subject=follow_up_subject(earlier),
        follows_up=earlier.id,
        follows_up_subject=earlier.subject,
        follows_up_href=f"{THREAD_PATH}/{earlier.id}",
    )


def _submission_key(raw: object) -> str | None:
    key = raw.strip() if isinstance(raw, str) else raw
    if not key:
        return None
    if not isinstance(key, str) or len(key) > SUBMISSION_KEY_MAX or not key.isascii() or not key.isprintable():
        raise TicketInputError("This form has expired. Reload the page and send it again.")
    return key


def _ticket_with_key(db: Session, customer: Customer, key: str) -> int | None:
    return db.exec(select(Ticket.id).where(Ticket.customer_id == customer.id, Ticket.submission_key == key)).first()


def open_ticket_count(db: Session, customer: Customer) -> int:
    """Tickets not yet resolved or closed."""
    return db.exec(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.customer_id == customer.id, col(Ticket.status).in_(OPEN_STATUSES))
    ).one()


def summary(ticket: Ticket, locale: str) -> TicketSummary:
    """Format one ticket for a list, with the link to its thread."""
    return TicketSummary(
        id=ticket.id,
        subject=ticket.subject,
        status=str(ticket.status),
        priority=str(ticket.priority),
        created=show_datetime(ticket.created_at, locale),
        preview=preview(ticket.description),
        href=f"{THREAD_PATH}/{ticket.id}",
    )


def recent_tickets(db: Session, principal: Principal, limit: int = 5) -> list[TicketSummary]:
    """The customer's latest tickets, newest first."""
    customer = customer_scope(db, principal).customer
    params = {"customer_id": customer.id, "offset": 0, "limit": max(1, min(limit, RECENT_MAX))}
    return [summary(t, customer.locale) for t in db.exec(_NEWEST_TICKETS, params=params).all()]


@database_only
def ticket_page(db: Session, principal: Principal, request: PageRequest) -> tuple[list[TicketSummary], PageInfo]:
    """One page of all the customer's tickets, newest first."""
    customer = customer_scope(db, principal).customer
    total = db.exec(_TICKET_COUNT, params={"customer_id": customer.id}).one()
    info = clamp(request, total)
    params = {"customer_id": customer.id, "offset": (info.number - 1) * info.size, "limit": info.size}
    return [summary(t, customer.locale) for t in db.exec(_NEWEST_TICKETS, params=params).all()], info


# Built once: Support and All tickets bind the customer's id, the offset and the limit.
_CUSTOMER = bindparam("customer_id", type_=Integer)
_TICKET_COUNT = select(func.count()).select_from(Ticket).where(col(Ticket.customer_id) == _CUSTOMER)
_NEWEST_TICKETS = (
    select(Ticket)
    .where(col(Ticket.customer_id) == _CUSTOMER)
    .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
    .offset(bindparam("offset", type_=Integer))
    .limit(bindparam("limit", type_=Integer))
)


def thread_messages(
    db: Session,
    ticket: Ticket,
    locale: str | None,
    customer_name: str,
    files: dict[int | None, list[AttachmentView]],
    *,
    with_internal: bool = False,
) -> list[ThreadMessage]:
    """The ticket's messages with their files (`thread_attachments`), oldest first; staff's internal notes only
    `with_internal` (the staff thread: a customer never sees them)."""
    shown = [TicketMessage.ticket_id == ticket.id]
    if not with_internal:
        shown.append(col(TicketMessage.internal).is_(False))
    rows = db.exec(
        select(TicketMessage).where(*shown).order_by(col(TicketMessage.created_at), col(TicketMessage.id))
    ).all()
    return [
        ThreadMessage(
            id=m.id,
            from_staff=m.from_staff,
            author=m.author_name or ("Support" if m.from_staff else customer_name),
            body=m.body,
            created=show_datetime(m.created_at, locale),
            attachments=files.get(m.id, []),
            internal=m.internal,
        )
        for m in rows
    ]


def reopen_deadline(ticket: Ticket) -> datetime | None:
    """Until when the customer's reply reopens the resolved or closed ticket (None while it is open): REOPEN_DAYS
    after it was resolved, or after it was closed when it never was (its last change)."""
    if ticket.status not in FINISHED_STATUSES:
        return None
    return (ticket.resolved_at or ticket.updated_at) + REOPEN_WINDOW


def _still_reopens(now: datetime) -> ColumnElement[bool]:
    """The SQL condition: the ticket is finished, and its reply window still runs at `now`."""
    ended = func.coalesce(col(Ticket.resolved_at), col(Ticket.updated_at))
    return and_(col(Ticket.status).in_(FINISHED_STATUSES), ended >= now - REOPEN_WINDOW)


def _followed(db: Session, ticket: Ticket, for_staff: bool) -> dict[str, object]:
    """The thread's fields naming the earlier ticket this one follows up, linked on the viewer's side."""
    earlier = db.get(Ticket, ticket.follows_up_id) if ticket.follows_up_id else None
    if earlier is None:
        return {}
    path = STAFF_THREAD_PATH if for_staff else THREAD_PATH
    return {"follows_up": earlier.id, "follows_up_subject": earlier.subject, "follows_up_href": f"{path}/{earlier.id}"}


def thread_view(
    db: Session,
    ticket: Ticket,
    customer: Customer,
    *,
    for_staff: bool = False,
    files: dict[int | None, list[AttachmentView]] | None = None,
) -> TicketThread:
    """The thread of a ticket in hand, as the customer who raised it sees it (their locale; rated once resolved;
    a reply reopens it for a while once finished, then a follow-up; never the internal notes) or, for staff, in
    server time with the customer's email, the internal notes and the assignee (staff never rate nor follow up).
    `files`: the ticket's files when the caller read them with the ticket (`files_by_message`)."""
    locale = None if for_staff else customer.locale
    is_open = ticket.status in OPEN_STATUSES
    deadline = None if for_staff else reopen_deadline(ticket)
    reopens = deadline is not None and utcnow() <= deadline
    files = thread_attachments(db, ticket) if files is None else files
    return TicketThread(
        id=ticket.id,
        subject=ticket.subject,
        description=ticket.description,
        priority=str(ticket.priority),
        status=str(ticket.status),
        source=ticket.source,
        created=show_datetime(ticket.created_at, locale),
        messages=thread_messages(db, ticket, locale, customer.name, files, with_internal=for_staff),
        attachments=files.get(None, []),
        can_reply=is_open or reopens,
        can_close=is_open,
        can_rate=not for_staff and ticket.status == TicketStatus.RESOLVED and ticket.rating is None,
        rating=ticket.rating or 0,
        rating_comment=ticket.rating_comment,
        customer=customer.name,
        customer_email=(customer.email or next(iter(recipients(db, customer)), "")) if for_staff else "",
        reopens=reopens,
        reopen_until=show_datetime(deadline, locale) if reopens else "",
        can_follow_up=deadline is not None,
        follow_up_href=f"{THREAD_PATH}?{urlencode({'follow_up': ticket.id})}" if deadline is not None else "",
        assignee_id=(ticket.assignee_id or 0) if for_staff else 0,
        **_followed(db, ticket, for_staff),
    )


def ticket_thread(db: Session, principal: Principal, ticket_id: object) -> TicketThread:
    """The ticket and its messages, if the principal's current customer owns it."""
    ticket = own_ticket(db, principal, ticket_id)
    return thread_view(db, ticket, customer_scope(db, principal).customer)


@database_only
def thread_page(db: Session, principal: Principal, ticket_id: object) -> TicketThread | None:
    """The ticket page's thread, or None when the customer has no such ticket (the page says so)."""
    with suppress(NotFound):
        return ticket_thread(db, principal, ticket_id)
    return None


def reply(db: Session, principal: Principal, ticket_id: object, body: object, staging_key: object = "") -> TicketThread:
    """Add the customer's reply, with the files staged under `staging_key`; the ticket becomes Open again, also when
    it was resolved or closed within REOPEN_DAYS (no longer resolved then). Refused after that. Returns the thread
    with the reply."""
    scope = customer_scope(db, principal)
    ticket = own_ticket(db, principal, ticket_id)
    text = required_text(body, limit=REPLY_MAX, missing="Write your reply.", field="reply", argument="body")
    now = utcnow()
    changed = db.exec(
        update(Ticket)
        .where(col(Ticket.id) == ticket.id, or_(col(Ticket.status).in_(OPEN_STATUSES), _still_reopens(now)))
        .values(status=TicketStatus.OPEN, resolved_at=None, updated_at=now)
    ).rowcount
    if not changed:
        db.refresh(ticket)
        raise TicketInputError(CLOSED_REFUSALS.get(ticket.status, "This ticket takes no more replies."))
    message = TicketMessage(
        ticket_id=ticket.id,
        from_staff=False,
        author_name=(principal.user_name or scope.customer.name)[:120],
        body=text,
        created_at=utcnow(),  # taken once the ticket is locked: a reply saved later sorts later
    )
    db.add(message)
    db.flush()
    attach_staged(db, principal, staging_key, ticket, message)
    db.refresh(ticket)
    return thread_view(db, ticket, scope.customer)


def close_ticket(db: Session, principal: Principal, ticket_id: object) -> TicketThread:
    """The customer closes their open ticket (closing a closed one again changes nothing); returns the thread."""
    ticket = own_ticket(db, principal, ticket_id)
    changed = db.exec(
        update(Ticket)
        .where(col(Ticket.id) == ticket.id, col(Ticket.status).in_(OPEN_STATUSES))
        .values(status=TicketStatus.CLOSED, updated_at=utcnow())
    ).rowcount
    db.refresh(ticket)
    if not changed and ticket.status == TicketStatus.RESOLVED:
        raise TicketInputError("This ticket is already resolved.")
    return thread_view(db, ticket, customer_scope(db, principal).customer)


def rate_ticket(
    db: Session, principal: Principal, ticket_id: object, rating: object, comment: object = ""
) -> TicketThread:
    """Rate a resolved ticket 1 to 5 stars with an optional comment, once; returns the thread."""
    ticket = own_ticket(db, principal, ticket_id)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise TicketInputError("Choose a rating from 1 to 5 stars.", field="rating")
    text = bounded_text(comment, limit=COMMENT_MAX, field="comment")
    if ticket.status != TicketStatus.RESOLVED:
        raise TicketInputError("You can rate a ticket once it is resolved.")
    changed = db.exec(
        update(Ticket)
        .where(col(Ticket.id) == ticket.id, col(Ticket.status) == TicketStatus.RESOLVED, col(Ticket.rating).is_(None))
        .values(rating=rating, rating_comment=text, rated_at=utcnow())
    ).rowcount
    db.refresh(ticket)
    if not changed:
        if ticket.rating is not None:
            raise TicketInputError("You have already rated this ticket.")
        raise TicketInputError("You can rate a ticket once it is resolved.")
    return thread_view(db, ticket, customer_scope(db, principal).customer)
