"""stripe connect status

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Organisations that already have an account start as "not checked": charges stay off until Stripe is read
    # (`python -m portal_app.cli stripe-status <org>`, or the next account.updated event).
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_charges_enabled", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("stripe_payouts_enabled", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("stripe_details_submitted", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("stripe_currently_due", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("stripe_past_due", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("stripe_disabled_reason", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("stripe_requirements_deadline", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("stripe_status_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("stripe_status_at")
        batch_op.drop_column("stripe_requirements_deadline")
        batch_op.drop_column("stripe_disabled_reason")
        batch_op.drop_column("stripe_past_due")
        batch_op.drop_column("stripe_currently_due")
        batch_op.drop_column("stripe_details_submitted")
        batch_op.drop_column("stripe_payouts_enabled")
        batch_op.drop_column("stripe_charges_enabled")
