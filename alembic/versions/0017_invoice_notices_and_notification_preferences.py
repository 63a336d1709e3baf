"""invoice notices and notification preferences

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 19:20:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "emailsettings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("invoice_emails", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("due_reminders", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("reminder_days_before", sa.Integer(), server_default="3", nullable=False),
        sa.Column("overdue_reminders", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("notices_since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    # Invoice emails begin today for the organisations already here: their older invoices are never mailed.
    today = sa.bindparam("today", datetime.now(UTC).date(), type_=sa.Date())
    op.execute(
        sa.text(
            "INSERT INTO emailsettings (organisation_id, notices_since) SELECT id, :today FROM organisation"
        ).bindparams(today)
    )
    op.create_table(
        "notificationoptout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_user_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["portal_user_id"], ["portaluser.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "kind", name="uq_notificationoptout_customer_kind"),
        sa.UniqueConstraint("portal_user_id", "kind", name="uq_notificationoptout_user_kind"),
    )
    op.create_table(
        "invoicenotice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", TIME(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", TIME(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id", "kind", name="uq_invoicenotice_invoice_kind"),
    )


def downgrade() -> None:
    op.drop_table("invoicenotice")
    op.drop_table("notificationoptout")
    op.drop_table("emailsettings")
