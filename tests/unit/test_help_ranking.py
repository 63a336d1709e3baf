"""Help search ranking, on SQLite and on PostgreSQL: title matches first, then tags, then text; word forms.

Each test runs twice (the `database` fixture): the two databases rank with their own index (FTS5 bm25,
tsvector ts_rank) and must agree on the groups and on the demo help center's answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from conftest import REPO
from factories import make_customer, make_organisation, make_user, principal_for
from sqlalchemy import text
from sqlmodel import Session

from portal_app.db import make_engine
from portal_app.demo.help_articles import seed_help_articles
from portal_app.models import Article, ArticleStatus, ArticleVisibility
from portal_app.services.help.articles import list_articles, suggest_articles
from portal_app.services.help.search import TITLE, matching_articles

BILLING_REFUNDS = {"payment-methods", "reading-your-invoice"}
WIFI_ARTICLES = ["wifi-coverage", "slow-internet-speed"]


def slugs(rows) -> list[str]:
    return [row.slug for row in rows]


@pytest.fixture
def org(database):
    return make_organisation(database, name="Northwind Fiber")


@pytest.fixture
def alex(database, org):
    return principal_for(database, make_user(database, customer=make_customer(database, org, name="Alex Morgan")))


@pytest.fixture
def demo(database, org):
    """The demo internet provider's help center (12 public articles, hidden ones too)."""
    seed_help_articles(database, org.id)
    database.commit()


def add(db, org, slug, title, *, body="Some text.", tags="", day=4):
    db.add(
        Article(
            organisation_id=org.id,
            slug=slug,
            title=title,
            body_markdown=body,
            tags=tags,
            visibility=ArticleVisibility.PUBLIC,
            status=ArticleStatus.PUBLISHED,
            updated_at=datetime(2026, 3, day, 12, 0, tzinfo=UTC),
        )
    )
    db.commit()


# --- the demo help center --------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["wifi", "WiFi", "Wi-Fi", "wi-fi"])
def test_wifi_lists_the_wifi_articles_before_parental_controls(database, alex, demo, query):
    found = slugs(list_articles(database, alex, query=query))
    assert found[:2] == WIFI_ARTICLES  # the Wi-Fi title first, then the Wi-Fi troubleshooting tagged wifi
    assert found.index("parental-controls") > 1


@pytest.mark.parametrize("query", ["refund", "refunds", "refunded", "Refunding"])
def test_refund_in_any_form_finds_the_billing_articles(database, alex, demo, query):
    found = slugs(list_articles(database, alex, query=query))
    assert found[0] == "payment-methods"  # tagged refunds: before the articles that only mention them
    assert set(found[:2]) == BILLING_REFUNDS
    assert "cancel-and-contract-terms" in found  # "any credit is refunded"


def test_ticket_subject_suggestions_use_the_same_ranking(database, alex, demo):
    refund = slugs(suggest_articles(database, alex, "Where is my refund?"))
    assert refund[:2] == ["payment-methods", "reading-your-invoice"]
    assert slugs(suggest_articles(database, alex, "wifi keeps dropping", limit=2)) == WIFI_ARTICLES


# --- the groups ------------------------------------------------------------------------------------


def test_a_title_match_comes_first_then_tags_then_text_whatever_the_text_says(database, org, alex):
    add(database, org, "text", "Getting started", body="Modem modem modem. The modem lights. Modem again.", day=9)
    add(database, org, "tagged", "Lights", body="Nothing here.", tags="modem", day=8)
    add(database, org, "titled", "Modem lights explained", body="Green is good.", day=1)
    assert slugs(list_articles(database, alex, query="modem")) == ["titled", "tagged", "text"]
    assert slugs(suggest_articles(database, alex, "modem blinking")) == ["titled", "tagged", "text"]


def test_every_word_in_the_title_outranks_words_spread_over_title_and_tags(database, org, alex):
    add(database, org, "spread", "Router lights", tags="fiber", day=9)
    add(database, org, "titled", "Fiber router lights", day=1)
    add(database, org, "in-text", "Lights", body="A fiber router.", day=9)
    assert slugs(list_articles(database, alex, query="fiber router")) == ["titled", "spread", "in-text"]


def test_within_a_group_the_latest_updated_comes_first_when_equally_relevant(database, org, alex):
    add(database, org, "older", "Router lights", day=1)
    add(database, org, "newer", "Router sounds", day=20)
    add(database, org, "middle", "Router smells", day=10)
    assert slugs(list_articles(database, alex, query="router")) == ["newer", "middle", "older"]


def test_word_forms_are_stemmed_and_the_last_word_is_a_prefix(database, org, alex):
    add(database, org, "refunds", "Refunds", body="We refunded it.")
    add(database, org, "restart", "Restarting the box")
    for query in ("refund", "refunds", "refunded", "refunding", "ref"):
        assert slugs(list_articles(database, alex, query=query)) == ["refunds"], query
    assert slugs(list_articles(database, alex, query="restarted box")) == ["restart"]


def test_hyphenated_words_match_written_together_or_apart(database, org, alex):
    add(database, org, "email", "Setting up e-mail", body="Any mail app.")
    add(database, org, "wifi", "WiFi names", body="Name your network.")
    assert slugs(list_articles(database, alex, query="email")) == ["email"]
    assert slugs(list_articles(database, alex, query="e-mail setting")) == ["email"]
    assert slugs(list_articles(database, alex, query="wi-fi")) == ["wifi"]
    assert slugs(list_articles(database, alex, query="setting mail")) == ["email"]  # its parts are indexed too


def test_the_search_can_look_in_the_title_only(database, org, alex):
    add(database, org, "titled", "Router lights")
    add(database, org, "tagged", "Lights", tags="router")
    assert slugs(matching_articles(database, org, "router", fields=TITLE)) == ["titled"]
    assert slugs(matching_articles(database, org, "router")) == ["titled", "tagged"]


# --- the migration ---------------------------------------------------------------------------------


def test_the_new_index_holds_the_articles_written_before_it(env, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'before.db'}"
    monkeypatch.setenv("REFLEX_DB_URL", url)
    config = Config(str(REPO / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "0014")
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            org = make_organisation(db, name="Northwind Fiber")
            add(db, org, "coverage", "Improving Wi-Fi coverage", body="Refunds are rare.")
        command.upgrade(config, "0015")
        with Session(engine) as db:
            assert slugs(matching_articles(db, org, "wifi")) == ["coverage"]
            assert slugs(matching_articles(db, org, "refunded")) == ["coverage"]
            db.exec(text("INSERT INTO article_fts(article_fts, rank) VALUES ('integrity-check', 1)"))
        command.downgrade(config, "0014")
        command.upgrade(config, "0015")
        with Session(engine) as db:
            assert slugs(matching_articles(db, org, "wi-fi coverage")) == ["coverage"]
    finally:
        engine.dispose()
