"""Staff management of the organisation's help articles: list, create, edit, publish and unpublish.

Every function takes the acting principal and works only inside their staff organisation
(services/access.py: NotStaff for anyone else; NotFound for another organisation's article). Nothing
here commits: the caller's session does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.models import Article, ArticleStatus, ArticleVisibility, Organisation
from portal_app.models.base import utcnow
from portal_app.services.access import staff_article, staff_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_datetime
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp
from portal_app.services.help.articles import article_href, parse_tags
from portal_app.services.help.markdown import render_markdown
from portal_app.services.help.votes import Helpfulness, helpfulness
from portal_app.services.support.tickets import TicketInputError, bounded_text

ARTICLES_ROUTE = "/staff/articles"
TITLE_MAX = 200
BODY_MAX = 20000
TAGS_MAX = 300
SLUG_MAX = 120
SLUG_FROM_TITLE_MAX = 80
VISIBILITIES = tuple(v.value for v in ArticleVisibility)
STATUSES = tuple(s.value for s in ArticleStatus)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_ATTEMPTS = 5


class ArticleInputError(PortalError):
    """The article form was refused; `problems` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class ArticleFields:
    """What staff type into the article form, as sent (the functions here check types and limits; slug empty:
    made from the title)."""

    title: object
    body_markdown: object = ""
    tags: object = ""
    visibility: object = ArticleVisibility.PUBLIC.value
    slug: object = ""


@dataclass(frozen=True)
class StaffArticleRow:
    """An article as the staff list shows it, with the link to its editor; `helpful`: “12 of 15 found it
    helpful”."""

    id: int
    title: str
    slug: str
    status: str
    visibility: str
    updated: str
    href: str
    helpful: str


@dataclass(frozen=True)
class StaffArticle:
    """One article as the staff editor shows it; `public_href` only while customers can see it; `helpful`:
    “12 of 15 found it helpful”."""

    id: int
    title: str
    slug: str
    body_markdown: str
    tags: str
    visibility: str
    status: str
    updated: str
    public_href: str
    helpful: str


def slug_from_title(title: str) -> str:
    """A web address from a title: ASCII letters and digits joined by hyphens ('article' when none are left)."""
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode().lower()
    slug = _NOT_SLUG.sub("-", ascii_title).strip("-")
    if len(slug) > SLUG_FROM_TITLE_MAX:
        slug = slug[:SLUG_FROM_TITLE_MAX].rsplit("-", 1)[0] or slug[:SLUG_FROM_TITLE_MAX]
    return slug.strip("-") or "article"


def _bounded(
    problems: dict[str, str], name: str, raw: object, limit: int, *, label: str = "", lines: bool = False
) -> str:
    """The field's text cleaned by tickets.bounded_text (messages call it `label`, else `name`); when refused (not
    text, too long) the message goes into `problems` under `name` and the text is empty. One line unless `lines`."""
    try:
        return bounded_text(raw, limit=limit, field=label or name, single_line=not lines)
    except TicketInputError as refused:
        problems[name] = refused.message
        return ""


def _clean(fields: ArticleFields) -> tuple[dict[str, str], dict[str, str]]:
    """The fields cleaned (title on one line, tags de-duplicated, body without control characters), and problems."""
    problems: dict[str, str] = {}
    title = _bounded(problems, "title", fields.title, TITLE_MAX)
    body = _bounded(problems, "body", fields.body_markdown, BODY_MAX, label="article text", lines=True)
    tags = ", ".join(parse_tags(_bounded(problems, "tags", fields.tags, TAGS_MAX)))
    slug = _slug(problems, fields.slug)
    if not title and "title" not in problems:
        problems["title"] = "Give the article a title."
    if len(tags) > TAGS_MAX:
        problems["tags"] = f"Use at most {TAGS_MAX} characters for the tags."
    if fields.visibility not in VISIBILITIES:
        problems["visibility"] = "Choose who can see the article: Public or Internal."
    return {"title": title, "body_markdown": body, "tags": tags, "slug": slug}, problems


def _slug(problems: dict[str, str], raw: object) -> str:
    """The chosen web address in lower case (empty: keep or make one); a problem when malformed or not text."""
    slug = raw.strip().lower() if isinstance(raw, str) else ""
    if not isinstance(raw, str | None) or (slug and (len(slug) > SLUG_MAX or not _SLUG.fullmatch(slug))):
        problems["slug"] = (
            f"Use only lower-case letters, digits and single hyphens for the web address "
            f"(at most {SLUG_MAX} characters), for example reset-your-router."
        )
    return slug


def _status(status: str) -> ArticleStatus:
    if status not in STATUSES:
        raise ArticleInputError({"status": "Choose a status: Draft or Published."})
    return ArticleStatus(status)


def editor_href(article_id: int) -> str:
    """The address of the article in the staff editor."""
    return f"{ARTICLES_ROUTE}/{article_id}"


def _slug_taken(db: Session, organisation: Organisation, slug: str, other_than: Article | None) -> bool:
    stmt = select(Article.id).where(col(Article.organisation_id) == organisation.id, col(Article.slug) == slug)
    if other_than is not None:
        stmt = stmt.where(col(Article.id) != other_than.id)
    return db.exec(stmt.limit(1)).first() is not None


def _free_slug(db: Session, organisation: Organisation, base: str) -> str:
    """base, or base-2, base-3... whichever the organisation does not use yet."""
    pattern = f"{base}-%"
    used = set(
        db.exec(
            select(Article.slug).where(
                col(Article.organisation_id) == organisation.id,
                (col(Article.slug) == base) | col(Article.slug).like(pattern),
            )
        ).all()
    )
    number = 1
    candidate = base
    while candidate in used:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _view(db: Session, found: Article) -> StaffArticle:
    visible = found.visibility == ArticleVisibility.PUBLIC and found.status == ArticleStatus.PUBLISHED
    answers = helpfulness(db, [found]).get(found.id, Helpfulness())
    return StaffArticle(
        id=found.id,
        title=found.title,
        slug=found.slug,
        body_markdown=found.body_markdown,
        tags=found.tags,
        visibility=str(found.visibility),
        status=str(found.status),
        updated=show_datetime(found.updated_at),
        public_href=article_href(found.slug) if visible else "",
        helpful=answers.summary,
    )


def list_articles(db: Session, principal: Principal, request: PageRequest) -> tuple[list[StaffArticleRow], PageInfo]:
    """One page of every article of the staff member's organisation (any status or visibility), latest first."""
    mine = col(Article.organisation_id) == staff_scope(db, principal).organisation.id
    info = clamp(request, db.exec(select(func.count()).select_from(Article).where(mine)).one())
    rows = db.exec(
        select(Article)
        .where(mine)
        .order_by(col(Article.updated_at).desc(), col(Article.id).desc())
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    answers = helpfulness(db, list(rows))
    return [
        StaffArticleRow(
            a.id,
            a.title,
            a.slug,
            str(a.status),
            str(a.visibility),
            show_datetime(a.updated_at),
            editor_href(a.id),
            answers.get(a.id, Helpfulness()).summary,
        )
        for a in rows
    ], info


def get_article(db: Session, principal: Principal, article_id: object) -> StaffArticle:
    """One of the organisation's articles, any status or visibility."""
    return _view(db, staff_article(db, staff_scope(db, principal), article_id))


def preview(db: Session, principal: Principal, body: object) -> str:
    """Article text being typed, as the help center will show it (sanitised); for staff only."""
    staff_scope(db, principal)
    return render_markdown(str(body or "")[:BODY_MAX])


def create_article(
    db: Session, principal: Principal, fields: ArticleFields, status: str = ArticleStatus.DRAFT.value
) -> StaffArticle:
    """A new article; without a slug, one is made from the title (base, base-2... unique in the organisation)."""
    organisation = staff_scope(db, principal).organisation
    clean, problems = _clean(fields)
    new_status = _status(status)
    if new_status == ArticleStatus.PUBLISHED and not clean["body_markdown"] and "body" not in problems:
        problems["body"] = "Write the article before publishing it."
    if clean["slug"] and "slug" not in problems and _slug_taken(db, organisation, clean["slug"], None):
        problems["slug"] = _slug_in_use(clean["slug"])
    if problems:
        raise ArticleInputError(problems)
    for _attempt in range(_SLUG_ATTEMPTS):
        now = utcnow()
        slug = clean["slug"] or _free_slug(db, organisation, slug_from_title(clean["title"]))
        created = Article(
            organisation_id=organisation.id,
            slug=slug,
            title=clean["title"],
            body_markdown=clean["body_markdown"],
            tags=clean["tags"],
            visibility=ArticleVisibility(fields.visibility),
            status=new_status,
            created_at=now,
            updated_at=now,
        )
        try:
            with db.begin_nested():
                db.add(created)
        except IntegrityError:  # another article took the slug between the check and the insert
            db.expunge(created)
            if clean["slug"]:
                break
            continue
        return _view(db, created)
    raise ArticleInputError({"slug": _slug_in_use(clean["slug"] or slug)})


def _slug_in_use(slug: str) -> str:
    return f"Another article already uses the web address “{slug}”. Choose another one."


def update_article(db: Session, principal: Principal, article_id: object, fields: ArticleFields) -> StaffArticle:
    """Save the article's title, text, tags, visibility and slug (kept when left empty); updated_at when changed."""
    staff = staff_scope(db, principal)
    found = staff_article(db, staff, article_id)
    clean, problems = _clean(fields)
    clean["slug"] = clean["slug"] or found.slug
    if found.status == ArticleStatus.PUBLISHED and not clean["body_markdown"] and "body" not in problems:
        problems["body"] = "A published article needs text: unpublish it first to empty it."
    if "slug" not in problems and _slug_taken(db, staff.organisation, clean["slug"], found):
        problems["slug"] = _slug_in_use(clean["slug"])
    if problems:
        raise ArticleInputError(problems)
    changes = {**clean, "visibility": ArticleVisibility(fields.visibility)}
    if any(getattr(found, name) != value for name, value in changes.items()):
        for name, value in changes.items():
            setattr(found, name, value)
        found.updated_at = utcnow()
        try:
            with db.begin_nested():
                db.add(found)
        except IntegrityError:
            db.refresh(found)
            raise ArticleInputError({"slug": _slug_in_use(clean["slug"])}) from None
    return _view(db, found)


def _set_status(db: Session, principal: Principal, article_id: object, status: ArticleStatus) -> StaffArticle:
    found = staff_article(db, staff_scope(db, principal), article_id)
    if status == ArticleStatus.PUBLISHED and not found.body_markdown.strip():
        raise ArticleInputError({"body": "Write the article before publishing it."})
    if found.status != status:
        found.status = status
        found.updated_at = utcnow()
        db.add(found)
        db.flush()
    return _view(db, found)


def publish_article(db: Session, principal: Principal, article_id: object) -> StaffArticle:
    """Publish the article: customers see it when it is also Public."""
    return _set_status(db, principal, article_id, ArticleStatus.PUBLISHED)


def unpublish_article(db: Session, principal: Principal, article_id: object) -> StaffArticle:
    """Take the article back to Draft: customers no longer see it, not even by its address."""
    return _set_status(db, principal, article_id, ArticleStatus.DRAFT)


def save_article(
    db: Session, principal: Principal, article_id: object, fields: ArticleFields, intent: str
) -> StaffArticle:
    """The editor's submit: create (article_id 0) or update the article, then publish or unpublish it when
    `intent` says so ("save" otherwise); all in the caller's one transaction."""
    if not article_id:
        return create_article(db, principal, fields, "Published" if intent == "publish" else "Draft")
    update_article(db, principal, article_id, fields)
    if intent == "publish":
        return publish_article(db, principal, article_id)
    if intent == "unpublish":
        return unpublish_article(db, principal, article_id)
    return get_article(db, principal, article_id)
