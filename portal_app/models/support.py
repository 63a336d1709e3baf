"""Support tickets raised by customers and the messages in their threads."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow


class Priority(enum.StrEnum):
    """Ticket priority as the customer picks it."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


class TicketStatus(enum.StrEnum):
    """Where a ticket stands."""

    OPEN = "Open"
    AWAITING_CUSTOMER = "Awaiting your reply"
    RESOLVED = "Resolved"
    CLOSED = "Closed"


OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.AWAITING_CUSTOMER)


class TicketKind(enum.StrEnum):
    """What a ticket is about: a support question, or a request to change a service (upgrade, downgrade, cancel)."""

    SUPPORT = "Support"
    SERVICE_REQUEST = "Service request"


class Ticket(SQLModel, table=True):
    """A support request; tickets from the portal have source "Portal". A follow-up refers to the ticket it follows."""

    __table_args__ = (
        Index("ix_ticket_customer_created", "customer_id", "created_at", "id"),
        UniqueConstraint("customer_id", "submission_key", name="uq_ticket_customer_submission"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    subject: str = Field(max_length=120)
    description: str = Field(max_length=5000)
    priority: Priority = Field(default=Priority.MEDIUM, sa_type=String(8))
    status: TicketStatus = Field(default=TicketStatus.OPEN, sa_type=String(24))
    source: str = Field(default="Portal", max_length=20)
    kind: TicketKind = Field(
        default=TicketKind.SUPPORT, sa_type=String(20), sa_column_kwargs={"server_default": TicketKind.SUPPORT.value}
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    rating: int | None = None
    rating_comment: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})
    rated_at: datetime | None = None
    # A random key the form sends once; a second submit with the same key creates nothing.
    submission_key: str | None = Field(default=None, max_length=64)
    # The customer's earlier, resolved or closed ticket this one follows up.
    follows_up_id: int | None = Field(default=None, foreign_key="ticket.id")
    # The staff member of the organisation the ticket is assigned to (None: unassigned).
    assignee_id: int | None = Field(default=None, foreign_key="portaluser.id")


class TicketMessage(SQLModel, table=True):
    """One message in a ticket thread, from the customer or from staff; an internal note is staff's only (the
    customer never sees it nor is emailed about it)."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    from_staff: bool = False
    author_name: str = Field(default="", max_length=120)
    body: str = Field(max_length=5000)
    created_at: datetime = Field(default_factory=utcnow)
    internal: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
