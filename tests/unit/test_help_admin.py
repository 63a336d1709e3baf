"""Staff article management: only staff, only their organisation's articles, validation, slugs, publishing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from factories import make_organisation, make_user
from reflex.state import State
from sqlmodel import select
from test_handler_guards import cookies_of

from portal_app.errors import NotFound
from portal_app.models import Article, ArticleStatus, ArticleVisibility
from portal_app.services.access import NotStaff
from portal_app.services.accounts import sessions
from portal_app.services.common.pagination import PageRequest
from portal_app.services.help import articles as help_center
from portal_app.services.help.admin import (
    ArticleFields,
    ArticleInputError,
    create_article,
    get_article,
    list_articles,
    publish_article,
    slug_from_title,
    unpublish_article,
    update_article,
)
from portal_app.state.staff_articles import StaffArticleEditorState

LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def signed_in(db, user):
    """The user's principal and session token."""
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return sessions.resolve(db, token), token


@pytest.fixture
def rival(db):
    globex = make_organisation(db, slug="globex", name="Globex")
    return signed_in(db, make_user(db, email="rival@globex.example", staff_organisation_id=globex.id))


def new(db, who, title="Restarting your router", status="Draft", **fields):
    created = create_article(db, who, ArticleFields(title=title, body_markdown="Unplug it.", **fields), status)
    db.commit()
    return created


def problems_of(call) -> dict[str, str]:
    with pytest.raises(ArticleInputError) as refused:
        call()
    return refused.value.problems


# --- creating --------------------------------------------------------------------------------------


def test_create_makes_a_draft_with_a_slug_from_the_title_and_tidied_tags(db, jamie):
    created = create_article(
        db,
        jamie,
        ArticleFields(
            title="  Wi-Fi:   Café & more! ", body_markdown="## Steps\r\n\r\n1. One", tags="wifi, , WiFi, router "
        ),
    )
    db.commit()
    row = db.get(Article, created.id)
    assert (row.slug, row.title, row.tags) == ("wi-fi-cafe-more", "Wi-Fi: Café & more!", "wifi, router")
    assert row.body_markdown == "## Steps\n\n1. One"
    assert (row.status, row.visibility) == (ArticleStatus.DRAFT, ArticleVisibility.PUBLIC)
    assert row.updated_at == row.created_at
    assert created.public_href == ""


def test_slugs_stay_unique_within_the_organisation_only(db, jamie, rival):
    assert [new(db, jamie).slug for _ in range(3)] == ["restarting-your-router"] + [
        f"restarting-your-router-{n}" for n in (2, 3)
    ]
    assert new(db, rival[0]).slug == "restarting-your-router"
    assert new(db, jamie, title="🚀🚀").slug == "article"
    long_title = "word " * 60
    assert len(slug_from_title(long_title)) <= 80 and not slug_from_title(long_title).endswith("-")


def test_a_chosen_slug_must_be_free_and_well_formed(db, jamie):
    new(db, jamie, slug="reset")
    assert "already uses" in problems_of(lambda: new(db, jamie, title="Other", slug="reset"))["slug"]
    for bad in ("Reset", "re set", "reset-", "-reset", "re--set", "ré", "a/b", "x" * 121):
        assert "slug" in problems_of(lambda bad=bad: new(db, jamie, title="Other", slug=bad))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "   "}, "title", "Give the article a title."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters for the title."),
        ({"body_markdown": "x" * 20001}, "body", "Use at most 20000 characters for the article text."),
        ({"tags": ", ".join(f"tag{n}" for n in range(60))}, "tags", "Use at most 300 characters for the tags."),
        ({"visibility": "Everyone"}, "visibility", "Choose who can see the article: Public or Internal."),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(db, jamie, fields, field, message):
    values = {"title": "Title", "body_markdown": "Text"} | fields
    assert problems_of(lambda: create_article(db, jamie, ArticleFields(**values)))[field] == message
    assert db.exec(select(Article)).all() == []


def test_every_problem_is_reported_at_once_and_status_must_be_known(db, jamie):
    problems = problems_of(lambda: create_article(db, jamie, ArticleFields(title="", tags="t" * 301, slug="A B")))
    assert set(problems) == {"title", "tags", "slug"}
    assert problems_of(lambda: new(db, jamie, status="Live")) == {"status": "Choose a status: Draft or Published."}
    empty = ArticleFields(title="Empty")
    assert "body" in problems_of(lambda: create_article(db, jamie, empty, "Published"))


# --- listing, editing, publishing ------------------------------------------------------------------


def test_staff_list_every_article_of_their_organisation_latest_first_and_paged(db, jamie, rival):
    first = new(db, jamie, title="Internal notes", visibility="Internal")
    second = new(db, jamie, title="Published guide", status="Published")
    new(db, rival[0], title="Rival article")
    rows, info = list_articles(db, jamie, PageRequest())
    assert [r.title for r in rows] == ["Published guide", "Internal notes"]
    assert [(r.status, r.visibility) for r in rows] == [("Published", "Public"), ("Draft", "Internal")]
    assert [r.href for r in rows] == [f"/staff/articles/{second.id}", f"/staff/articles/{first.id}"]
    assert info.total_rows == 2
    update_article(db, jamie, first.id, ArticleFields(title="Internal notes v2", visibility="Internal"))
    db.commit()
    rows, _ = list_articles(db, jamie, PageRequest(number=1, size=1))
    assert [r.id for r in rows] == [first.id]
    rows, info = list_articles(db, jamie, PageRequest(number=9, size=1))
    assert (info.number, [r.id for r in rows]) == (2, [second.id])


def test_editing_saves_the_fields_sets_updated_at_and_keeps_the_slug_when_empty(db, jamie):
    created = new(db, jamie)
    row = db.get(Article, created.id)
    row.updated_at = LONG_AGO
    db.commit()
    same = ArticleFields(title="Restarting your router", body_markdown="Unplug it.")
    update_article(db, jamie, created.id, same)
    assert db.get(Article, created.id).updated_at == LONG_AGO  # nothing changed, nothing bumped
    edited = update_article(
        db, jamie, created.id, ArticleFields(title="Rebooting the router", body_markdown="Hold the button.", tags="x")
    )
    db.commit()
    row = db.get(Article, created.id)
    assert (row.title, row.body_markdown, row.tags, row.slug) == (
        "Rebooting the router",
        "Hold the button.",
        "x",
        "restarting-your-router",
    )
    assert row.updated_at > LONG_AGO
    assert edited.title == "Rebooting the router"


def test_editing_refuses_a_slug_another_article_uses(db, jamie):
    new(db, jamie, slug="taken")
    mine = new(db, jamie, title="Mine")
    problems = problems_of(lambda: update_article(db, jamie, mine.id, ArticleFields(title="Mine", slug="taken")))
    assert "already uses" in problems["slug"]
    assert update_article(db, jamie, mine.id, ArticleFields(title="Mine", slug="mine-2")).slug == "mine-2"


def test_publish_and_unpublish_decide_what_customers_find(db, jamie, bea):
    created = new(db, jamie, title="Moving house")
    update_article(
        db, jamie, created.id, ArticleFields(title="Moving house", body_markdown="Tell us your new address.")
    )
    db.commit()
    assert help_center.list_articles(db, bea, query="moving") == []
    db.get(Article, created.id).updated_at = LONG_AGO
    db.commit()
    published = publish_article(db, jamie, created.id)
    db.commit()
    assert published.status == "Published" and published.public_href == "/portal/help/moving-house"
    assert db.get(Article, created.id).updated_at > LONG_AGO
    assert [c.slug for c in help_center.list_articles(db, bea, query="moving")] == ["moving-house"]
    assert help_center.article(db, bea, "moving-house").title == "Moving house"
    unpublish_article(db, jamie, created.id)
    db.commit()
    assert help_center.list_articles(db, bea, query="moving") == []
    with pytest.raises(NotFound):
        help_center.article(db, bea, "moving-house")


def test_internal_articles_stay_hidden_even_when_published(db, jamie, bea):
    new(db, jamie, title="Escalation playbook", status="Published", visibility="Internal")
    assert help_center.list_articles(db, bea, query="playbook") == []


def test_an_empty_article_cannot_be_published(db, jamie):
    created = create_article(db, jamie, ArticleFields(title="Stub"))
    assert "body" in problems_of(lambda: publish_article(db, jamie, created.id))
    published = new(db, jamie, title="Live", status="Published")
    emptied = ArticleFields(title="Live", body_markdown="  ")
    assert "body" in problems_of(lambda: update_article(db, jamie, published.id, emptied))


# --- who may do it ---------------------------------------------------------------------------------


def test_another_organisations_staff_get_not_found(db, jamie, rival):
    created = new(db, jamie)
    fields = ArticleFields(title="Hijacked", body_markdown="x")
    for call in (
        lambda: get_article(db, rival[0], created.id),
        lambda: update_article(db, rival[0], created.id, fields),
        lambda: publish_article(db, rival[0], created.id),
        lambda: unpublish_article(db, rival[0], created.id),
    ):
        with pytest.raises(NotFound):
            call()
    row = db.get(Article, created.id)
    db.refresh(row)
    assert (row.title, row.status) == ("Restarting your router", ArticleStatus.DRAFT)
    assert list_articles(db, rival[0], PageRequest())[0] == []
    for odd in (0, -1, True, "1", 10**12):
        with pytest.raises(NotFound):
            get_article(db, jamie, odd)


def test_customers_and_former_staff_are_not_staff(db, acme, jamie, bea):
    created = new(db, jamie)
    fields = ArticleFields(title="x", body_markdown="y")
    for call in (
        lambda: list_articles(db, bea, PageRequest()),
        lambda: get_article(db, bea, created.id),
        lambda: create_article(db, bea, fields),
        lambda: update_article(db, bea, created.id, fields),
        lambda: publish_article(db, bea, created.id),
        lambda: unpublish_article(db, bea, created.id),
    ):
        with pytest.raises(NotStaff):
            call()
    former = make_user(db, email="former@acme.example", staff_organisation_id=acme.id)
    principal = signed_in(db, former)[0]
    former.is_active = False
    db.commit()
    with pytest.raises(NotStaff):
        list_articles(db, principal, PageRequest())


# --- the editor's event handlers -------------------------------------------------------------------


def call(state: StaffArticleEditorState, name: str, *args) -> None:
    """Run an editor event handler as Reflex would (async ones to completion)."""
    result = StaffArticleEditorState.event_handlers[name].fn(state, *args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def editor(token: str, article_id: int) -> StaffArticleEditorState:
    root = State(_reflex_internal_init=True)
    state = root.get_substate(StaffArticleEditorState.get_full_name().split(".")[1:])
    cookies_of(state).browser_token = token
    state._article_id = article_id
    return state


def test_another_organisations_staff_cannot_read_or_change_an_article_through_the_editor(db, jamie, rival):
    created = new(db, jamie, title="Secret draft title")
    state = editor(rival[1], created.id)
    call(state, "choose_action", "publish")
    form = {"title": "Hijacked", "body": "x", "tags": "", "visibility": "Public", "slug": ""}
    call(state, "save_article", form)
    assert not state.found and state.title == "" and state._article_id == 0
    db.expire_all()
    row = db.get(Article, created.id)
    assert (row.title, row.status) == ("Secret draft title", ArticleStatus.DRAFT)
    assert len(db.exec(select(Article)).all()) == 1  # and nothing was created in its place


def test_staff_save_publish_and_preview_through_the_editor(db, acme):
    user = make_user(db, email="sam@acme.example", staff_organisation_id=acme.id)
    _principal, token = signed_in(db, user)
    state = editor(token, 0)
    form = {"title": "Router lights", "body": "**Green** is fine.", "tags": "router", "visibility": "Public"}
    call(state, "choose_action", "publish")
    call(state, "save_article", form)
    row = db.exec(select(Article).where(Article.organisation_id == acme.id)).one()
    assert (row.slug, row.status) == ("router-lights", ArticleStatus.PUBLISHED)
    assert state._next_notice == "Published: customers can now find it in the help center."
    state = editor(token, row.id)
    call(state, "choose_action", "bogus")  # falls back to save
    call(state, "save_article", form | {"title": "x" * 300})
    assert state.problems == {"title": "Use at most 200 characters for the title."}
    assert state.error.startswith("The article was not saved")
    call(state, "choose_action", "unpublish")
    call(state, "save_article", form)
    db.expire_all()
    assert db.get(Article, row.id).status == ArticleStatus.DRAFT
    assert state.status == "Draft" and state.notice.startswith("Unpublished")
    call(state, "preview", "# Hi <script>x</script>\n\n[a](javascript:x) [b](https://b.example)")
    assert state.preview_html == (
        "<h2>Hi &lt;script&gt;x&lt;/script&gt;</h2>\n<p>[a](javascript:x) "
        '<a href="https://b.example" rel="noopener noreferrer">b</a></p>\n'
    )
