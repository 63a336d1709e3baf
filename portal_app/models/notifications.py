"""Emails the portal sends on its own: the organisation's settings, each person's opt-outs, and each invoice email."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow


class NotificationKind(enum.StrEnum):
    """The kinds of email a person can turn off (Profile → Notifications, or the link in each email)."""

    INVOICES = "invoices"
    REMINDERS = "reminders"
    RECEIPTS = "receipts"
    TICKETS = "tickets"


class InvoiceNoticeKind(enum.StrEnum):
    """The emails about one invoice: when it is issued, a few days before it is due, once it is overdue."""

    ISSUED = "issued"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class EmailSettings(SQLModel, table=True):
    """An organisation's invoice email settings. `notices_since`: invoices issued before this day are never mailed
    (the day invoice emails began for it: when the migration ran, or when `notices run` first met the organisation,
    or an administrator first saved these settings, whichever came first)."""

    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, ondelete="CASCADE")
    invoice_emails: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    due_reminders: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    reminder_days_before: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    overdue_reminders: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    notices_since: date


class NotificationOptOut(SQLModel, table=True):
    """A kind of email someone asked not to get: a person, or a customer record's own address (the billing contact
    of a customer without portal people). No row: they get it. Rows go with their person or customer (cascade)."""

    __table_args__ = (
        UniqueConstraint("portal_user_id", "kind", name="uq_notificationoptout_user_kind"),
        UniqueConstraint("customer_id", "kind", name="uq_notificationoptout_customer_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    portal_user_id: int | None = Field(default=None, foreign_key="portaluser.id", ondelete="CASCADE")
    customer_id: int | None = Field(default=None, foreign_key="customer.id", ondelete="CASCADE")
    kind: NotificationKind = Field(sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)


class InvoiceNotice(SQLModel, table=True):
    """One email about one invoice, claimed before it is sent (one row per invoice and kind: never two senders).

    `sent_at` None with an old `claimed_at`: the sender stopped (crashed) before it finished; the next run claims
    it again (see services/billing/invoice_notices.py)."""

    __table_args__ = (UniqueConstraint("invoice_id", "kind", name="uq_invoicenotice_invoice_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", ondelete="CASCADE")
    kind: InvoiceNoticeKind = Field(sa_type=String(16))
    claimed_at: datetime = Field(default_factory=utcnow)
    attempts: int = 1
    sent_at: datetime | None = None
    recipients: int = 0
