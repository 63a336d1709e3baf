"""ticket assignees and internal notes

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_ticket_assignee_id", "portaluser", ["assignee_id"], ["id"])
    with op.batch_alter_table("ticketmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("internal", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ticketmessage", schema=None) as batch_op:
        batch_op.drop_column("internal")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ticket_assignee_id", type_="foreignkey")
        batch_op.drop_column("assignee_id")
