"""Reports → CSAT: customer satisfaction from the ratings customers gave resolved tickets, over a date range.

A rating counts on the day it was given (`Ticket.rated_at`, UTC). It is credited to the staff member who last
replied on the ticket: a ticket records neither who resolved it nor an assignee, and a staff reply is signed with
its author's name (`inbox.staff_author`). Tickets rated without any staff reply count under "No staff reply".
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from babel.numbers import format_decimal, format_percent
from sqlalchemy import ColumnElement, Subquery, case, func
from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.models import Customer, Organisation, Ticket, TicketMessage
from portal_app.models.base import utcnow
from portal_app.services.access import staff_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import safe_locale
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.support.inbox import NO_RATING, STAFF_ROUTE, CsatBar

CSAT_ROUTE = "/staff/reports/csat"
DEFAULT_DAYS = 30
MAX_DAYS = 5 * 366
ISO_DATE_LENGTH = 10
SATISFIED = 4  # 4 and 5 stars count as satisfied
NO_STAFF_REPLY = "No staff reply"
NOT_A_DATE = "Enter a date like 2026-11-30."
START_AFTER_END = "The start date must be on or before the end date."
TOO_LONG = "Choose a range of at most five years."


@dataclass(frozen=True)
class CsatAgentRow:
    """One staff member's ratings in the range."""

    agent: str
    count: int
    average: str
    satisfied: str


@dataclass(frozen=True)
class CsatComment:
    """A rating that came with a comment, with a link to its ticket."""

    ticket_id: int
    subject: str
    customer: str
    stars: int
    comment: str
    rated: str
    agent: str
    href: str


@dataclass(frozen=True)
class CsatReport:
    """The report for one date range: totals, the distribution, per agent, and one page of comments."""

    start: str
    end: str
    period: str
    count: int
    average: str
    satisfied: str
    bars: list[CsatBar]
    agents: list[CsatAgentRow]
    comments: list[CsatComment]
    info: PageInfo


@dataclass(frozen=True)
class CsatRangeProblem:
    """Why the range asked for cannot be shown, and which input ("start" or "end") is wrong."""

    field: str
    message: str


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included."""
    end = today or utcnow().date()
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def parse_range(start: object, end: object, today: date | None = None) -> tuple[date, date]:
    """The range the two inputs name (YYYY-MM-DD; a blank one takes the default's); PortalError at the bad field."""
    default_start, default_end = default_range(today)
    first = _date(start, default_start, field="start")
    last = _date(end, default_end, field="end")
    if first > last:
        raise PortalError(START_AFTER_END, field="start")
    if (last - first).days >= MAX_DAYS:
        raise PortalError(TOO_LONG, field="start")
    return first, last


def csat_page(
    db: Session, principal: Principal, start: object, end: object, request: PageRequest
) -> CsatReport | CsatRangeProblem:
    """The report for the range the two inputs name (blank: the last 30 days), or what is wrong with them."""
    staff_scope(db, principal)
    try:
        first, last = parse_range(start, end)
    except PortalError as refused:
        return CsatRangeProblem(field=refused.field, message=refused.message)
    return csat_report(db, principal, first, last, request)


def csat_report(db: Session, principal: Principal, start: date, end: date, request: PageRequest) -> CsatReport:
    """CSAT of the staff member's organisation for ratings given from `start` to `end` (both included)."""
    organisation = staff_scope(db, principal).organisation
    rated = _rated_in(organisation, start, end)
    distribution = dict.fromkeys(range(1, 6), 0)
    for stars, n in db.exec(
        select(Ticket.rating, func.count())
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(rated)
        .group_by(col(Ticket.rating))
    ).all():
        if stars in distribution:
            distribution[stars] = n
    count = sum(distribution.values())
    total = sum(stars * n for stars, n in distribution.items())
    happy = distribution[4] + distribution[5]
    comments, info = _comments(db, organisation, rated, request)
    return CsatReport(
        start=start.isoformat(),
        end=end.isoformat(),
        period=f"{show_date(start)} \u2013 {show_date(end)}",
        count=count,
        average=_average(total, count),
        satisfied=_share(happy, count),
        bars=_bars(distribution),
        agents=_agents(db, organisation, rated),
        comments=comments,
        info=info,
    )


def _rated_in(organisation: Organisation, start: date, end: date) -> ColumnElement[bool]:
    """Tickets of the organisation rated within the range (joined with their customer)."""
    since = datetime.combine(start, time.min, tzinfo=UTC)
    before = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    return (
        (col(Customer.organisation_id) == organisation.id)
        & col(Ticket.rating).is_not(None)
        & (col(Ticket.rated_at) >= since)
        & (col(Ticket.rated_at) < before)
    )


def _last_staff_reply() -> Subquery:
    """Each ticket's newest staff reply, internal notes aside (messages are written in order, so the highest id)."""
    latest = (
        select(TicketMessage.ticket_id, func.max(TicketMessage.id).label("message_id"))
        .where(col(TicketMessage.from_staff).is_(True), col(TicketMessage.internal).is_(False))
        .group_by(col(TicketMessage.ticket_id))
        .subquery()
    )
    return (
        select(latest.c.ticket_id, TicketMessage.author_name)
        .join(TicketMessage, col(TicketMessage.id) == latest.c.message_id)
        .subquery()
    )


def _agents(db: Session, organisation: Organisation, rated: ColumnElement[bool]) -> list[CsatAgentRow]:
    last = _last_staff_reply()
    author = func.coalesce(last.c.author_name, "")
    rows = db.exec(
        select(
            author,
            func.count(),
            func.sum(Ticket.rating),
            func.sum(case((col(Ticket.rating) >= SATISFIED, 1), else_=0)),
        )
        .select_from(Ticket)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .outerjoin(last, last.c.ticket_id == col(Ticket.id))
        .where(rated)
        .group_by(author)
    ).all()
    agents = [
        CsatAgentRow(
            agent=_agent_name(name, organisation),
            count=n,
            average=_average(total or 0, n),
            satisfied=_share(happy or 0, n),
        )
        for name, n, total, happy in rows
    ]
    return sorted(agents, key=lambda a: (a.agent == NO_STAFF_REPLY, -a.count, a.agent.casefold()))


def _comments(
    db: Session, organisation: Organisation, rated: ColumnElement[bool], request: PageRequest
) -> tuple[list[CsatComment], PageInfo]:
    with_comment = rated & (col(Ticket.rating_comment) != "")
    total = db.exec(
        select(func.count())
        .select_from(Ticket)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .where(with_comment)
    ).one()
    info = clamp(request, total)
    last = _last_staff_reply()
    rows = db.exec(
        select(Ticket, Customer.name, last.c.author_name)
        .join(Customer, col(Customer.id) == col(Ticket.customer_id))
        .outerjoin(last, last.c.ticket_id == col(Ticket.id))
        .where(with_comment)
        .order_by(col(Ticket.rated_at).desc(), col(Ticket.id).desc())
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    comments = [
        CsatComment(
            ticket_id=ticket.id,
            subject=ticket.subject,
            customer=customer_name,
            stars=ticket.rating or 0,
            comment=ticket.rating_comment,
            rated=show_date(ticket.rated_at),
            agent=_agent_name(author, organisation),
            href=f"{STAFF_ROUTE}/tickets/{ticket.id}",
        )
        for ticket, customer_name, author in rows
    ]
    return comments, info


def _agent_name(author: str | None, organisation: Organisation) -> str:
    """The reply's signature without the organisation ('Jamie Park (Northwind Fiber)' -> 'Jamie Park')."""
    if not author:
        return NO_STAFF_REPLY
    return author.removesuffix(f" ({organisation.name})") or author


def _bars(distribution: dict[int, int]) -> list[CsatBar]:
    """Five bars, 5 stars first, each as long as its count against the longest."""
    most = max(distribution.values(), default=0) or 1
    return [
        CsatBar(stars=stars, count=n, width=f"{round(100 * n / most)}%")
        for stars, n in sorted(distribution.items(), reverse=True)
    ]


def _average(total: int, count: int) -> str:
    return format_decimal(total / count, format="0.0", locale=safe_locale(None)) if count else NO_RATING


def _share(part: int, count: int) -> str:
    return format_percent(part / count, format="#,##0%", locale=safe_locale(None)) if count else NO_RATING


def _date(text: object, default: date, *, field: str) -> date:
    """The date a YYYY-MM-DD input names; blank (or absent) takes the default; anything else is refused."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return default
    value = text.strip() if isinstance(text, str) else ""
    with suppress(ValueError):
        if len(value) == ISO_DATE_LENGTH:
            return date.fromisoformat(value)
    raise PortalError(NOT_A_DATE, field=field)
