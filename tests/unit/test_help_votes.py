"""Under an article: “Was this helpful?” (one answer per person, counts for staff) and related articles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from reflex.state import State
from sqlalchemy import event
from sqlmodel import select
from test_handler_guards import cookies_of

from portal_app.errors import PortalError
from portal_app.models import Article, ArticleStatus, ArticleVisibility, ArticleVote
from portal_app.services.access import NotLinked
from portal_app.services.accounts import sessions
from portal_app.services.common.pagination import PageRequest
from portal_app.services.help import admin
from portal_app.services.help.articles import NOT_RATEABLE, article, article_page, rate_article
from portal_app.services.help.votes import CHOOSE_AN_ANSWER, THANKS
from portal_app.state.help import ArticleState, new_ticket_href

PUBLIC, INTERNAL = ArticleVisibility.PUBLIC, ArticleVisibility.INTERNAL
PUBLISHED, DRAFT = ArticleStatus.PUBLISHED, ArticleStatus.DRAFT


def add(db, org, slug, title, *, tags="", body="Some text.", visibility=PUBLIC, status=PUBLISHED, day=4):
    row = Article(
        organisation_id=org.id,
        slug=slug,
        title=title,
        body_markdown=body,
        tags=tags,
        visibility=visibility,
        status=status,
        updated_at=datetime(2026, 3, day, 12, 0, tzinfo=UTC),
    )
    db.add(row)
    db.commit()
    return row


def customer_of(db, org, email):
    return principal_for(db, make_user(db, email=email, customer=make_customer(db, org, name=email)))


def votes(db) -> list[tuple[int, int, bool]]:
    db.expire_all()
    return [(v.article_id, v.portal_user_id, v.helpful) for v in db.exec(select(ArticleVote)).all()]


@pytest.fixture
def org(db):
    return make_organisation(db, slug="northwind", name="Northwind Fiber")


@pytest.fixture
def alex(db, org):
    return customer_of(db, org, "alex@example.com")


@pytest.fixture
def router(db, org):
    return add(db, org, "restart-router", "Restarting your router", tags="router, troubleshooting")


@pytest.fixture
def staff(db, org):
    return principal_for(db, make_user(db, email="jamie@northwind.example", staff_organisation_id=org.id))


# --- “Was this helpful?” ---------------------------------------------------------------------------


def test_one_answer_per_person_and_a_new_answer_replaces_the_last(db, alex, router):
    assert article(db, alex, router.slug).answer == ""
    assert rate_article(db, alex, router.slug, "yes") == THANKS
    db.commit()
    assert article(db, alex, router.slug).answer == "yes"
    assert rate_article(db, alex, router.slug, "no") == THANKS
    rate_article(db, alex, router.slug, "no")
    db.commit()
    assert votes(db) == [(router.id, alex.user_id, False)]
    assert article(db, alex, router.slug).answer == "no"


def test_staff_see_how_many_found_it_helpful_in_the_list_and_the_editor(db, org, alex, router, staff):
    other = add(db, org, "slow-speed", "Slow speed", day=1)
    bea, cem = customer_of(db, org, "bea@example.com"), customer_of(db, org, "cem@example.com")
    for person, answer in ((alex, "yes"), (bea, "no"), (cem, "yes"), (bea, "yes")):
        rate_article(db, person, router.slug, answer)
        db.commit()
    rows, _info = admin.list_articles(db, staff, PageRequest())
    assert {row.slug: row.helpful for row in rows} == {
        "restart-router": "3 of 3 found it helpful",
        "slow-speed": "No votes yet",
    }
    rate_article(db, cem, router.slug, "no")
    db.commit()
    assert admin.get_article(db, staff, router.id).helpful == "2 of 3 found it helpful"
    assert admin.get_article(db, staff, other.id).helpful == "No votes yet"


@pytest.mark.parametrize(
    ("slug", "visibility", "status", "elsewhere"),
    [
        ("draft", PUBLIC, DRAFT, False),
        ("internal", INTERNAL, PUBLISHED, False),
        ("internal-draft", INTERNAL, DRAFT, False),
        ("other-provider", PUBLIC, PUBLISHED, True),
    ],
)
def test_answers_under_hidden_or_foreign_articles_are_refused(db, org, alex, slug, visibility, status, elsewhere):
    owner = make_organisation(db, name="Harbor Web Studio") if elsewhere else org
    add(db, owner, slug, "Hidden", visibility=visibility, status=status)
    with pytest.raises(PortalError) as refused:
        rate_article(db, alex, slug, "yes")
    assert refused.value.message == NOT_RATEABLE
    assert votes(db) == []


@pytest.mark.parametrize("slug", ["nope", "", "../restart-router", "Restart-Router", 7, None, "x" * 500])
def test_an_answer_under_an_unknown_address_is_refused(db, alex, router, slug):
    with pytest.raises(PortalError, match="cannot be rated"):
        rate_article(db, alex, slug, "yes")
    assert votes(db) == []


@pytest.mark.parametrize("answer", ["maybe", "", "YES", " yes", None, True, 1, ["yes"]])
def test_only_yes_or_no_is_an_answer(db, alex, router, answer):
    with pytest.raises(PortalError) as refused:
        rate_article(db, alex, router.slug, answer)
    assert refused.value.message == CHOOSE_AN_ANSWER
    assert votes(db) == []


def test_a_person_not_linked_to_a_customer_cannot_answer(db, org, router, staff):
    with pytest.raises(NotLinked):
        rate_article(db, staff, router.slug, "yes")
    assert votes(db) == []


def rate_in_page(token: str, slug: str, answer: str) -> ArticleState:
    """The article page's state for a browser with this session, after clicking an answer."""
    root = State(_reflex_internal_init=True)
    state = root.get_substate(ArticleState.get_full_name().split(".")[1:])
    cookies_of(state).browser_token = token
    state.slug = slug
    asyncio.run(ArticleState.event_handlers["rate"].fn(state, answer))
    return state


def test_the_page_thanks_the_reader_or_says_why_not(db, org, router):
    user = make_user(db, email="dana@example.com", customer=make_customer(db, org, name="Dana"))
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    state = rate_in_page(token, router.slug, "yes")
    assert (state.vote_notice, state.vote_error, state.answer) == (THANKS, "", "yes")
    state = rate_in_page(token, router.slug, "perhaps")
    assert (state.vote_notice, state.vote_error, state.answer) == ("", CHOOSE_AN_ANSWER, "")
    hidden = add(db, org, "hidden", "Hidden", status=DRAFT)
    state = rate_in_page(token, hidden.slug, "no")
    assert (state.vote_notice, state.vote_error) == ("", NOT_RATEABLE)
    assert votes(db) == [(router.id, user.id, True)]


# --- related articles ------------------------------------------------------------------------------


def test_related_articles_share_the_most_tags_then_title_words_and_never_the_article_itself(db, org, alex):
    add(db, org, "speed", "Troubleshooting slow speed", tags="speed, wifi, router")
    add(db, org, "coverage", "Wi-Fi coverage", tags="wifi, router", day=2)
    add(db, org, "parental", "Parental controls", tags="wifi", day=9)
    add(db, org, "upgrade", "Upgrading for more speed", tags="plan", day=9)
    add(db, org, "troubleshooting-email", "Troubleshooting email", tags="email", day=1)
    add(db, org, "invoice", "Reading your invoice", tags="billing")
    assert [c.slug for c in article(db, alex, "speed").related] == ["coverage", "parental", "troubleshooting-email"]
    assert [c.slug for c in article(db, alex, "upgrade").related] == ["speed"]  # no tag shared: a title word
    assert article(db, alex, "invoice").related == []


def test_related_articles_are_only_public_published_ones_of_the_provider(db, org, alex):
    add(db, org, "speed", "Slow speed", tags="speed")
    add(db, org, "draft", "Speed draft", tags="speed", status=DRAFT)
    add(db, org, "internal", "Speed playbook", tags="speed", visibility=INTERNAL)
    add(db, make_organisation(db, name="Harbor Web Studio"), "elsewhere", "Speed elsewhere", tags="speed")
    add(db, org, "shown", "Speed test", tags="speed")
    related = article(db, alex, "speed").related
    assert [c.slug for c in related] == ["shown"]
    assert related[0].href == "/portal/help/shown"


def test_the_article_page_is_one_call_of_a_few_statements(db, org, alex, router):
    add(db, org, "coverage", "Router placement", tags="router")
    statements: list[str] = []
    engine = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = article_page(db, alex, router.slug)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page is not None and [c.slug for c in page.related] == ["coverage"] and page.answer == ""
    assert len(statements) <= 7, statements


# --- no results ------------------------------------------------------------------------------------


def test_the_no_results_link_opens_a_ticket_about_the_words_searched_for():
    assert new_ticket_href("refund for May & June") == "/portal/support?subject=refund+for+May+%26+June"
    assert new_ticket_href("") == "/portal/support"
