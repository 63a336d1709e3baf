"""Staff area: a staff member answers and resolves a customer's ticket; the rating reaches CSAT."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MailSink, at_path, check_page, first_link, h1, sign_in, wait_hydrated
from .test_support import open_ticket, recent_tickets, tickets_titled, unique

STAFF = "staff@example.com"


def _csat(page: Page) -> tuple[int, int]:
    """(rated tickets, tickets rated 4 stars) as the CSAT card shows them."""
    count = int(re.search(r"average of (\d+) rated", page.locator("#csat-average").inner_text()).group(1))
    four = page.locator("#csat-distribution tr").filter(has=page.locator("th", has_text="4 ★"))
    return count, int(four.locator("td.num").inner_text())


def _staff_signs_in(page: Page) -> None:
    page.goto("/staff")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff"))
    sign_in(page, STAFF, DEMO_PASSWORD, heading="Support inbox")
    expect(page).to_have_url(at_path("/staff"))
    expect(page.get_by_text("Staff · Northwind Fiber")).to_be_visible()


def test_staff_answer_and_resolve_a_ticket_and_the_rating_reaches_csat(
    open_context: Callable[..., BrowserContext], portal_db: Path, smtp_server: MailSink
) -> None:
    subject = unique("No connection since the storm")
    alex = open_context().new_page()
    sign_in(alex, DEMO, DEMO_PASSWORD)
    alex.goto("/portal/support")
    open_ticket(alex, subject, "The fibre light is red.\nSince last night.", "High")
    expect(recent_tickets(alex)).to_contain_text(subject)
    (ticket_id,) = tickets_titled(portal_db, subject)

    staff = open_context().new_page()
    _staff_signs_in(staff)
    tickets = staff.get_by_role("region", name="Tickets")
    expect(tickets).to_contain_text(subject)
    rated_before, fours_before = _csat(staff)
    check_page(staff, "staff-inbox")

    staff.get_by_role("navigation", name="Filter by status").get_by_role("link", name="Resolved").click()
    expect(staff).to_have_url(re.compile(r"/staff/?\?status=Resolved"))
    expect(staff.locator(".filter-chip-current").first).to_have_text("Resolved")
    expect(staff.get_by_text(subject)).to_have_count(0)
    staff.get_by_role("navigation", name="Filter by status").get_by_role("link", name="Open", exact=True).click()
    expect(staff.locator(".filter-chip-current").first).to_have_text("Open")
    staff.get_by_role("navigation", name="Filter by source").get_by_role("link", name="Portal").click()
    expect(staff).to_have_url(re.compile(r"/staff/?\?status=Open&source=Portal"))
    tickets.get_by_role("link", name=subject).click()

    expect(h1(staff, subject)).to_be_visible()
    expect(staff.get_by_text("Customer: Alex Morgan")).to_be_visible()
    wait_hydrated(staff, "#staff-reply-body")
    mails_before = smtp_server.count()
    staff.fill("#staff-reply-body", "Sorry about that.\nA technician is on the way.")
    staff.get_by_role("button", name="Send reply").click()
    expect(staff.get_by_role("status").filter(has_text="Your reply was sent")).to_be_visible()
    expect(staff.get_by_role("list", name="Conversation")).to_contain_text("A technician is on the way.")
    check_page(staff, "staff-thread")
    mail = smtp_server.wait_for(DEMO, after=mails_before)
    assert first_link(mail).endswith(f"/portal/support/{ticket_id}")

    alex.goto(f"/portal/support/{ticket_id}")
    staff_message = alex.get_by_role("list", name="Conversation").get_by_role("listitem").last
    expect(staff_message).to_contain_text("A technician is on the way.")
    expect(staff_message.locator(".message-meta")).to_contain_text("Staff")
    expect(staff_message.locator(".message-staff")).to_have_count(1)
    expect(alex.get_by_text("Awaiting your reply").first).to_be_visible()

    staff.get_by_role("button", name="Resolve", exact=True).click()
    expect(staff.get_by_role("status").filter(has_text="The ticket is now Resolved")).to_be_visible()
    expect(staff.get_by_role("button", name="Reopen")).to_be_visible()

    alex.reload()
    rating = alex.get_by_role("group", name="Rate this ticket")
    expect(rating).to_be_visible()
    wait_hydrated(alex, "#rating-comment")
    rating.get_by_role("radio", name="4 stars").check()
    alex.get_by_role("button", name="Submit rating").click()
    expect(alex.get_by_text("You rated this ticket 4 of 5")).to_be_visible()

    staff.goto("/staff")
    expect(staff.locator("#csat-average")).to_contain_text(f"average of {rated_before + 1} rated")
    assert _csat(staff) == (rated_before + 1, fours_before + 1)


def test_a_customer_visiting_the_staff_area_is_told_it_is_for_staff(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/staff")
    expect(page.get_by_text("This area is for the provider's staff.")).to_be_visible()
    expect(page.get_by_role("region", name="Tickets")).to_have_count(0)
    page.goto("/staff/tickets/1")
    expect(page.get_by_text("This area is for the provider's staff.")).to_be_visible()
    check_page(page, "staff-not-staff")
