"""service plans and requests

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_minor", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("currency", TEXT(length=3), nullable=True))
        batch_op.add_column(sa.Column("billing_cycle", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("next_bill_on", sa.Date(), nullable=True))
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), server_default="Support", nullable=False))
    op.create_table(
        "serviceplan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT(length=120), nullable=False),
        sa.Column("description", TEXT(length=500), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("currency", TEXT(length=3), nullable=False),
        sa.Column("billing_cycle", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "name", name="uq_service_plan_organisation_name"),
    )
    with op.batch_alter_table("serviceplan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_serviceplan_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "servicerequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["serviceplan.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    with op.batch_alter_table("servicerequest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_servicerequest_service_id"), ["service_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("servicerequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_servicerequest_service_id"))
    op.drop_table("servicerequest")
    with op.batch_alter_table("serviceplan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_serviceplan_organisation_id"))
    op.drop_table("serviceplan")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("next_bill_on")
        batch_op.drop_column("billing_cycle")
        batch_op.drop_column("currency")
        batch_op.drop_column("price_minor")
