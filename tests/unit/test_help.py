"""Help center: only public published articles of the customer's own provider, search, tags, deflection, Markdown."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from conftest import REPO
from factories import make_customer, make_organisation, make_user, principal_for
from sqlalchemy import create_engine, event, func, literal_column, make_url, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, select

from portal_app.db import make_engine
from portal_app.demo.help_articles import AGENCY_ARTICLES, ISP_ARTICLES, seed_agency_articles, seed_help_articles
from portal_app.errors import NotFound
from portal_app.models import Article, ArticleStatus, ArticleVisibility, Organisation
from portal_app.services.access import NotLinked
from portal_app.services.help.articles import all_tags, article, list_articles, search_words, suggest_articles
from portal_app.services.help.markdown import excerpt, render_markdown
from portal_app.services.help.search import (
    PG_DOCUMENT,
    include_schema_object,
    matching_articles,
    search_terms,
    tsquery,
)
from portal_app.state.help import help_href, slug_from_path

PUBLIC, INTERNAL = ArticleVisibility.PUBLIC, ArticleVisibility.INTERNAL
PUBLISHED, DRAFT = ArticleStatus.PUBLISHED, ArticleStatus.DRAFT


def add(db, org, slug, title, *, body="Some text.", tags="", visibility=PUBLIC, status=PUBLISHED, updated=None):
    row = Article(
        organisation_id=org.id,
        slug=slug,
        title=title,
        body_markdown=body,
        tags=tags,
        visibility=visibility,
        status=status,
        updated_at=updated or datetime(2026, 3, 4, 12, 0, tzinfo=UTC),
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def org(db):
    return make_organisation(db, name="Northwind Fiber")


@pytest.fixture
def alex(db, org):
    return principal_for(db, make_user(db, customer=make_customer(db, org, name="Alex Morgan", locale="en_US")))


@pytest.fixture
def kb(db, org):
    """Public published articles plus hidden ones here and at another provider."""
    add(db, org, "restart-router", "Restarting your router", body="Unplug the router for 30 seconds.", tags="router")
    add(db, org, "slow-speed", "Slow speed", body="Restart the **router** first.\n\nThen test.", tags="speed, wifi")
    add(db, org, "wifi-coverage", "Wi-Fi coverage", body="Place it high up.", tags="wifi, router")
    add(db, org, "invoice", "Reading your invoice", body="The balance is what is left.", tags="billing")
    add(db, org, "secret-playbook", "Router escalation playbook", tags="router, internal", visibility=INTERNAL)
    add(db, org, "router-draft", "Router firmware draft", tags="router, beta", status=DRAFT)
    add(db, org, "internal-draft", "Router internal draft", tags="router", visibility=INTERNAL, status=DRAFT)
    other = make_organisation(db, name="Harbor Web Studio")
    add(db, other, "other-router", "Router guide of another provider", tags="router, agency")


def slugs(cards) -> list[str]:
    return [c.slug for c in cards]


# --- visibility ------------------------------------------------------------------------------------


def test_only_public_published_articles_of_the_customers_provider_are_listed(db, alex, kb):
    assert sorted(slugs(list_articles(db, alex))) == ["invoice", "restart-router", "slow-speed", "wifi-coverage"]
    assert sorted(slugs(list_articles(db, alex, query="router"))) == ["restart-router", "slow-speed", "wifi-coverage"]
    assert slugs(list_articles(db, alex, tag="beta")) == []
    assert slugs(list_articles(db, alex, tag="internal")) == []


@pytest.mark.parametrize("slug", ["secret-playbook", "router-draft", "internal-draft", "other-router", "nope"])
def test_hidden_or_foreign_articles_are_not_found_even_by_slug(db, alex, kb, slug):
    with pytest.raises(NotFound):
        article(db, alex, slug)


def test_hidden_articles_are_never_suggested_and_their_tags_never_shown(db, alex, kb):
    assert set(all_tags(db, alex)) == {"billing", "router", "speed", "wifi"}
    suggested = suggest_articles(db, alex, "router escalation playbook firmware agency", limit=10)
    assert "secret-playbook" not in slugs(suggested)
    assert "router-draft" not in slugs(suggested)
    assert "other-router" not in slugs(suggested)


def test_an_unlinked_person_gets_no_articles(db, kb):
    unlinked = principal_for(db, make_user(db))
    with pytest.raises(NotLinked):
        list_articles(db, unlinked)


def test_article_page_renders_markdown_with_date_and_tags(db, alex, kb):
    page = article(db, alex, "slow-speed")
    assert page.title == "Slow speed"
    assert "<strong>router</strong>" in page.html
    assert page.tags == ["speed", "wifi"]
    assert page.updated == "Mar 4, 2026"


def test_dates_follow_the_customers_locale(db, org, kb):
    german = principal_for(db, make_user(db, customer=make_customer(db, org, name="Jonas", locale="de_DE")))
    assert article(db, german, "slow-speed").updated == "04.03.2026"


# --- search and tags -------------------------------------------------------------------------------


def test_search_ranks_title_hits_above_tag_hits_above_body_hits(db, alex, kb):
    assert slugs(list_articles(db, alex, query="ROUTER")) == ["restart-router", "wifi-coverage", "slow-speed"]


def test_every_word_of_the_search_must_match(db, alex, kb):
    assert slugs(list_articles(db, alex, query="router wifi")) == ["wifi-coverage", "slow-speed"]
    assert slugs(list_articles(db, alex, query="router invoice")) == []


def test_plurals_find_the_singular(db, alex, kb):
    assert slugs(list_articles(db, alex, query="invoices")) == ["invoice"]


def test_tag_filter_matches_whole_tags_any_case_and_combines_with_search(db, alex, kb):
    assert slugs(list_articles(db, alex, tag="WiFi")) == ["slow-speed", "wifi-coverage"]
    assert slugs(list_articles(db, alex, tag="wi")) == []
    assert slugs(list_articles(db, alex, query="high", tag="wifi")) == ["wifi-coverage"]


def test_the_list_without_a_search_is_alphabetical_with_excerpts(db, alex, kb):
    cards = list_articles(db, alex)
    assert [c.title for c in cards] == [
        "Reading your invoice",
        "Restarting your router",
        "Slow speed",
        "Wi-Fi coverage",
    ]
    speed = cards[2]
    assert speed.excerpt == "Restart the router first. Then test."
    assert speed.href == "/portal/help/slow-speed"
    assert speed.tags == ["speed", "wifi"]


@pytest.mark.parametrize(
    "query",
    ["%", "_", "\\", "' OR 1=1 --", '"router', "🚀 router", "router\x00", "\x00", "%%__", "a" * 10_000, "   "],
)
def test_hostile_search_input_never_crashes_nor_matches_everything_by_wildcard(db, alex, kb, query):
    found = slugs(list_articles(db, alex, query=query))
    if "router" in query:
        assert set(found) <= {"restart-router", "slow-speed", "wifi-coverage"}
    elif query.strip() and query.strip("%_\\") == "":
        assert found == []
    list_articles(db, alex, tag=query)
    for tag in ("%", "_", "\\", ",", "%,%"):
        assert slugs(list_articles(db, alex, tag=tag)) == []


def test_search_words_are_capped_and_cleaned():
    assert search_words("Wi-Fi, slow   SPEEDS!") == ["wifi", "slow", "speeds"]  # the index stems word forms
    assert len(search_words(" ".join(f"w{i}" for i in range(50)))) == 8
    assert search_words("my router is slow", for_suggestions=True) == ["router", "slow"]


# --- the database's text index ---------------------------------------------------------------------


def test_search_runs_in_the_fts5_index_not_a_python_loop(db, org, alex, kb):
    statements: list[str] = []
    engine = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert slugs(list_articles(db, alex, query="router")) == ["restart-router", "wifi-coverage", "slow-speed"]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert any("article_fts MATCH" in sql and "bm25(" in sql for sql in statements)
    plan = db.exec(
        text("EXPLAIN QUERY PLAN SELECT rowid FROM article_fts WHERE article_fts MATCH :q"), params={"q": '"router"'}
    ).all()
    assert any("VIRTUAL TABLE INDEX" in str(row) for row in plan)


def test_a_word_in_the_title_outranks_the_same_word_repeated_in_the_text(db, org, alex):
    add(db, org, "text-heavy", "Getting started", body="Modem modem modem. The modem lights. Modem again.")
    add(db, org, "titled", "Modem lights explained", body="Green is good.")
    add(db, org, "tagged", "Lights", body="Nothing here.", tags="modem")
    assert slugs(list_articles(db, alex, query="modem")) == ["titled", "tagged", "text-heavy"]


def test_the_last_word_matches_as_a_prefix_and_word_forms_are_stemmed(db, org, alex, kb):
    assert slugs(list_articles(db, alex, query="rest")) == ["restart-router", "slow-speed"]
    assert slugs(list_articles(db, alex, query="restarted router")) == ["restart-router", "slow-speed"]
    assert slugs(list_articles(db, alex, query="rest router")) == []  # only the last word is a prefix


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "router*",
        "NEAR",
        "NEAR(router wifi)",
        "-router",
        "router -wifi",
        "router OR invoice",
        "router AND",
        "NOT router",
        "title:router",
        "^router",
        "{title tags}: router",
        "router\x00wifi",
        "\x00",
        "🚀",
        "🚀router",
        "Router\u0301",
        "(router",
        "'",
        "router' OR '1'='1",
        "router:*",
        "!router",
        "a" * 5000,
        " ".join(["router"] * 200),
    ],
)
def test_hostile_queries_are_only_ever_words(db, alex, kb, query):
    visible = {"invoice", "restart-router", "slow-speed", "wifi-coverage"}
    found = set(slugs(list_articles(db, alex, query=query)))
    suggested = set(slugs(suggest_articles(db, alex, query, limit=10)))
    assert found <= visible and suggested <= visible
    words = search_words(query)
    if words and all(w == "router" for w in words):
        assert found == {"restart-router", "slow-speed", "wifi-coverage"}
    if {"or", "near", "not", "and"} & set(words):  # operators are plain words that no article contains
        assert found == set()


def test_raw_user_text_reaches_the_index_only_as_quoted_words(db, org, kb):
    assert search_terms('"hi" NEAR(x) -y* OR z\x00 🚀 café_au_lait') == [
        "hi",
        "near",
        "x",
        "y",
        "or",
        "z",
        "café",
        "au",
    ]
    assert tsquery(["wi", "fi"], any_word=False) == "'wi' & 'fi':*"
    for raw in ['"', "*", "NEAR(", "OR", "-", "\x00", "🚀", "' OR 1=1 --", ")", "AND NOT"]:
        assert matching_articles(db, org, raw) == []  # no article has the words "or", "near", "and", "not"
        assert matching_articles(db, org, raw, any_word=True) == []


def test_the_index_follows_edits_and_deletions(db, org, alex, kb):
    row = db.exec(select(Article).where(Article.slug == "invoice")).one()
    row.title, row.body_markdown, row.tags = "Understanding your bill", "Charges explained.", "statements"
    db.add(row)
    db.commit()
    assert slugs(list_articles(db, alex, query="reading")) == []
    assert slugs(list_articles(db, alex, query="balance")) == []
    assert slugs(list_articles(db, alex, query="bill")) == ["invoice"]
    assert slugs(list_articles(db, alex, query="charges statements")) == ["invoice"]
    row.status = DRAFT  # a status change alone leaves the index alone but hides the article
    db.add(row)
    db.commit()
    assert slugs(list_articles(db, alex, query="bill")) == []
    db.delete(row)
    db.commit()
    assert matching_articles(db, org, "bill") == []
    add(db, org, "new-one", "Brand new billing guide")
    assert slugs(list_articles(db, alex, query="billing")) == ["new-one"]
    db.exec(text("INSERT INTO article_fts(article_fts, rank) VALUES ('integrity-check', 1)"))


def test_search_is_limited_to_the_organisation(db, org, alex, kb):
    other = db.get(Organisation, db.exec(select(Article.organisation_id).where(Article.slug == "other-router")).one())
    assert "other-router" not in slugs(matching_articles(db, org, "router"))
    assert slugs(matching_articles(db, other, "router")) == ["other-router"]
    assert matching_articles(db, make_organisation(db, name="No articles"), "router") == []


# --- PostgreSQL full text (skipped, saying why, when no server answers) ------------------------------

PG_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg(env):
    """A scratch PostgreSQL database migrated to head with Alembic; dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"help_search_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(error.orig).__name__}): search test skipped")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        config = Config(str(REPO / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", url)
        config.attributes["skip_logging"] = True
        command.upgrade(config, "head")
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgresql_full_text_search_ranks_matches_and_uses_its_index(pg):
    org = make_organisation(pg, name="Northwind Fiber")
    add(pg, org, "restart-router", "Restarting your router", body="Unplug the router for 30 seconds.", tags="router")
    add(pg, org, "slow-speed", "Slow speed", body="Restart the **router** first.", tags="speed, wifi")
    add(pg, org, "wifi-coverage", "Wi-Fi coverage", body="Place it high up.", tags="wifi, router")
    add(pg, org, "invoice", "Reading your invoice", body="The balance is what is left.", tags="billing")
    other = make_organisation(pg, name="Harbor Web Studio")
    add(pg, other, "other-router", "Router guide", tags="router")

    def found(query: str, **options) -> list[str]:
        return slugs(matching_articles(pg, org, query, **options))

    assert found("ROUTER") == ["restart-router", "wifi-coverage", "slow-speed"]
    assert found("router wi") == ["wifi-coverage", "slow-speed"]  # every word; the last one as a prefix
    assert found("reading your invoice", any_word=True)[0] == "invoice"
    assert set(found("reading router", any_word=True)) == {"invoice", "restart-router", "wifi-coverage", "slow-speed"}
    assert found("router invoice") == []
    for hostile in ['"', "*", "NEAR(router)", "-router", "router OR invoice", "\x00", "🚀", "' | 'x", "!router", ":*"]:
        assert set(found(hostile)) <= {"restart-router", "slow-speed", "wifi-coverage", "invoice"}
    assert found("router OR invoice") == []

    pg.exec(text("SET enable_seqscan = off"))
    by_words = select(Article.id).where(PG_DOCUMENT.op("@@")(func.to_tsquery(literal_column("'english'"), "wifi")))
    plan = pg.exec(text(f"EXPLAIN {by_words.compile(pg.get_bind(), compile_kwargs={'literal_binds': True})}")).all()
    assert "ix_article_search" in "\n".join(row[0] for row in plan)  # the service's expression is the index's
    pg.rollback()

    with pg.get_bind().connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_schema_object})
        assert compare_metadata(context, SQLModel.metadata) == []


# --- ticket deflection -----------------------------------------------------------------------------


def test_suggestions_rank_by_title_then_tags_then_text_and_respect_the_limit(db, alex, kb):
    assert slugs(suggest_articles(db, alex, "My router keeps dropping", limit=3)) == [
        "restart-router",
        "wifi-coverage",
        "slow-speed",
    ]
    assert slugs(suggest_articles(db, alex, "router", limit=1)) == ["restart-router"]
    assert slugs(suggest_articles(db, alex, "Internet is so slow")) == ["slow-speed"]


def test_suggestions_match_any_word_and_prefer_more_title_words(db, alex, kb):
    assert slugs(suggest_articles(db, alex, "reading my router invoice", limit=3))[:2] == ["invoice", "restart-router"]


@pytest.mark.parametrize("text", ["", "ro", "  a ", "the and for", "is it on", "%%%", "\x00\x00\x00"])
def test_no_suggestions_for_short_or_empty_or_stop_word_text(db, alex, kb, text):
    assert suggest_articles(db, alex, text) == []


def test_no_suggestions_for_a_zero_limit(db, alex, kb):
    assert suggest_articles(db, alex, "router", limit=0) == []


# --- demo data -------------------------------------------------------------------------------------


def test_demo_help_center_shows_its_public_articles_and_hides_the_rest(db, org):
    seed_help_articles(db, org.id)
    harbor = make_organisation(db, name="Harbor Web Studio")
    seed_agency_articles(db, harbor.id)
    db.commit()
    alex = principal_for(db, make_user(db, customer=make_customer(db, org)))
    listed = slugs(list_articles(db, alex))
    public = [a.slug for a in ISP_ARTICLES if a.visibility == PUBLIC and a.status == PUBLISHED]
    assert len(public) == 12
    assert sorted(listed) == sorted(public)
    assert not {a.slug for a in AGENCY_ARTICLES} & set(listed)
    assert "internal" not in all_tags(db, alex)
    assert slugs(suggest_articles(db, alex, "Internet speed is slow"))[0] == "slow-internet-speed"
    for slug in public:
        assert "<h2>" in article(db, alex, slug).html


# --- Markdown sanitising ---------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every element and attribute of an HTML fragment, as a browser would see them."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](<javascript&#58;alert(1)>)",
    "![x](javascript:alert(1))",
    '<img src="x" onerror="alert(1)">',
    '![x](https://img.example/x.png "t")\n\n<a href="x" onclick="alert(1)">a</a>',
    '<p style="position:fixed">x</p>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    '<svg onload="alert(1)">',
    "[vb](vbscript:msgbox)",
]


@pytest.mark.parametrize("markdown", HOSTILE)
def test_markdown_never_lets_active_content_through(markdown):
    for tag, attrs in Elements(render_markdown(markdown)).found:
        assert tag not in {"script", "style", "iframe", "svg", "object", "embed"}
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        for name in ("href", "src"):
            if name in attrs:
                assert attrs[name].startswith(("https:", "http:", "mailto:", "/")) or ":" not in attrs[name]


def test_hostile_markup_is_shown_as_harmless_text():
    html = render_markdown('<img src="x" onerror="alert(1)"> and [click](javascript:alert(1))')
    assert Elements(html).found == [("p", {})]
    assert "&lt;img" in html


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


def test_markdown_keeps_structure_and_marks_links():
    html = render_markdown(
        '# Title\n\n- one\n- two\n\n[Status](https://status.example "Status page") and '
        "[mail](mailto:a@b.example)\n\n| A |\n|---|\n| 1 |\n\n`code`"
    )
    assert "<h2>Title</h2>" in html  # the page title is the only h1
    assert render_markdown("## Steps") == "<h2>Steps</h2>\n"
    assert "<ul>\n<li>one</li>" in html
    assert '<a href="https://status.example" title="Status page" rel="noopener noreferrer">Status</a>' in html
    assert 'href="mailto:a@b.example"' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<code>code</code>" in html


def test_excerpt_is_plain_text_cut_at_a_word():
    text = excerpt("## Heading\n\nA **bold** start " + "word " * 60)
    assert text.startswith("A bold start word")
    assert text.endswith("word…")
    assert len(text) <= 161


# --- URLs ------------------------------------------------------------------------------------------


def test_article_slug_comes_from_the_path():
    assert slug_from_path("/portal/help/slow-speed") == "slow-speed"
    assert slug_from_path("/portal/help/slow-speed/") == "slow-speed"
    assert slug_from_path("/portal/help") == ""
    assert slug_from_path("/portal/billing/x") == ""


def test_help_href_keeps_search_and_tag_shareable():
    assert help_href() == "/portal/help"
    assert help_href("slow speed", "wi fi") == "/portal/help?q=slow+speed&tag=wi+fi"
    assert help_href("", "billing") == "/portal/help?tag=billing"
