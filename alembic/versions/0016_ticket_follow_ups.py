"""ticket follow-ups

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follows_up_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_ticket_follows_up_id", "ticket", ["follows_up_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ticket_follows_up_id", type_="foreignkey")
        batch_op.drop_column("follows_up_id")
