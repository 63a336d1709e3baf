"""“Was this helpful?”: a person's Yes or No under an article, and the counts staff see.

The functions here take article rows the caller already holds (from the customer's visible articles or
the staff's own); they never look an article up. Nothing here commits: the caller's session does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.errors import PortalError
from portal_app.models import Article, ArticleVote
from portal_app.models.base import utcnow

ANSWERS = {"yes": True, "no": False}
CHOOSE_AN_ANSWER = "Choose Yes or No."
THANKS = "Thank you for your feedback."


@dataclass(frozen=True)
class Helpfulness:
    """How many people answered “Was this helpful?” under an article, and how many said Yes."""

    helpful: int = 0
    votes: int = 0

    @property
    def summary(self) -> str:
        """As staff read it: “12 of 15 found it helpful”, or “No votes yet”."""
        return f"{self.helpful} of {self.votes} found it helpful" if self.votes else "No votes yet"


def answer_of(db: Session, article: Article, user_id: int) -> str:
    """The person's current answer under the article: "yes", "no", or "" when they have not answered."""
    helpful = db.exec(
        select(ArticleVote.helpful).where(
            col(ArticleVote.article_id) == article.id, col(ArticleVote.portal_user_id) == user_id
        )
    ).first()
    return "" if helpful is None else ("yes" if helpful else "no")


def record_answer(db: Session, article: Article, user_id: int, answer: object) -> str:
    """Keep the person's answer ("yes" or "no") under the article, replacing an earlier one; the thank-you.

    Any other answer is refused (PortalError) and changes nothing."""
    if not isinstance(answer, str) or answer not in ANSWERS:
        raise PortalError(CHOOSE_AN_ANSWER)
    helpful = ANSWERS[answer]
    mine = select(ArticleVote).where(
        col(ArticleVote.article_id) == article.id, col(ArticleVote.portal_user_id) == user_id
    )
    earlier = db.exec(mine).first()
    if earlier is None:
        try:
            with db.begin_nested():
                db.add(ArticleVote(article_id=article.id, portal_user_id=user_id, helpful=helpful))
            return THANKS
        except IntegrityError:  # the same person answered in another tab at the same moment
            earlier = db.exec(mine).one()
    earlier.helpful = helpful
    earlier.voted_at = utcnow()
    db.add(earlier)
    db.flush()
    return THANKS


def helpfulness(db: Session, articles: list[Article]) -> dict[int, Helpfulness]:
    """The answers under each of the articles, by article id (articles nobody answered under are left out)."""
    ids = [article.id for article in articles]
    if not ids:
        return {}
    rows = db.exec(
        select(
            ArticleVote.article_id,
            func.sum(case((col(ArticleVote.helpful), 1), else_=0)),
            func.count(),
        )
        .where(col(ArticleVote.article_id).in_(ids))
        .group_by(col(ArticleVote.article_id))
    ).all()
    return {article_id: Helpfulness(int(helpful), int(votes)) for article_id, helpful, votes in rows}
