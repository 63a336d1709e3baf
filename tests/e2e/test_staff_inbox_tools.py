"""The agents' inbox tools in the browser: search, assign to self and the "Mine" filter, an internal note the
customer never sees, a help-article link inserted into the reply, and "Reply and resolve"; screenshots at desktop
and phone width, and the staff ticket page checked with axe in dark mode."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, MailSink, check_page, h1, page_problems, sign_in, wait_hydrated
from .test_staff import _staff_signs_in
from .test_support import open_ticket, recent_tickets, tickets_titled, unique

NOTE = "Checked the line test: the fault is at the cabinet."


def _conversation(page: Page):
    return page.get_by_role("list", name="Conversation")


def _notice(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def test_an_agent_searches_assigns_notes_links_an_article_and_replies_and_resolves(
    open_context: Callable[..., BrowserContext], portal_db: Path, smtp_server: MailSink
) -> None:
    subject = unique("Router keeps rebooting")
    token = subject.rsplit(" ", 1)[1]
    alex = open_context().new_page()
    sign_in(alex, DEMO, DEMO_PASSWORD)
    alex.goto("/portal/support")
    open_ticket(alex, subject, "It restarts every hour.", "High")
    expect(recent_tickets(alex)).to_contain_text(subject)
    (ticket_id,) = tickets_titled(portal_db, subject)

    staff = open_context().new_page()
    _staff_signs_in(staff)
    wait_hydrated(staff, "#inbox-search")
    staff.fill("#inbox-search", token.upper())  # any case
    staff.get_by_role("button", name="Search", exact=True).click()
    expect(staff).to_have_url(re.compile(rf"/staff/?\?q={token.upper()}"))
    tickets = staff.get_by_role("region", name="Tickets")
    expect(tickets.get_by_role("link", name=subject)).to_be_visible()
    expect(tickets.locator("tbody tr")).to_have_count(1)
    expect(tickets.locator("tbody tr")).to_contain_text("Unassigned")
    check_page(staff, "staff-inbox-search")
    tickets.get_by_role("link", name=subject).click()

    expect(h1(staff, subject)).to_be_visible()
    panel = staff.get_by_role("complementary", name="Customer")
    expect(panel).to_contain_text("Alex Morgan")
    expect(panel).to_contain_text("Balance due")
    expect(panel.get_by_role("heading", name="Other tickets")).to_be_visible()
    wait_hydrated(staff, "#ticket-assignee")
    me = staff.locator(".user-name").inner_text()
    staff.select_option("#ticket-assignee", label=me)
    expect(_notice(staff, "The assignee is saved.")).to_be_visible()

    staff.goto("/staff")
    staff.get_by_role("navigation", name="Filter by assignee").get_by_role("link", name="Mine").click()
    expect(staff).to_have_url(re.compile(r"/staff/?\?assignee=mine"))
    mine = staff.get_by_role("region", name="Tickets")
    expect(mine.get_by_role("link", name=subject)).to_be_visible()
    expect(mine.locator("tbody tr").filter(has_text=subject)).to_contain_text(me)
    mine.get_by_role("link", name=subject).click()
    expect(h1(staff, subject)).to_be_visible()

    wait_hydrated(staff, "#staff-note-body")
    mails_before = smtp_server.count()
    staff.fill("#staff-note-body", NOTE)
    staff.get_by_role("button", name="Add internal note").click()
    expect(_notice(staff, "Your internal note was added.")).to_be_visible()
    note = _conversation(staff).get_by_role("listitem").filter(has_text=NOTE)
    expect(note).to_contain_text("Internal note")
    expect(note.locator(".message-internal")).to_have_count(1)

    alex.goto(f"/portal/support/{ticket_id}")
    expect(_conversation(alex)).to_contain_text("It restarts every hour.")
    expect(alex.get_by_text(NOTE)).to_have_count(0)

    staff.fill("#article-search", "restart router")
    staff.get_by_role("button", name="Find articles").click()
    results = staff.locator("#article-results")
    expect(results).to_contain_text("Restarting your router")
    staff.fill("#staff-reply-body", "Please restart it once with this guide:")
    staff.locator("#staff-reply-body").press("End")
    results.get_by_role("button", name="Insert link to Restarting your router").click()
    expect(staff.locator("#staff-reply-body")).to_have_value(
        re.compile(r"this guide:\nRestarting your router: https?://\S+/portal/help/restart-your-router$")
    )
    check_page(staff, "staff-ticket-tools")
    staff.get_by_role("button", name="Reply and resolve").click()
    expect(_notice(staff, "Your reply was sent and the ticket is resolved.")).to_be_visible()
    expect(staff.locator("#staff-reply-body")).to_have_count(0)  # resolved: no more replies

    mail = smtp_server.wait_for(DEMO, after=mails_before)
    assert "/portal/help/restart-your-router" in mail.get_body(preferencelist=("plain",)).get_content()
    assert smtp_server.count() == mails_before + 1  # the note sent nothing; the reply one email

    alex.goto(f"/portal/support/{ticket_id}")
    expect(_conversation(alex)).to_contain_text("Restarting your router")
    expect(alex.get_by_text("Resolved").first).to_be_visible()
    expect(alex.get_by_text(NOTE)).to_have_count(0)


def test_the_staff_ticket_page_passes_axe_in_dark_mode(
    open_context: Callable[..., BrowserContext], portal_db: Path
) -> None:
    subject = unique("Dark mode check")
    alex = open_context().new_page()
    sign_in(alex, DEMO, DEMO_PASSWORD)
    alex.goto("/portal/support")
    open_ticket(alex, subject, "Just checking.")
    expect(recent_tickets(alex)).to_contain_text(subject)
    (ticket_id,) = tickets_titled(portal_db, subject)

    staff = open_context(color_scheme="dark").new_page()
    _staff_signs_in(staff)
    staff.goto(f"/staff/tickets/{ticket_id}")
    expect(h1(staff, subject)).to_be_visible()
    wait_hydrated(staff, "#staff-note-body")
    staff.fill("#staff-note-body", NOTE)
    staff.get_by_role("button", name="Add internal note").click()
    expect(_conversation(staff)).to_contain_text("Internal note")
    problems = page_problems(staff, "dark-staff-ticket")
    staff.goto("/staff")
    expect(staff.get_by_role("region", name="Tickets")).to_be_visible()
    problems += page_problems(staff, "dark-staff-inbox")
    assert not problems, "\n".join(problems)
