"""Organisations (providers), their customers, the people who sign in, and their sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow


class Organisation(SQLModel, table=True):
    """The provider (tenant) whose customers use the portal, with its branding."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=120)
    logo_path: str | None = Field(default=None, max_length=255)
    brand_colour: str = Field(default="#0f766e", max_length=7)
    address: str = Field(default="", max_length=400)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    website: str = Field(default="", max_length=200)
    # Online payments: the provider's Stripe connected account, and whether card payments / autopay are on.
    stripe_account_id: str | None = Field(default=None, max_length=64)
    online_payments_enabled: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    autopay_allowed: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # The connected account as Stripe last described it (services/billing/connect.py keeps it current). Card
    # payments are offered only while charges are enabled; `stripe_status_at` None means never read ("not checked").
    stripe_charges_enabled: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    stripe_payouts_enabled: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    stripe_details_submitted: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    stripe_currently_due: list[str] = Field(
        default_factory=list, sa_type=JSON, sa_column_kwargs={"server_default": "[]"}
    )
    stripe_past_due: list[str] = Field(default_factory=list, sa_type=JSON, sa_column_kwargs={"server_default": "[]"})
    stripe_disabled_reason: str | None = Field(default=None, max_length=80)
    stripe_requirements_deadline: datetime | None = None
    stripe_status_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class PortalHost(SQLModel, table=True):
    """A host name (e.g. portal.northwind.example) whose sign-in pages show one organisation's branding."""

    host: str = Field(primary_key=True, max_length=253)  # lower-case; unique across organisations
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Customer(SQLModel, table=True):
    """The provider's CRM record of a customer; `reference` is the provider's own id (used by imports)."""

    __table_args__ = (UniqueConstraint("organisation_id", "reference", name="uq_customer_organisation_reference"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    reference: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=120)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=400)
    locale: str = Field(default="en_US", max_length=16)
    currency: str = Field(default="USD", max_length=3)
    online_payments_allowed: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utcnow)


class StaffRole(enum.StrEnum):
    """What a provider's staff member may do in the console: agents answer tickets and write help articles,
    admins also run the organisation's customers, settings and audit log."""

    AGENT = "agent"
    ADMIN = "admin"


class PortalUser(SQLModel, table=True):
    """A person who signs in; sees data only through memberships."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=120)
    password_hash: str | None = Field(default=None, max_length=100)
    is_active: bool = True
    # Staff of this organisation may answer its tickets in the staff area (None: a customer).
    staff_organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    staff_role: StaffRole | None = Field(default=None, sa_type=String(16))  # set for staff, None for customers
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    """Links a portal user to one customer record of one organisation."""

    __table_args__ = (UniqueConstraint("portal_user_id", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    portal_user_id: int = Field(foreign_key="portaluser.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class AuthSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of its random token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    portal_user_id: int = Field(foreign_key="portaluser.id", index=True)
    active_customer_id: int | None = Field(default=None, foreign_key="customer.id")
    remember: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    user_agent: str = Field(default="", max_length=255)
    client_ip: str = Field(default="", max_length=64)


class TokenPurpose(enum.StrEnum):
    """What a single-use emailed link is for."""

    RESET = "reset"
    INVITE = "invite"
    EMAIL_CHANGE = "email_change"
    EMAIL_UNDO = "email_undo"  # sent to the old address: puts the sign-in email back (new_email holds it)


class AuthToken(SQLModel, table=True):
    """A single-use emailed link (password reset or invitation), stored hashed."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    purpose: TokenPurpose = Field(sa_type=String(16))
    portal_user_id: int = Field(foreign_key="portaluser.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    new_email: str | None = Field(default=None, max_length=254)  # for an email change: the address to confirm
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class AuthThrottle(SQLModel, table=True):
    """Failed sign-ins counted per account or per client address."""

    key: str = Field(primary_key=True, max_length=300)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None


class TwoFactor(SQLModel, table=True):
    """A person's authenticator-app (TOTP) secret, sealed with the installation key.

    `pending_secret` holds a secret being set up until a code from the app confirms it; `secret`
    is set from then on (two-factor sign-in is on). `last_used_step` is the newest 30-second time
    step whose code was accepted, so a code cannot be used twice.
    """

    portal_user_id: int = Field(foreign_key="portaluser.id", primary_key=True)
    secret: str | None = Field(default=None, max_length=200)
    pending_secret: str | None = Field(default=None, max_length=200)
    last_used_step: int = 0
    enabled_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is stored."""

    __table_args__ = (UniqueConstraint("portal_user_id", "code_hash", name="uq_recoverycode_user_code"),)

    id: int | None = Field(default=None, primary_key=True)
    portal_user_id: int = Field(foreign_key="portaluser.id")  # indexed by the unique constraint
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


class PendingSignIn(SQLModel, table=True):
    """A correct password waiting for its second step; the browser's state holds the token, we its hash."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    portal_user_id: int = Field(foreign_key="portaluser.id", index=True)
    remember: bool = False
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    user_agent: str = Field(default="", max_length=255)
    client_ip: str = Field(default="", max_length=64)
