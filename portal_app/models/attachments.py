"""Files attached to support tickets and their replies (the bytes live in the attachments folder, not here)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Index, SQLModel

from portal_app.models.base import utcnow


class TicketAttachment(SQLModel, table=True):
    """One file of a ticket's request (`message_id` None) or of a reply, stored under a random name.

    While a form is still being filled in, the file is staged: `ticket_id` is None and `staging_key` names the
    browser tab's form that uploaded it; sending the form attaches it (staging_key None from then on)."""

    __table_args__ = (Index("ix_ticketattachment_staging", "uploaded_by", "staging_key"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="ticketmessage.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    original_name: str = Field(max_length=255)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=100)
    size: int
    uploaded_by: int = Field(foreign_key="portaluser.id")
    staging_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
