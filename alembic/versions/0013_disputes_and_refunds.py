"""disputes and refunds

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "striperefund",
        sa.Column("id", TEXT(length=120), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", TEXT(length=3), nullable=False),
        sa.Column("status", TEXT(length=20), nullable=False),
        sa.Column("own", TEXT(length=10), nullable=False),
        sa.Column("failure_reason", TEXT(length=300), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("updated_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("striperefund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_striperefund_payment_id"), ["payment_id"], unique=False)
    op.create_table(
        "stripedispute",
        sa.Column("id", TEXT(length=120), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", TEXT(length=3), nullable=False),
        sa.Column("status", TEXT(length=30), nullable=False),
        sa.Column("reason", TEXT(length=40), nullable=False),
        sa.Column("reopened_minor", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.Column("updated_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripedispute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stripedispute_payment_id"), ["payment_id"], unique=False)
    with op.batch_alter_table("paymentattempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("charge_refunded_minor", sa.Integer(), server_default="0", nullable=False))
    # Refund notes written before: their total was the charge's `amount_refunded`.
    op.execute(
        sa.text(
            "UPDATE paymentattempt SET charge_refunded_minor = amount_minor WHERE kind = 'refund' AND status = 'succeeded'"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("paymentattempt", schema=None) as batch_op:
        batch_op.drop_column("charge_refunded_minor")
    with op.batch_alter_table("stripedispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stripedispute_payment_id"))
    op.drop_table("stripedispute")
    with op.batch_alter_table("striperefund", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_striperefund_payment_id"))
    op.drop_table("striperefund")
