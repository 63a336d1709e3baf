"""two-factor sign-in

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 02:59:14.288700
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pendingsignin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("portal_user_id", sa.Integer(), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_user_id"],
            ["portaluser.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pendingsignin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pendingsignin_portal_user_id"), ["portal_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pendingsignin_token_hash"), ["token_hash"], unique=True)

    op.create_table(
        "recoverycode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["portal_user_id"],
            ["portaluser.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("portal_user_id", "code_hash", name="uq_recoverycode_user_code"),
    )
    op.create_table(
        "twofactor",
        sa.Column("portal_user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("pending_secret", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("last_used_step", sa.Integer(), nullable=False),
        sa.Column("enabled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["portal_user_id"],
            ["portaluser.id"],
        ),
        sa.PrimaryKeyConstraint("portal_user_id"),
    )


def downgrade() -> None:
    op.drop_table("twofactor")
    op.drop_table("recoverycode")
    with op.batch_alter_table("pendingsignin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pendingsignin_token_hash"))
        batch_op.drop_index(batch_op.f("ix_pendingsignin_portal_user_id"))

    op.drop_table("pendingsignin")
