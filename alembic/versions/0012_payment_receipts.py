"""payment method, card, failure reason and receipt

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", TEXT(length=20), server_default="", nullable=False))
        batch_op.add_column(sa.Column("card_brand", TEXT(length=20), server_default="", nullable=False))
        batch_op.add_column(sa.Column("card_last4", TEXT(length=4), server_default="", nullable=False))
        batch_op.add_column(sa.Column("failure_reason", TEXT(length=300), server_default="", nullable=False))
        batch_op.add_column(sa.Column("receipt_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Payments recorded before receipts existed are not emailed now: their receipt counts as sent.
    op.execute(sa.text("UPDATE payment SET receipt_sent_at = processed_at"))
    # Card payments are those with a PaymentIntent.
    op.execute(sa.text("UPDATE payment SET method = 'card' WHERE stripe_payment_intent_id IS NOT NULL"))


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("receipt_sent_at")
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("card_last4")
        batch_op.drop_column("card_brand")
        batch_op.drop_column("method")
