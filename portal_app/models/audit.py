"""The provider console's audit log: which staff member did what to which customer or person, when and from where."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.models.base import utcnow


class AuditEntry(SQLModel, table=True):
    """One administrator action, written in the transaction of the action itself.

    The customer is kept by id and by name, not by foreign key: the entry of a deleted customer outlives it.
    """

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    staff_user_id: int = Field(foreign_key="portaluser.id")
    staff_email: str = Field(max_length=254)
    action: str = Field(max_length=40)
    customer_id: int | None = None
    customer_name: str = Field(default="", max_length=120)
    person_email: str = Field(default="", max_length=254)
    detail: str = Field(default="", max_length=400)
    client_ip: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, index=True)
