"""staff roles and audit log

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("portaluser", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_role", sa.String(length=16), nullable=True))
    # Everyone who was staff before roles answered tickets: they become agents.
    op.execute(sa.text("UPDATE portaluser SET staff_role = 'agent' WHERE staff_organisation_id IS NOT NULL"))
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("staff_email", TEXT(length=254), nullable=False),
        sa.Column("action", TEXT(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("customer_name", TEXT(length=120), nullable=False),
        sa.Column("person_email", TEXT(length=254), nullable=False),
        sa.Column("detail", TEXT(length=400), nullable=False),
        sa.Column("client_ip", TEXT(length=64), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["staff_user_id"], ["portaluser.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditentry_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditentry_created_at"))
        batch_op.drop_index(batch_op.f("ix_auditentry_organisation_id"))
    op.drop_table("auditentry")
    with op.batch_alter_table("portaluser", schema=None) as batch_op:
        batch_op.drop_column("staff_role")
