"""covering index for visible invoices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:58:20.096778
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_customer_issued"))
        batch_op.create_index("ix_invoice_customer_issued", ["customer_id", "issued_on", "id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_customer_issued")
        batch_op.create_index(
            batch_op.f("ix_invoice_customer_issued"), ["customer_id", "issued_on", "id"], unique=False
        )
