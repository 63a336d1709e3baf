"""Support tab: open a ticket with article suggestions, read and answer its thread, rate a resolved one."""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MULTI, check_page, h1, sign_in, wait_hydrated


def unique(subject: str) -> str:
    """A subject no other test uses, so tests do not depend on each other's tickets."""
    return f"{subject} {uuid.uuid4().hex[:6]}"


def _query(db_path: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


def _execute(db_path: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(db_path, timeout=30) as db:
        db.execute(sql, args)


def finish(db_path: Path, ticket_id: int, status: str, days_ago: int) -> None:
    """Resolve or close the ticket `days_ago` days ago, as staff would have."""
    when = (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M:%S.%f")
    _execute(
        db_path,
        "UPDATE ticket SET status = ?, resolved_at = ?, updated_at = ? WHERE id = ?",
        status,
        when,
        when,
        ticket_id,
    )


def tickets_titled(db_path: Path, subject: str) -> list[int]:
    return [row[0] for row in _query(db_path, "SELECT id FROM ticket WHERE subject = ?", subject)]


def open_ticket(page: Page, subject: str, description: str, priority: str = "Medium") -> None:
    """Fill and send the new-ticket form on the Support tab (already open)."""
    wait_hydrated(page, "#ticket-subject")
    page.fill("#ticket-subject", subject)
    page.fill("#ticket-description", description)
    page.select_option("#ticket-priority", priority)
    page.get_by_role("button", name="Send ticket").click()


def recent_tickets(page: Page):
    return page.get_by_role("list", name="Recent tickets")


def test_a_customer_opens_a_ticket_after_seeing_suggestions_and_replies(page: Page, portal_db: Path) -> None:
    subject = unique("Slow speed in the evening")
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    expect(h1(page, "Support")).to_be_visible()
    wait_hydrated(page, "#ticket-subject")

    page.locator("#ticket-subject").press_sequentially("Slow speed", delay=40)
    suggestions = page.get_by_role("region", name="Suggested articles")
    expect(suggestions).to_be_visible()
    links = suggestions.get_by_role("link")
    expect(links.first).to_be_visible()
    assert 1 <= links.count() <= 3
    expect(links.first).to_have_attribute("target", "_blank")
    expect(links.first).to_have_attribute("href", re.compile(r"^/portal/help/[a-z0-9-]+$"))
    check_page(page, "support-suggestions")

    page.fill("#ticket-subject", subject)
    page.fill("#ticket-description", "It drops to 5 Mbps after 7 pm.\nThe router was restarted twice.")
    page.select_option("#ticket-priority", "High")
    page.get_by_role("button", name="Send ticket").click()

    confirmation = page.get_by_role("status").filter(has_text="was created")
    expect(confirmation).to_contain_text(re.compile(r"Ticket #\d+ was created"))
    expect(recent_tickets(page).get_by_role("listitem").first).to_contain_text(subject)
    expect(page.locator("#ticket-subject")).to_have_value("")
    expect(page.locator("#ticket-description")).to_have_value("")
    (ticket_id,) = tickets_titled(portal_db, subject)
    assert f"#{ticket_id} " in confirmation.inner_text()
    expect(confirmation.get_by_role("link", name="View it")).to_have_attribute("href", f"/portal/support/{ticket_id}")
    row = _query(portal_db, "SELECT priority, source, status FROM ticket WHERE id = ?", ticket_id)[0]
    assert row == ("High", "Portal", "Open")
    check_page(page, "support")

    recent_tickets(page).get_by_role("link", name=subject).click()
    expect(h1(page, subject)).to_be_visible()
    conversation = page.get_by_role("list", name="Conversation")
    request = conversation.get_by_role("listitem").first
    expect(request).to_contain_text("Original request")
    assert "5 Mbps after 7 pm.\nThe router" in request.locator(".message-body").inner_text()

    wait_hydrated(page, "#reply-body")
    page.fill("#reply-body", "It happened again tonight.\n<b>not bold</b>")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").filter(has_text="Your reply was sent")).to_be_visible()
    last = conversation.get_by_role("listitem").last
    expect(last).to_contain_text("You")
    expect(last.locator(".message-body")).to_have_text("It happened again tonight.\n<b>not bold</b>")
    expect(last.locator("b")).to_have_count(0)
    expect(page.locator("#reply-body")).to_have_value("")
    check_page(page, "support-thread")


def test_sending_the_same_form_twice_creates_one_ticket(page: Page, portal_db: Path) -> None:
    subject = unique("Billing question")
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    wait_hydrated(page, "#ticket-subject")
    page.fill("#ticket-subject", subject)
    page.fill("#ticket-description", "Why did my invoice go up this month?")
    page.locator("#ticket-form").evaluate("form => { form.requestSubmit(); form.requestSubmit(); }")
    expect(page.get_by_role("status").filter(has_text="was created")).to_be_visible()
    expect(recent_tickets(page)).to_contain_text(subject)
    page.wait_for_timeout(1500)  # give a second ticket time to appear, if one were coming
    assert len(tickets_titled(portal_db, subject)) == 1
    expect(recent_tickets(page).get_by_text(subject)).to_have_count(1)


def test_an_empty_subject_is_refused_at_the_field_with_the_focus_there_and_the_draft_kept(
    page: Page, portal_db: Path
) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    description = f"Nothing works {uuid.uuid4().hex[:6]}"
    open_ticket(page, "   ", description)

    subject = page.locator("#ticket-subject")
    expect(page.locator("#ticket-subject-error")).to_have_text("Enter a subject.")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_have_attribute("aria-describedby", re.compile(r"(^| )ticket-subject-error( |$)"))
    expect(subject).to_be_focused()
    # No banner: the message is at the field (the attachments' refusal region is there, empty, to be announced).
    expect(page.locator("#ticket-form [role=alert]").filter(has_text=re.compile(r"\S"))).to_have_count(0)
    expect(page.locator("#ticket-description")).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#ticket-description")).to_have_value(description)
    assert _query(portal_db, "SELECT COUNT(*) FROM ticket WHERE description = ?", description) == [(0,)]
    check_page(page, "support-field-error")

    page.keyboard.type(unique("Nothing works"))
    page.get_by_role("button", name="Send ticket").click()
    expect(page.get_by_role("status").filter(has_text="was created")).to_be_visible()
    expect(page.locator("#ticket-subject-error")).to_have_text("")
    expect(page.locator("#ticket-subject")).to_have_attribute("aria-invalid", "false")


def test_fields_with_a_limit_count_characters_and_announce_only_near_it(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    wait_hydrated(page, "#ticket-subject")
    count, left = page.locator("#ticket-subject-count"), page.locator("#ticket-subject-left")
    expect(count).to_have_text("0 / 120")

    page.fill("#ticket-subject", "Slow speed")
    expect(count).to_have_text("10 / 120")
    expect(left).to_have_text("")
    page.fill("#ticket-subject", "x" * 110)
    expect(count).to_have_text("110 / 120")
    expect(left).to_have_text("10 characters left")
    expect(left).to_have_attribute("aria-live", "polite")
    page.locator("#ticket-subject").press_sequentially("y" * 20)
    expect(page.locator("#ticket-subject")).to_have_value("x" * 110 + "y" * 10)  # the browser stops at the limit
    expect(left).to_have_text("0 characters left")
    expect(page.locator("#ticket-description-count")).to_have_text("0 / 5000")


def test_a_subject_in_the_address_starts_the_form(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support?subject=" + quote("  wifi\u202e   drops at night\n" + " word" * 40))
    wait_hydrated(page, "#ticket-subject")
    value = page.locator("#ticket-subject").input_value()
    assert value.startswith("wifi drops at night word") and len(value) <= 120 and not value.endswith(" ")
    expect(page.locator("#ticket-subject-count")).to_have_text(f"{len(value)} / 120")


def test_on_a_phone_the_new_ticket_form_comes_before_the_tickets(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    wait_hydrated(page, "#ticket-subject")
    form, tickets = page.locator("#ticket-form").bounding_box(), recent_tickets(page).bounding_box()
    assert form["y"] < tickets["y"]
    assert page.locator("#ticket-subject").bounding_box()["y"] < 844  # on the first screen, no scrolling


def test_a_finished_ticket_reopens_by_reply_for_14_days_then_takes_a_follow_up(page: Page, portal_db: Path) -> None:
    subject = unique("Wi-Fi drops in the garage")
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    open_ticket(page, subject, "The extender loses its connection.")
    expect(page.get_by_role("status").filter(has_text="was created")).to_be_visible()
    (ticket_id,) = tickets_titled(portal_db, subject)

    finish(portal_db, ticket_id, "Resolved", days_ago=2)
    page.goto(f"/portal/support/{ticket_id}")
    expect(page.locator("#reopen-note")).to_contain_text("This ticket is resolved. Replying reopens it")
    wait_hydrated(page, "#reply-body")
    page.fill("#reply-body", "It dropped again this morning.")
    page.get_by_role("button", name="Reopen with this reply").click()
    expect(page.get_by_role("status").filter(has_text="Your reply was sent.")).to_be_visible()
    expect(page.locator("#reply-body")).to_have_value("")
    assert _query(portal_db, "SELECT status, resolved_at FROM ticket WHERE id = ?", ticket_id) == [("Open", None)]

    finish(portal_db, ticket_id, "Resolved", days_ago=15)
    page.reload()
    expect(page.get_by_text("more than 14 days have passed")).to_be_visible()
    expect(page.locator("#reply-body")).to_have_count(0)
    check_page(page, "support-follow-up-offer")
    page.get_by_role("link", name="Open a follow-up ticket").click()

    expect(h1(page, "Support")).to_be_visible()
    wait_hydrated(page, "#ticket-subject")
    expect(page.locator("#ticket-subject")).to_have_value(f"Follow-up to #{ticket_id}: {subject}")
    expect(page.locator("#follow-up-note").get_by_role("link")).to_have_attribute(
        "href", f"/portal/support/{ticket_id}"
    )
    page.fill("#ticket-description", "The garage extender drops again.")
    page.get_by_role("button", name="Send ticket").click()
    created = page.get_by_role("status").filter(has_text="was created")
    expect(created).to_be_visible()
    expect(page.locator("#follow-up-note")).to_have_count(0)  # the next ticket is a new one again
    assert len(_query(portal_db, "SELECT id FROM ticket WHERE follows_up_id = ?", ticket_id)) == 1

    created.get_by_role("link", name="View it").click()
    expect(h1(page, f"Follow-up to #{ticket_id}: {subject}")).to_be_visible()
    earlier = page.locator("#follows-up").get_by_role("link")
    expect(earlier).to_have_attribute("href", f"/portal/support/{ticket_id}")
    check_page(page, "support-follow-up-thread")
    earlier.click()
    expect(h1(page, subject)).to_be_visible()


def test_another_customer_gets_ticket_not_found_for_alex_s_ticket(page: Page, portal_db: Path) -> None:
    ((ticket_id, subject),) = _query(
        portal_db,
        "SELECT t.id, t.subject FROM ticket t JOIN customer c ON c.id = t.customer_id "
        "WHERE c.name = 'Alex Morgan' ORDER BY t.id LIMIT 1",
    )
    sign_in(page, MULTI, DEMO_PASSWORD)
    page.goto(f"/portal/support/{ticket_id}")
    expect(h1(page, "Ticket not found")).to_be_visible()
    expect(page.get_by_text(subject)).to_have_count(0)
    page.get_by_role("link", name="← Back to support").click()
    expect(h1(page, "Support")).to_be_visible()


def test_a_resolved_ticket_is_rated_with_the_keyboard(page: Page, portal_db: Path) -> None:
    rows = _query(
        portal_db,
        "SELECT t.id FROM ticket t JOIN customer c ON c.id = t.customer_id "
        "WHERE c.name = 'Alex Morgan' AND t.status = 'Resolved' AND t.rating IS NULL ORDER BY t.id LIMIT 1",
    )
    assert rows, "the demo customer needs a resolved ticket that is not rated yet"
    ticket_id = rows[0][0]
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto(f"/portal/support/{ticket_id}")
    rating = page.get_by_role("group", name="Rate this ticket")
    expect(rating).to_be_visible()
    expect(page.get_by_role("button", name="Send reply")).to_have_count(0)
    check_page(page, "support-rate")

    wait_hydrated(page, "#rating-comment")
    rating.get_by_role("radio", name="1 star", exact=True).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(rating.get_by_role("radio", name="4 stars")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("#rating-comment")).to_be_focused()
    page.keyboard.type("Fixed on the second try.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Submit rating")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("You rated this ticket 4 of 5")).to_be_visible()
    expect(page.get_by_text("Fixed on the second try.")).to_be_visible()
    expect(rating).to_have_count(0)
    assert _query(portal_db, "SELECT rating, rating_comment FROM ticket WHERE id = ?", ticket_id) == [
        (4, "Fixed on the second try.")
    ]
    page.reload()
    expect(page.get_by_text("You rated this ticket 4 of 5")).to_be_visible()


def test_all_tickets_are_listed_page_by_page(page: Page, portal_db: Path) -> None:
    ((total,),) = _query(
        portal_db,
        "SELECT COUNT(*) FROM ticket t JOIN customer c ON c.id = t.customer_id WHERE c.name = 'Alex Morgan'",
    )
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    page.get_by_role("link", name="All tickets").click()
    expect(h1(page, "All tickets")).to_be_visible()
    pages = page.get_by_role("navigation", name="Ticket pages")
    expect(pages).to_contain_text(f"Page 1 of {-(-total // 10)} ({total} in all)")
    expect(page.get_by_role("list", name="All tickets").get_by_role("listitem")).to_have_count(min(total, 10))
    check_page(page, "support-all")

    page.goto("/portal/support/all?page=99&size=abc")
    expect(page.get_by_role("status").filter(has_text="showing the nearest one")).to_be_visible()
    expect(pages).to_contain_text(f"Page {-(-total // 10)} of {-(-total // 10)}")


def test_a_customer_closes_their_ticket_after_confirming(page: Page, portal_db: Path) -> None:
    subject = unique("Cancel my static IP")
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/support")
    open_ticket(page, subject, "I no longer need it.", "Low")
    recent_tickets(page).get_by_role("link", name=subject).click()
    expect(h1(page, subject)).to_be_visible()

    wait_hydrated(page, "#reply-body")
    page.get_by_role("button", name="Close ticket").click()
    dialog = page.get_by_role("alertdialog", name="Close this ticket?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Keep it open").click()
    expect(dialog).to_have_count(0)
    assert _query(portal_db, "SELECT status FROM ticket WHERE subject = ?", subject) == [("Open",)]

    page.get_by_role("button", name="Close ticket").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Close ticket").click()
    expect(page.get_by_role("status").filter(has_text="The ticket is closed")).to_be_visible()
    expect(page.get_by_text("Closed", exact=True)).to_be_visible()
    expect(page.locator("#reopen-note")).to_contain_text("This ticket is closed. Replying reopens it")
    expect(page.get_by_role("button", name="Reopen with this reply")).to_be_visible()
    expect(page.get_by_role("button", name="Close ticket")).to_have_count(0)
    assert _query(portal_db, "SELECT status FROM ticket WHERE subject = ?", subject) == [("Closed",)]
