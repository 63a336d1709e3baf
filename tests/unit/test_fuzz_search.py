"""Property-based tests: any text at the help search, the ticket-subject suggestions and the Markdown renderer.

Search never raises and only ever returns the customer's public published articles, on SQLite's FTS5
index and (when a server answers on 127.0.0.1:5432) PostgreSQL's to_tsquery: user text reaches the
index only as quoted words. Article Markdown, however hostile, renders to HTML without script or other
active elements, event-handler attributes or javascript:/data: URLs; ticket text is only ever shown as
text (React escapes it), never as HTML.

Examples per property (derandomized, hostile_input.FUZZ): help search on SQLite 200, suggestions 200,
index query on PostgreSQL 150, Markdown 200.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from factories import make_customer, make_organisation, make_user
from hostile_input import SAMPLES, fuzz, hostile_text, hostile_value
from hypothesis import example, given
from hypothesis import strategies as st
from test_help import pg as postgres  # noqa: F401  (a scratch PostgreSQL database; skipped when none answers)

from portal_app.models import Article, ArticleStatus, ArticleVisibility
from portal_app.services.accounts import sessions
from portal_app.services.help.articles import list_articles, suggest_articles
from portal_app.services.help.markdown import URL_SCHEMES, render_markdown
from portal_app.services.help.search import matching_articles

VISIBLE = {"restart-router", "slow-speed", "or-and-not"}
OWN = {*VISIBLE, "internal", "draft"}  # the index itself never returns another provider's articles

search_text = st.one_of(
    hostile_value,
    st.lists(st.sampled_from([*SAMPLES, "router", "rout", "slow", "or", "and", "not", "near"]), max_size=10).map(
        " ".join
    ),
)


def add(db, org, slug, title, body, tags="", visibility=ArticleVisibility.PUBLIC, status=ArticleStatus.PUBLISHED):
    db.add(
        Article(
            organisation_id=org.id,
            slug=slug,
            title=title,
            body_markdown=body,
            tags=tags,
            visibility=visibility,
            status=status,
        )
    )
    db.commit()


def help_center(db):
    """A customer's principal with visible articles (one titled with FTS operators) and hidden ones."""
    org = make_organisation(db, name="Northwind Fiber")
    add(db, org, "restart-router", "Restarting your router", "Unplug the router for 30 seconds.", "router")
    add(db, org, "slow-speed", "Slow speed", "Restart the **router** first.", "speed, wifi")
    add(db, org, "or-and-not", "OR AND NOT NEAR", 'Words "quoted" (grouped) * - ^ :', "syntax")
    add(db, org, "internal", "Router playbook", "Staff only.", "router", visibility=ArticleVisibility.INTERNAL)
    add(db, org, "draft", "Router draft", "Not yet.", "router", status=ArticleStatus.DRAFT)
    add(db, make_organisation(db, name="Harbor Web Studio"), "foreign", "Router elsewhere", "Other provider.", "router")
    user = make_user(db, customer=make_customer(db, org, name="Alex Morgan"))
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return org, sessions.resolve(db, token)


def slugs(cards) -> set[str]:
    return {card.slug for card in cards}


@pytest.fixture
def kb(db):
    return help_center(db)


@fuzz(200)
@given(query=search_text, tag=st.one_of(st.just(""), hostile_value))
def test_help_search_returns_only_visible_articles_for_any_input(db, kb, query, tag):
    org, alex = kb
    assert slugs(list_articles(db, alex, query=query, tag=tag)) <= VISIBLE
    for any_word in (False, True):
        assert slugs(matching_articles(db, org, query, any_word=any_word)) <= OWN


@fuzz(200)
@given(subject=search_text, limit=st.integers(-2, 60))
def test_ticket_subject_suggestions_never_raise_and_stay_visible(db, kb, subject, limit):
    _, alex = kb
    found = suggest_articles(db, alex, subject, limit=limit)
    assert slugs(found) <= VISIBLE and len(found) <= max(0, limit)


@pytest.fixture
def pg_kb(request):
    """The same help center in a scratch PostgreSQL database."""
    pg = request.getfixturevalue("postgres")
    return pg, *help_center(pg)


@fuzz(150)
@given(query=search_text)
def test_postgresql_text_search_takes_any_input(pg_kb, query):
    pg, org, alex = pg_kb
    assert slugs(list_articles(pg, alex, query=query)) <= VISIBLE
    assert slugs(matching_articles(pg, org, query, any_word=True)) <= OWN
    pg.rollback()


class Elements(HTMLParser):
    """Every start tag with its attributes, and every text run, of an HTML fragment."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


markdown_piece = st.sampled_from(
    [
        *SAMPLES,
        "[x](",
        "](javascript:alert(1))",
        "](JaVaScRiPt:alert(1))",
        "](java\tscript:alert(1))",
        "](data:text/html;base64,PHNjcmlwdD4=)",
        "](vbscript:msgbox)",
        "](&#106;avascript:alert(1))",
        "](<javascript:alert(1)>)",
        "![i](",
        "<a href='javascript:alert(1)'>a</a>",
        "<svg onload=alert(1)>",
        "<iframe src=//evil>",
        "<style>*{}</style>",
        '" onmouseover="alert(1)',
        "<scr<script>ipt>",
        "&lt;script&gt;",
        "`<script>`",
        "```\n<script>\n```",
        "<!-- -->",
        "<![CDATA[x]]>",
        "# ",
        "> ",
        "| a | b |\n|---|---|\n| <b> | c |",
        "https://example.com",
        "\n\n",
    ]
)
markdown_text = st.one_of(
    hostile_text, st.lists(st.one_of(markdown_piece, st.text(max_size=8)), max_size=25).map("".join)
)
_EVENT_ATTRIBUTE = re.compile(r"<[^>]*\son\w+\s*=", re.IGNORECASE)


@fuzz(200)
@given(markdown=markdown_text)
@example(markdown="[x](javascript:alert(1)) \ud800")  # a lone surrogate was an UnicodeEncodeError in nh3
def test_article_html_never_carries_scripts_handlers_or_script_urls(markdown):
    html = render_markdown(markdown)
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered
    assert not _EVENT_ATTRIBUTE.search(html)
    for tag, attrs in Elements(html).tags:
        assert tag not in {"script", "style", "iframe", "svg", "object", "embed", "form", "input", "math"}
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        for name in ("href", "src"):
            url = "".join(attrs.get(name, "").split()).lower()
            if ":" in url.split("/", 1)[0]:
                assert url.split(":", 1)[0] in URL_SCHEMES, url


def test_pages_render_ticket_text_as_text_and_only_sanitised_article_html_as_html():
    """React escapes text children; raw HTML (dangerouslySetInnerHTML) is only the nh3-sanitised article body."""
    import portal_app.portal_app  # noqa: F401  (registers every page)
    from portal_app.pages.registry import PAGES

    compiled = {page.route: str(page.component()) for page in PAGES}
    raw_html = {route for route, js in compiled.items() if "dangerouslySetInnerHTML" in js}
    assert raw_html == {"/portal/help/[article_slug]", "/staff/articles/[article_id]"}
    for route in raw_html:
        injected = re.findall(r"dangerouslySetInnerHTML:\(\{ \[\"__html\"\] : ([\w.]+)", compiled[route])
        assert injected and all(re.search(r"(article_state\.html|\.preview_html)(_rx_state_)?$", n) for n in injected)
    message_body = re.compile(r'jsx\(RadixThemesText,\{[^{}]*\},m_rx_state_\?\.\["body"\]\)')
    for route in ("/portal/support/[ticket_id]", "/staff/tickets/[ticket_id]"):
        assert message_body.search(compiled[route]), f"{route} no longer shows message bodies as text"
