"""Help center (/portal/help) and article pages (/portal/help/[slug]) with "Was this helpful?" and related articles."""

from __future__ import annotations

import reflex as rx

from portal_app.components.loading import until_loaded
from portal_app.components.shell import portal_shell
from portal_app.pages.registry import portal_page
from portal_app.state.help import ArticleState, HelpState

ARTICLE_ROUTE = "/portal/help/[article_slug]"
SECTION_GAP = {"margin_top": "var(--space-5)"}


def tag_list(tags: rx.Var, label: str = "Tags") -> rx.Component:
    """An article's tags as small badges."""
    return rx.cond(
        tags.length() > 0,
        rx.el.ul(
            rx.foreach(tags, lambda t: rx.el.li(rx.badge(t, variant="soft", color_scheme="gray", size="1"))),
            class_name="help-tags",
            aria_label=label,
        ),
    )


def _search_form() -> rx.Component:
    return rx.el.form(
        rx.el.label("Search the help center", html_for="help-q", class_name="field-label"),
        rx.flex(
            rx.input(
                name="q",
                id="help-q",
                type="search",
                default_value=HelpState.query,
                key=HelpState.query,
                placeholder="For example: slow speed, invoice, Wi-Fi",
                max_length=100,
                size="3",
                flex="1",
                min_width="0",
            ),
            rx.button("Search", type="submit", size="3"),
            spacing="2",
            width="100%",
        ),
        on_submit=HelpState.search,
        role="search",
        class_name="help-search",
    )


def _tag_filter() -> rx.Component:
    return rx.el.nav(
        rx.text("Topics", size="2", weight="medium", as_="span", id="help-topics-label"),
        rx.el.ul(
            rx.el.li(
                rx.link(
                    "All topics",
                    href=HelpState.all_href,
                    class_name=rx.cond(HelpState.tag == "", "help-chip help-chip-current", "help-chip"),
                    aria_current=rx.cond(HelpState.tag == "", "true", "false"),
                    underline="none",
                )
            ),
            rx.foreach(
                HelpState.tag_links,
                lambda t: rx.el.li(
                    rx.link(
                        t.label,
                        href=t.href,
                        class_name=rx.cond(t.current, "help-chip help-chip-current", "help-chip"),
                        aria_current=rx.cond(t.current, "true", "false"),
                        underline="none",
                    )
                ),
            ),
            class_name="help-chips",
        ),
        aria_labelledby="help-topics-label",
    )


def _card(article: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.heading(rx.link(article.title, href=article.href), size="4", as_="h2"),
            rx.text(article.excerpt, size="2", as_="p", class_name="help-excerpt"),
            rx.flex(
                tag_list(article.tags),
                rx.text("Updated ", article.updated, size="1", color_scheme="gray", as_="p"),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="2",
            ),
            width="100%",
            class_name="help-card",
        )
    )


def _results() -> rx.Component:
    return rx.cond(
        HelpState.articles.length() > 0,
        rx.el.ul(rx.foreach(HelpState.articles, _card), class_name="help-results", id="help-results"),
        rx.callout(
            rx.el.span(  # callout text is a <p> already
                "No articles match",
                rx.cond(HelpState.query != "", rx.fragment(" “", HelpState.query, "”")),
                rx.cond(HelpState.tag != "", rx.fragment(" in the topic “", HelpState.tag, "”")),
                ". Try other words, ",
                rx.link("show all articles", href="/portal/help", underline="always"),
                " or ",
                rx.link("open a support ticket", href=HelpState.ticket_href, underline="always", id="help-new-ticket"),
                ".",
            ),
            icon="search",
            color_scheme="gray",
            role="status",
            id="help-empty",
        ),
    )


@portal_page("/portal/help", "Help", on_load=HelpState.load_help)
def help_page() -> rx.Component:
    """Search box, topic chips and the matching article cards."""
    return portal_shell(
        "Help",
        rx.heading("Help center", size="6", as_="h1", margin_bottom="var(--space-2)"),
        rx.text(
            "Answers to common questions about your service, billing and account.",
            color_scheme="gray",
            as_="p",
            margin_bottom="var(--space-4)",
        ),
        rx.vstack(
            _search_form(),
            _tag_filter(),
            rx.cond(
                HelpState.filtered,
                rx.text(
                    HelpState.articles.length(),
                    rx.cond(HelpState.articles.length() == 1, " article", " articles"),
                    " found",
                    size="2",
                    color_scheme="gray",
                    role="status",
                ),
            ),
            until_loaded(HelpState.loaded, _results(), lines=4),
            spacing="4",
            width="100%",
        ),
    )


def _back_link() -> rx.Component:
    return rx.link("← Back to the help center", href="/portal/help", size="2")


def _article() -> rx.Component:
    return rx.el.article(
        rx.flex(rx.heading(ArticleState.title, size="7", as_="h1"), _back_link(), **HEADER_LAYOUT),
        rx.flex(
            rx.text("Updated ", ArticleState.updated, size="2", color_scheme="gray", as_="p"),
            tag_list(ArticleState.tags),
            align="center",
            wrap="wrap",
            spacing="3",
            margin_bottom="var(--space-4)",
        ),
        rx.card(rx.html(ArticleState.html, class_name="article-body"), size="3", width="100%"),
        _feedback(),
        _related(),
        rx.text(
            "Did not find your answer? ",
            rx.link("Open a support ticket", href="/portal/support", underline="always"),
            ".",
            size="2",
            as_="p",
            margin_top="var(--space-4)",
        ),
    )


def _answer_button(label: str, answer: str, icon: str) -> rx.Component:
    chosen = ArticleState.answer == answer
    return rx.button(
        rx.icon(icon, size=16, aria_hidden="true"),
        label,
        on_click=ArticleState.rate(answer),
        variant=rx.cond(chosen, "solid", "soft"),
        aria_pressed=rx.cond(chosen, "true", "false"),
        size="3",
        min_height="44px",
        min_width="88px",
    )


def _feedback() -> rx.Component:
    """“Was this helpful?” with Yes and No (the reader's answer pressed) and the thank-you or refusal."""
    return rx.el.section(
        rx.vstack(
            rx.heading("Was this helpful?", size="4", as_="h2", id="article-feedback-heading"),
            rx.flex(_answer_button("Yes", "yes", "thumbs-up"), _answer_button("No", "no", "thumbs-down"), spacing="3"),
            rx.text(ArticleState.vote_notice, size="2", role="status", as_="p"),
            rx.cond(
                ArticleState.vote_error != "", rx.text(ArticleState.vote_error, size="2", color_scheme="red", as_="p")
            ),
            spacing="2",
        ),
        aria_labelledby="article-feedback-heading",
        id="article-feedback",
        style=SECTION_GAP,
    )


def _related_item(card: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.link(card.title, href=card.href, weight="medium"),
        rx.text(card.excerpt, size="2", color_scheme="gray", as_="p"),
        style={"margin_bottom": "var(--space-3)"},
    )


def _related() -> rx.Component:
    """Up to three articles on the same topics."""
    return rx.cond(
        ArticleState.related.length() > 0,
        rx.el.section(
            rx.heading("Related articles", size="4", as_="h2", id="related-articles-heading"),
            rx.el.ul(
                rx.foreach(ArticleState.related, _related_item),
                style={"list_style": "none", "padding": "0", "margin": "var(--space-2) 0 0"},
            ),
            aria_labelledby="related-articles-heading",
            id="related-articles",
            style=SECTION_GAP,
        ),
    )


def _not_found() -> rx.Component:
    return rx.box(
        rx.heading("Article not found", size="6", as_="h1", margin_bottom="var(--space-3)"),
        rx.text(
            "There is no help article at this address. It may have been moved or unpublished.",
            as_="p",
            margin_bottom="var(--space-3)",
        ),
        _back_link(),
        id="article-not-found",
    )


HEADER_LAYOUT = {
    "justify": "between",
    "align": "start",
    "wrap": "wrap",
    "spacing": "2",
    "margin_bottom": "var(--space-2)",
}


@portal_page(ARTICLE_ROUTE, "Help", on_load=ArticleState.load_article)
def article_page() -> rx.Component:
    """One article: title, updated date, tags, the sanitised body, "Was this helpful?" and related articles."""
    return portal_shell(
        "Help", until_loaded(ArticleState.loaded, rx.cond(ArticleState.found, _article(), _not_found()), lines=6)
    )
