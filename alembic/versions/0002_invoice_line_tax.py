"""invoice line tax

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:49:20.583528
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoiceline", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_rate_bp", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("tax_minor", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("invoiceline", schema=None) as batch_op:
        batch_op.drop_column("tax_minor")
        batch_op.drop_column("tax_rate_bp")
