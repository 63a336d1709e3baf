"""help articles, ticket ratings, staff role

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 01:06:54.212698
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body_markdown", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("tags", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "slug"),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_organisation_id"), ["organisation_id"], unique=False)

    with op.batch_alter_table("portaluser", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_portaluser_staff_organisation_id", "organisation", ["staff_organisation_id"], ["id"]
        )

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "rating_comment", sqlmodel.sql.sqltypes.AutoString(length=1000), server_default="", nullable=False
            )
        )
        batch_op.add_column(sa.Column("rated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("submission_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_ticket_customer_submission", ["customer_id", "submission_key"])


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ticket_customer_submission", type_="unique")
        batch_op.drop_column("submission_key")
        batch_op.drop_column("rated_at")
        batch_op.drop_column("rating_comment")
        batch_op.drop_column("rating")
        batch_op.drop_column("resolved_at")

    with op.batch_alter_table("portaluser", schema=None) as batch_op:
        batch_op.drop_constraint("fk_portaluser_staff_organisation_id", type_="foreignkey")
        batch_op.drop_column("staff_organisation_id")

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_organisation_id"))

    op.drop_table("article")
