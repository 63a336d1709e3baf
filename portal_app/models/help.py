"""The provider's knowledge-base articles (help center)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow


class ArticleVisibility(enum.StrEnum):
    """Public articles show in the portal; internal ones are for the provider's team."""

    PUBLIC = "Public"
    INTERNAL = "Internal"


class ArticleStatus(enum.StrEnum):
    """Only published articles are shown."""

    DRAFT = "Draft"
    PUBLISHED = "Published"


class Article(SQLModel, table=True):
    """A help-center article: Markdown body (sanitised when shown) and comma-separated tags."""

    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    slug: str = Field(max_length=120)
    title: str = Field(max_length=200)
    body_markdown: str = Field(default="", max_length=20000)
    tags: str = Field(default="", max_length=300)
    visibility: ArticleVisibility = Field(default=ArticleVisibility.PUBLIC, sa_type=String(16))
    status: ArticleStatus = Field(default=ArticleStatus.DRAFT, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ArticleVote(SQLModel, table=True):
    """A person's answer to "Was this helpful?" under an article: one per person and article, the latest kept."""

    __table_args__ = (UniqueConstraint("article_id", "portal_user_id", name="uq_articlevote_article_user"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    portal_user_id: int = Field(foreign_key="portaluser.id", index=True)
    helpful: bool
    voted_at: datetime = Field(default_factory=utcnow)
