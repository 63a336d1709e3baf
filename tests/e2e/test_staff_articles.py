"""Staff write, preview, publish and unpublish a help article; the customer finds it, then no longer does."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, REPO, at_path, check_page, h1, sign_in, wait_hydrated

STAFF = "staff@example.com"
STAFF_NAME = "Jamie Park"
NORTHWIND = "Northwind Fiber"


def _query(db_path: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def staff_user(portal_db: Path) -> str:
    """The demo staff user; made with `cli create-staff` when the demo data lacks one (skipped without either)."""
    if _query(portal_db, "SELECT id FROM portaluser WHERE email = ? AND staff_organisation_id IS NOT NULL", STAFF):
        return STAFF
    slug = _query(portal_db, "SELECT slug FROM organisation WHERE name = ?", NORTHWIND)
    if not slug:
        pytest.skip(f"no staff user {STAFF} and no {NORTHWIND} organisation in the demo data to create one for")
    env = {
        **os.environ,
        "REFLEX_DB_URL": f"sqlite:///{portal_db}",
        "PORTAL_STAFF_PASSWORD": DEMO_PASSWORD,
    }
    command = [sys.executable, "-m", "portal_app.cli", "create-staff", "--org", slug[0][0], "--email", STAFF]
    done = subprocess.run(
        [*command, "--name", STAFF_NAME], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        pytest.skip(f"no demo staff user and `cli create-staff` failed ({done.returncode}): {done.stderr[-300:]}")
    return STAFF


def _staff_opens_articles(page: Page, email: str) -> None:
    page.goto("/staff/articles")
    expect(page).to_have_url(re.compile(r"/portal/login/?\?next=%2Fstaff%2Farticles"))
    sign_in(page, email, DEMO_PASSWORD, heading="Help articles")
    expect(page).to_have_url(at_path("/staff/articles"))


def _search_help(page: Page, words: str) -> None:
    page.goto(f"/portal/help?q={words}")
    expect(h1(page, "Help center")).to_be_visible()
    expect(page.get_by_label("Search the help center")).to_have_value(words)


def test_staff_publish_an_article_customers_find_it_and_unpublishing_hides_it(
    open_context: Callable[..., BrowserContext], staff_user: str
) -> None:
    token = f"kb{uuid.uuid4().hex[:8]}"
    title = f"Resetting the fibre box {token}"
    staff = open_context().new_page()
    _staff_opens_articles(staff, staff_user)
    articles = staff.get_by_role("region", name="Articles")
    expect(articles.get_by_role("link", name="Restarting your router")).to_be_visible()  # demo articles, any status
    check_page(staff, "staff-articles")

    staff.get_by_role("link", name="New article").click()
    expect(h1(staff, "New article")).to_be_visible()
    wait_hydrated(staff, "#article-body")
    staff.get_by_label("Title").fill(title)
    staff.get_by_label("Tags").fill("fibre, router")
    staff.get_by_label("Article text").fill(
        "Hold the **reset** button for ten seconds.\n\n## When the light stays red\n\n1. Check the cable\n\n<b>x</b>"
    )
    preview = staff.locator("#article-preview")
    expect(preview.get_by_role("heading", name="When the light stays red", level=2)).to_be_visible()
    expect(preview.locator("strong")).to_have_text("reset")
    expect(preview).to_contain_text("<b>x</b>")  # raw HTML stays text
    staff.mouse.move(0, 0)  # no hover colours in the contrast check
    check_page(staff, "staff-article-new")

    staff.get_by_role("button", name="Publish").click()
    expect(staff).to_have_url(re.compile(r"/staff/articles/\d+/?$"))
    expect(h1(staff, title)).to_be_visible()
    expect(staff.get_by_role("status").filter(has_text="Published: customers can now find it")).to_be_visible()
    expect(staff.locator("#article-meta")).to_contain_text("Published")
    expect(staff.get_by_role("link", name="View in the help center")).to_have_attribute(
        "href", re.compile(rf"/portal/help/resetting-the-fibre-box-{token}$")
    )
    expect(staff.get_by_label("Title")).to_have_value(title)
    check_page(staff, "staff-article-published")

    alex = open_context().new_page()
    sign_in(alex, DEMO, DEMO_PASSWORD)
    _search_help(alex, token)
    cards = alex.locator("#help-results > li")
    expect(cards).to_have_count(1)
    cards.get_by_role("link", name=title).click()
    expect(h1(alex, title)).to_be_visible()
    expect(alex.get_by_role("heading", name="When the light stays red", level=2)).to_be_visible()
    wait_hydrated(alex, "#article-feedback button")
    alex.get_by_role("region", name="Was this helpful?").get_by_role("button", name="Yes").click()
    expect(alex.get_by_text("Thank you for your feedback.")).to_be_visible()
    staff.reload()
    expect(staff.locator("#article-helpful")).to_have_text("1 of 1 found it helpful")

    staff.get_by_role("button", name="Unpublish").click()
    expect(staff.get_by_role("status").filter(has_text="Unpublished")).to_be_visible()
    expect(staff.locator("#article-meta")).to_contain_text("Draft")
    expect(staff.get_by_role("button", name="Publish")).to_be_visible()

    _search_help(alex, token)
    expect(alex.locator("#help-empty")).to_contain_text(f"No articles match “{token}”")
    alex.goto(f"/portal/help/resetting-the-fibre-box-{token}")
    expect(h1(alex, "Article not found")).to_be_visible()

    staff.get_by_role("link", name="← Back to the articles").click()
    expect(h1(staff, "Help articles")).to_be_visible()
    row = articles.get_by_role("row").filter(has=staff.get_by_role("link", name=title))
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("1 of 1 found it helpful")


def test_invalid_article_shows_what_to_fix_and_customers_get_nothing_of_the_staff_area(
    open_context: Callable[..., BrowserContext], staff_user: str
) -> None:
    staff = open_context().new_page()
    _staff_opens_articles(staff, staff_user)
    staff.goto("/staff/articles/new")
    wait_hydrated(staff, "#article-slug")
    staff.get_by_label("Title").fill("Bad address")
    staff.get_by_label("Web address").fill("Not A Slug!")
    staff.get_by_role("button", name="Save draft").click()
    expect(staff.locator("#article-slug-problem")).to_contain_text("lower-case letters, digits and single hyphens")
    expect(staff.get_by_role("alert")).to_contain_text("The article was not saved")
    expect(staff.get_by_label("Title")).to_have_value("Bad address")  # the typing is kept
    staff.goto("/staff/articles/999999")
    expect(h1(staff, "Article not found")).to_be_visible()

    alex = open_context().new_page()
    sign_in(alex, DEMO, DEMO_PASSWORD)
    alex.goto("/staff/articles")
    expect(alex.locator("#not-staff")).to_be_visible()
    expect(alex.get_by_role("link", name="Restarting your router")).to_have_count(0)
