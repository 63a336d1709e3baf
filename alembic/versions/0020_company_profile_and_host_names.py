"""company profile and host names

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "portalhost",
        sa.Column("host", TEXT(length=253), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("host"),
    )
    with op.batch_alter_table("portalhost", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portalhost_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portalhost", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portalhost_organisation_id"))
    op.drop_table("portalhost")
