"""online payments

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 01:43:15.234619
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stripeevent",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stripecustomer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("stripe_account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stripe_customer_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("autopay_enabled", sa.Boolean(), nullable=False),
        sa.Column("payment_method_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("card_brand", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("card_last4", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("card_exp_month", sa.Integer(), nullable=True),
        sa.Column("card_exp_year", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "stripe_account_id", name="uq_stripecustomer_account"),
    )
    with op.batch_alter_table("stripecustomer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stripecustomer_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "paymentattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("stripe_checkout_session_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("stripe_payment_intent_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("checkout_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("paymentattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paymentattempt_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_paymentattempt_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_paymentattempt_stripe_checkout_session_id"), ["stripe_checkout_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_paymentattempt_stripe_payment_intent_id"), ["stripe_payment_intent_id"], unique=False
        )

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_payments_allowed", sa.Boolean(), server_default="1", nullable=False))

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_account_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("online_payments_enabled", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("autopay_allowed", sa.Boolean(), server_default="0", nullable=False))

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stripe_payment_intent_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.create_unique_constraint("uq_payment_stripe_payment_intent", ["stripe_payment_intent_id"])


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_stripe_payment_intent", type_="unique")
        batch_op.drop_column("stripe_payment_intent_id")

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("autopay_allowed")
        batch_op.drop_column("online_payments_enabled")
        batch_op.drop_column("stripe_account_id")

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("online_payments_allowed")

    with op.batch_alter_table("paymentattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paymentattempt_stripe_payment_intent_id"))
        batch_op.drop_index(batch_op.f("ix_paymentattempt_stripe_checkout_session_id"))
        batch_op.drop_index(batch_op.f("ix_paymentattempt_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_paymentattempt_customer_id"))

    op.drop_table("paymentattempt")
    with op.batch_alter_table("stripecustomer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stripecustomer_customer_id"))

    op.drop_table("stripecustomer")
    op.drop_table("stripeevent")
