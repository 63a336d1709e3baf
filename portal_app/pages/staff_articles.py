"""Staff help articles: the list (/staff/articles) and the Markdown editor with preview (/staff/articles/<id>)."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import link_button, section
from portal_app.components.loading import skeleton, until_loaded
from portal_app.components.tables import data_table, pager
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.limits import ARTICLE_BODY_MAX, ARTICLE_SLUG_MAX, ARTICLE_TAGS_MAX, ARTICLE_TITLE_MAX
from portal_app.state.staff_articles import ARTICLES_ROUTE, StaffArticleEditorState, StaffArticlesState

LIST_HEADERS = ["Title", "Status", "Visibility", "Was it helpful?", "Updated"]
STATUS_COLOURS = (("Published", "green"), ("Draft", "gray"))
VISIBILITY_COLOURS = (("Public", "blue"), ("Internal", "amber"))
MARKDOWN_HINT = (
    "Markdown: ## heading, **bold**, - list item, 1. step, [link text](https://…). Raw HTML is shown as text."
)


def _badge(value: rx.Var, colours: tuple[tuple[str, str], ...]) -> rx.Component:
    return rx.badge(value, color_scheme=rx.match(value, *colours, "gray"), variant="soft", high_contrast=True, size="2")


def _article_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(rx.link(row.title, href=row.href), scope="row"),
        rx.el.td(_badge(row.status, STATUS_COLOURS), class_name="nowrap"),
        rx.el.td(_badge(row.visibility, VISIBILITY_COLOURS), class_name="nowrap"),
        rx.el.td(row.helpful),
        rx.el.td(row.updated, class_name="nowrap"),
    )


@portal_page(ARTICLES_ROUTE, "Help articles", on_load=StaffArticlesState.load_articles)
def staff_articles_page() -> rx.Component:
    """Every article of the organisation, whatever its status or visibility."""
    return staff_shell(
        rx.flex(
            rx.heading("Help articles", size="6", as_="h1"),
            link_button("New article", f"{ARTICLES_ROUTE}/new"),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="3",
            margin_bottom="var(--space-2)",
        ),
        rx.text(
            "Customers see an article in the help center only when it is Public and Published.",
            color_scheme="gray",
            as_="p",
            margin_bottom="var(--space-4)",
        ),
        section(
            "Articles",
            until_loaded(
                StaffArticlesState.loaded,
                data_table(
                    LIST_HEADERS,
                    StaffArticlesState.rows,
                    _article_row,
                    "No articles yet: write the first one.",
                    "Articles",
                ),
                pager("Article pages", StaffArticlesState.article_pager),
                lines=5,
            ),
        ),
    )


def _field(
    label: str, control_id: str, control: rx.Component, problem: rx.Var | None = None, hint: str = ""
) -> rx.Component:
    """A labelled control with an optional hint and the problem the last save found with it."""
    return rx.vstack(
        rx.el.label(label, html_for=control_id, class_name="field-label"),
        rx.text(hint, size="1", color_scheme="gray", id=f"{control_id}-hint") if hint else rx.fragment(),
        control,
        rx.fragment()
        if problem is None
        else rx.cond(
            problem != "",
            rx.text(problem, size="2", color_scheme="red", id=f"{control_id}-problem", class_name="field-problem"),
        ),
        spacing="1",
        width="100%",
    )


def _text_input(name: str, control_id: str, value: rx.Var, limit: int, **props) -> rx.Component:
    return rx.input(
        name=name,
        id=control_id,
        default_value=value,
        max_length=limit,
        size="3",
        width="100%",
        aria_describedby=f"{control_id}-hint",
        **props,
    )


def _editor_fields() -> rx.Component:
    state = StaffArticleEditorState
    return rx.vstack(
        _field(
            "Title",
            "article-title",
            _text_input("title", "article-title", state.title, ARTICLE_TITLE_MAX, required=True),
            state.title_problem,
            hint=f"Required, at most {ARTICLE_TITLE_MAX} characters.",
        ),
        _field(
            "Web address",
            "article-slug",
            _text_input(
                "slug", "article-slug", state.slug, ARTICLE_SLUG_MAX, placeholder="made from the title when empty"
            ),
            state.slug_problem,
            hint="/portal/help/… Lower-case letters, digits and hyphens.",
        ),
        _field(
            "Tags",
            "article-tags",
            _text_input("tags", "article-tags", state.tags, ARTICLE_TAGS_MAX, placeholder="router, wifi, speed"),
            state.tags_problem,
            hint="Comma-separated topics customers can filter by.",
        ),
        _field(
            "Visibility",
            "article-visibility",
            rx.el.select(
                rx.el.option("Public", value="Public"),
                rx.el.option("Internal (team only)", value="Internal"),
                name="visibility",
                id="article-visibility",
                default_value=state.visibility,
                class_name="native-select",
                aria_describedby="article-visibility-hint",
            ),
            hint="Public articles show in the customers' help center once published.",
        ),
        _field(
            "Article text",
            "article-body",
            rx.text_area(
                name="body",
                id="article-body",
                default_value=state.body,
                max_length=ARTICLE_BODY_MAX,
                rows="18",
                width="100%",
                aria_describedby="article-body-hint",
                on_change=state.preview.debounce(400),
                class_name="article-editor-text",
            ),
            state.body_problem,
            hint=MARKDOWN_HINT,
        ),
        spacing="4",
        width="100%",
    )


def _action_buttons() -> rx.Component:
    state = StaffArticleEditorState
    return rx.flex(
        rx.button(
            rx.cond(state.published, "Save changes", "Save draft"),
            type="submit",
            size="3",
            variant=rx.cond(state.published, "solid", "soft"),
            on_click=state.choose_action("save"),
        ),
        rx.cond(
            state.published,
            rx.button(
                "Unpublish",
                type="submit",
                size="3",
                variant="soft",
                color_scheme="gray",
                on_click=state.choose_action("unpublish"),
            ),
            rx.button("Publish", type="submit", size="3", on_click=state.choose_action("publish")),
        ),
        spacing="3",
        wrap="wrap",
    )


def _preview() -> rx.Component:
    state = StaffArticleEditorState
    return rx.box(
        rx.heading("Preview", size="4", as_="h2", margin_bottom="var(--space-2)"),
        rx.text("As customers will see the text (sanitised), updated as you type.", size="1", color_scheme="gray"),
        rx.card(
            rx.cond(
                state.preview_html != "",
                rx.html(state.preview_html, class_name="article-body"),
                rx.text("Nothing to preview yet.", color_scheme="gray", size="2"),
            ),
            size="2",
            width="100%",
            class_name="article-preview",
            id="article-preview",
            aria_live="polite",
        ),
        width="100%",
        min_width="0",
    )


def _meta() -> rx.Component:
    state = StaffArticleEditorState
    return rx.flex(
        _badge(state.status, STATUS_COLOURS),
        _badge(state.visibility, VISIBILITY_COLOURS),
        rx.cond(state.updated != "", rx.text("Updated ", state.updated, size="2", color_scheme="gray")),
        rx.text(state.helpful, size="2", color_scheme="gray", id="article-helpful"),
        rx.cond(
            state.public_href != "",
            rx.link("View in the help center", href=state.public_href, size="2", is_external=True),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        id="article-meta",
    )


def _editor() -> rx.Component:
    state = StaffArticleEditorState
    return rx.vstack(
        rx.flex(
            rx.heading(rx.cond(state.is_new, "New article", state.title), size="6", as_="h1"),
            rx.link("← Back to the articles", href=ARTICLES_ROUTE, size="2"),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="2",
            width="100%",
        ),
        rx.cond(state.is_new, rx.fragment(), _meta()),
        form_notice(state.notice),
        form_error(state.error),
        rx.form(
            rx.grid(
                rx.vstack(_editor_fields(), _action_buttons(), spacing="4", width="100%", min_width="0"),
                _preview(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="5",
                width="100%",
                align="start",
            ),
            key=state.form_key,
            on_submit=state.save_article,
            width="100%",
            id="article-form",
        ),
        spacing="4",
        width="100%",
        align="start",
    )


def _not_found() -> rx.Component:
    return rx.box(
        rx.heading("Article not found", size="6", as_="h1", margin_bottom="var(--space-3)"),
        rx.text("There is no article at this address among your organisation's articles.", as_="p"),
        rx.link("← Back to the articles", href=ARTICLES_ROUTE, size="2"),
        id="staff-article-not-found",
    )


@portal_page(f"{ARTICLES_ROUTE}/[article_id]", "Edit article", on_load=StaffArticleEditorState.load_article_editor)
def staff_article_editor_page() -> rx.Component:
    """Write or edit an article with a live preview; save, publish or unpublish it."""
    return staff_shell(
        rx.cond(
            StaffArticleEditorState.loaded,
            rx.cond(StaffArticleEditorState.found, _editor(), _not_found()),
            skeleton(8),
        ),
    )
