"""Help center in the browser: list, search and topic filter in the URL, ranking, article pages with
"Was this helpful?" and related articles, the no-results way to a ticket, hidden articles."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from portal_app.demo.help_articles import AGENCY_ARTICLES, ISP_ARTICLES
from portal_app.models import ArticleStatus, ArticleVisibility

from .helpers import DEMO, DEMO_PASSWORD, at_path, check_page, h1, sign_in, wait_hydrated

PUBLIC = [a for a in ISP_ARTICLES if a.visibility == ArticleVisibility.PUBLIC and a.status == ArticleStatus.PUBLISHED]
HIDDEN = [a for a in ISP_ARTICLES if a not in PUBLIC]
SPEED = next(a for a in PUBLIC if a.slug == "slow-internet-speed")


def _cards(page: Page):
    return page.locator("#help-results > li")


def _open_help(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Portal sections").get_by_role("link", name="Help", exact=True).click()
    expect(h1(page, "Help center")).to_be_visible()


def test_help_center_lists_public_articles_and_searches_by_url(page: Page) -> None:
    _open_help(page)
    expect(_cards(page)).to_have_count(len(PUBLIC))
    for hidden in HIDDEN + list(AGENCY_ARTICLES):
        expect(page.get_by_text(hidden.title)).to_have_count(0)
    first = _cards(page).first
    expect(first.get_by_role("heading", level=2)).to_have_text(sorted(a.title for a in PUBLIC)[0])
    expect(first).to_contain_text("Updated ")
    check_page(page, "help-center")

    wait_hydrated(page, "#help-q")
    page.get_by_label("Search the help center").fill("router")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(at_path("/portal/help", "q=router"))
    expect(_cards(page).first.get_by_role("heading", level=2)).to_have_text("Restarting your router")
    expected = [a for a in PUBLIC if "router" in (a.title + a.tags + a.body).lower()]
    expect(_cards(page)).to_have_count(len(expected))
    expect(page.get_by_role("status").filter(has_text="found")).to_have_text(f"{len(expected)} articles found")

    page.goto("/portal/help?q=zebra+crossing")
    expect(page.locator("#help-empty")).to_contain_text("No articles match “zebra crossing”")
    expect(page.get_by_label("Search the help center")).to_have_value("zebra crossing")
    ticket = page.locator("#help-empty").get_by_role("link", name="open a support ticket")
    expect(ticket).to_have_attribute("href", "/portal/support?subject=zebra+crossing")
    check_page(page, "help-center-empty")


def test_search_puts_title_matches_first_and_finds_word_forms(page: Page) -> None:
    _open_help(page)
    headings = _cards(page).get_by_role("heading", level=2)
    page.goto("/portal/help?q=wifi")
    expect(headings.nth(0)).to_have_text("Improving Wi-Fi coverage at home")  # "Wi-Fi" in the title
    expect(headings.nth(1)).to_have_text("Troubleshooting slow internet speed")
    expect(headings.nth(2)).to_have_text("Setting up parental controls")
    page.goto("/portal/help?q=refunded")
    expect(headings.nth(0)).to_have_text("Payment methods we accept")
    expect(headings.nth(1)).to_have_text("Reading your invoice")


def test_topic_chips_filter_and_keep_the_search(page: Page) -> None:
    _open_help(page)
    topics = page.get_by_role("navigation", name="Topics")
    topics.get_by_role("link", name="billing", exact=True).click()
    expect(page).to_have_url(at_path("/portal/help", "tag=billing"))
    billing = sorted(a.title for a in PUBLIC if "billing" in a.tags.split(", "))
    expect(_cards(page).get_by_role("heading", level=2)).to_have_text(billing)
    expect(topics.get_by_role("link", name="billing", exact=True)).to_have_attribute("aria-current", "true")

    wait_hydrated(page, "#help-q")
    page.get_by_label("Search the help center").fill("invoice")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(at_path("/portal/help", "q=invoice&tag=billing"))
    expect(_cards(page).first.get_by_role("heading", level=2)).to_have_text("Reading your invoice")

    topics.get_by_role("link", name="All topics").click()
    expect(page).to_have_url(at_path("/portal/help", "q=invoice"))
    expect(topics.get_by_role("link", name="All topics")).to_have_attribute("aria-current", "true")


def test_article_page_shows_sanitised_markdown_date_and_tags(page: Page) -> None:
    _open_help(page)
    page.get_by_role("link", name=SPEED.title).click()
    expect(page).to_have_url(at_path(f"/portal/help/{SPEED.slug}"))
    expect(h1(page, SPEED.title)).to_be_visible()
    article = page.locator("article")
    expect(article).to_contain_text(re.compile(r"Updated \w{3} \d{1,2}, \d{4}"))
    for tag in SPEED.tags.split(", "):
        expect(article.get_by_role("list", name="Tags").get_by_text(tag, exact=True)).to_be_visible()
    expect(article.get_by_role("heading", name="Measure first", level=2)).to_be_visible()
    expect(article.locator(".article-body ol > li")).to_have_count(3)
    link = article.get_by_role("link", name="our speed test page")
    expect(link).to_have_attribute("href", "https://northwind.example/speedtest")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    check_page(page, "help-article")

    page.get_by_role("link", name="← Back to the help center").click()
    expect(h1(page, "Help center")).to_be_visible()


def test_readers_say_whether_an_article_helped_and_find_related_ones(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto(f"/portal/help/{SPEED.slug}")
    expect(h1(page, SPEED.title)).to_be_visible()
    feedback = page.get_by_role("region", name="Was this helpful?")
    yes, no = feedback.get_by_role("button", name="Yes"), feedback.get_by_role("button", name="No")
    wait_hydrated(page, "#article-feedback button")
    yes.click()
    expect(feedback.get_by_role("status")).to_have_text("Thank you for your feedback.")
    expect(yes).to_have_attribute("aria-pressed", "true")
    no.click()  # a second answer replaces the first
    expect(no).to_have_attribute("aria-pressed", "true")
    expect(yes).to_have_attribute("aria-pressed", "false")
    check_page(page, "help-article-answered")
    page.reload()
    expect(page.get_by_role("region", name="Was this helpful?").get_by_role("button", name="No")).to_have_attribute(
        "aria-pressed", "true"
    )

    related = page.get_by_role("region", name="Related articles").get_by_role("link")
    expect(related).to_have_count(3)
    expect(related.first).to_have_text("Improving Wi-Fi coverage at home")  # shares wifi and router
    expect(related.filter(has_text=SPEED.title)).to_have_count(0)
    related.first.click()
    expect(h1(page, "Improving Wi-Fi coverage at home")).to_be_visible()


def test_draft_internal_and_other_providers_articles_are_not_found_by_url(page: Page) -> None:
    sign_in(page, DEMO, DEMO_PASSWORD)
    for hidden in [*HIDDEN, AGENCY_ARTICLES[0]]:
        page.goto(f"/portal/help/{hidden.slug}")
        expect(h1(page, "Article not found")).to_be_visible()
        expect(page.get_by_text(hidden.title)).to_have_count(0)
        expect(page.get_by_text(hidden.body[:30])).to_have_count(0)
    check_page(page, "help-article-not-found")
    page.get_by_role("link", name="← Back to the help center").click()
    expect(h1(page, "Help center")).to_be_visible()


def test_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_article(page: Page) -> None:
    page.goto(f"/portal/help/{SPEED.slug}")
    expect(page).to_have_url(re.compile(r"/portal/login\?next="))
    sign_in(page, DEMO, DEMO_PASSWORD, heading=SPEED.title)
