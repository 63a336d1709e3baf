"""Reports → CSAT: average, distribution, satisfied share, per agent and comments over a date range, for the
staff member's organisation only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_customer, make_organisation, make_user, principal_for

from portal_app.errors import PortalError
from portal_app.models import Customer, Ticket, TicketMessage, TicketStatus
from portal_app.services.access import NotStaff
from portal_app.services.common.pagination import PageRequest
from portal_app.services.support import csat

TODAY = date(2026, 11, 30)
IN_RANGE = (date(2026, 11, 1), date(2026, 11, 30))


def rated(db, customer: Customer, stars: int, on: date, *, comment: str = "", replies: tuple[str, ...] = ()) -> Ticket:
    """A resolved ticket rated on that day, with staff replies signed by `replies` (in order)."""
    when = datetime(on.year, on.month, on.day, 15, 0, tzinfo=UTC)
    ticket = Ticket(
        customer_id=customer.id,
        subject=f"{stars} stars on {on}",
        description="Help",
        status=TicketStatus.RESOLVED,
        resolved_at=when - timedelta(hours=2),
        rating=stars,
        rating_comment=comment,
        rated_at=when,
    )
    db.add(ticket)
    db.flush()
    for hours, author in enumerate(replies):
        db.add(
            TicketMessage(
                ticket_id=ticket.id,
                from_staff=True,
                author_name=author,
                body="Reply",
                created_at=when - timedelta(hours=10 - hours),
            )
        )
    db.add(TicketMessage(ticket_id=ticket.id, author_name="Customer", body="Thanks", created_at=when))
    db.commit()
    return ticket


@pytest.fixture
def ratings(db, acme, bakery):
    jamie, robin = "Jamie Park (Acme Broadband)", "Robin Reyes (Acme Broadband)"
    rated(db, bakery, 5, date(2026, 11, 2), comment="Quick fix, thanks!", replies=(jamie,))
    rated(db, bakery, 4, date(2026, 11, 10), replies=(robin, jamie))
    rated(db, bakery, 2, date(2026, 11, 20), comment="Took a week.", replies=(jamie, robin))
    rated(db, bakery, 1, date(2026, 11, 30), comment="Nobody answered.")
    rated(db, bakery, 3, date(2026, 10, 31), comment="Before the range.", replies=(jamie,))
    elsewhere = make_customer(db, make_organisation(db, name="Harbor"), name="Harbor client")
    rated(db, elsewhere, 1, date(2026, 11, 15), comment="Another provider's customer.")


def test_totals_distribution_and_satisfied_share_in_the_range(db, jamie, ratings):
    report = csat.csat_report(db, jamie, *IN_RANGE, PageRequest())
    assert (report.count, report.average, report.satisfied) == (4, "3.0", "50%")
    assert [(b.stars, b.count, b.width) for b in report.bars] == [
        (5, 1, "100%"),
        (4, 1, "100%"),
        (3, 0, "0%"),
        (2, 1, "100%"),
        (1, 1, "100%"),
    ]
    assert report.period == "Nov 1, 2026 \u2013 Nov 30, 2026"
    assert (report.start, report.end) == ("2026-11-01", "2026-11-30")


def test_each_rating_counts_for_whoever_last_replied(db, jamie, ratings):
    report = csat.csat_report(db, jamie, *IN_RANGE, PageRequest())
    assert [(a.agent, a.count, a.average, a.satisfied) for a in report.agents] == [
        ("Jamie Park", 2, "4.5", "100%"),
        ("Robin Reyes", 1, "2.0", "0%"),
        ("No staff reply", 1, "1.0", "0%"),
    ]


def test_comments_newest_first_with_ticket_links_paged(db, jamie, ratings):
    report = csat.csat_report(db, jamie, *IN_RANGE, PageRequest(number=1, size=10))
    assert [(c.stars, c.comment, c.agent, c.rated) for c in report.comments] == [
        (1, "Nobody answered.", "No staff reply", "Nov 30, 2026"),
        (2, "Took a week.", "Robin Reyes", "Nov 20, 2026"),
        (5, "Quick fix, thanks!", "Jamie Park", "Nov 2, 2026"),
    ]
    assert report.comments[0].href == f"/staff/tickets/{report.comments[0].ticket_id}"
    assert report.comments[0].customer == "Riverside Bakery"
    second = csat.csat_report(db, jamie, *IN_RANGE, PageRequest(number=2, size=10))
    assert second.info.number == 1  # past the end: the nearest page
    assert second.info.total_rows == 3


def test_the_range_decides_which_ratings_count(db, jamie, ratings):
    october = csat.csat_report(db, jamie, date(2026, 10, 1), date(2026, 10, 31), PageRequest())
    assert (october.count, october.average, [c.comment for c in october.comments]) == (1, "3.0", ["Before the range."])
    one_day = csat.csat_report(db, jamie, date(2026, 11, 30), date(2026, 11, 30), PageRequest())
    assert one_day.count == 1  # the end day is included
    empty = csat.csat_report(db, jamie, date(2025, 1, 1), date(2025, 1, 31), PageRequest())
    assert (empty.count, empty.average, empty.satisfied, empty.agents, empty.comments) == (
        0,
        "\u2014",
        "\u2014",
        [],
        [],
    )
    assert [b.width for b in empty.bars] == ["0%"] * 5


def test_other_organisations_ratings_are_never_counted(db, ratings):
    harbor = make_organisation(db, slug="harbor2", name="Harbor Two")
    pat = principal_for(db, make_user(db, email="pat@harbor.example", staff_organisation_id=harbor.id))
    report = csat.csat_report(db, pat, *IN_RANGE, PageRequest())
    assert (report.count, report.comments) == (0, [])


def test_customers_are_refused(db, bea, ratings):
    with pytest.raises(NotStaff):
        csat.csat_report(db, bea, *IN_RANGE, PageRequest())


def test_default_range_is_the_last_30_days_and_bad_ranges_are_refused_at_the_field():
    assert csat.default_range(TODAY) == (date(2026, 11, 1), TODAY)
    assert csat.parse_range("", None, TODAY) == (date(2026, 11, 1), TODAY)
    assert csat.parse_range(" 2026-01-05 ", "2026-02-01", TODAY) == (date(2026, 1, 5), date(2026, 2, 1))
    for start, end, field, reason in [
        ("2026-13-01", "", "start", "Enter a date like"),
        ("yesterday", "", "start", "Enter a date like"),
        ("", "20261130", "end", "Enter a date like"),
        ("", {"not": "text"}, "end", "Enter a date like"),
        ("2026-11-30", "2026-11-01", "start", "on or before the end date"),
        ("2010-01-01", "2026-11-30", "start", "at most five years"),
    ]:
        with pytest.raises(PortalError, match=reason) as refused:
            csat.parse_range(start, end, TODAY)
        assert refused.value.field == field
