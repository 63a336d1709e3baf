"""Services a customer has, and their invoices and payments. Money is integer minor units."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import String
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow


class BillingCycle(enum.StrEnum):
    """How often a service or a plan is billed."""

    MONTHLY = "Monthly"
    QUARTERLY = "Quarterly"
    YEARLY = "Yearly"
    ONE_OFF = "One-off"


class Service(SQLModel, table=True):
    """A service provisioned on a customer's account; its price, cycle and next bill date when the provider set
    them (a price without a currency is in the customer's invoice currency)."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    is_active: bool = True
    active_since: date | None = None
    price_minor: int | None = None
    currency: str | None = Field(default=None, max_length=3)
    billing_cycle: BillingCycle | None = Field(default=None, sa_type=String(16))
    next_bill_on: date | None = None


class InvoiceState(enum.StrEnum):
    """The stored lifecycle of an invoice; Paid, Partially paid and Overdue are derived."""

    DRAFT = "draft"
    ISSUED = "issued"
    VOID = "void"


class Invoice(SQLModel, table=True):
    """An invoice; balance = total - paid, both in the currency's minor units."""

    # The index covers the visible-invoice count (state) as well as the newest-first order.
    __table_args__ = (Index("ix_invoice_customer_issued", "customer_id", "issued_on", "id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    number: str = Field(default="", max_length=40)
    state: InvoiceState = Field(default=InvoiceState.ISSUED, sa_type=String(16))
    issued_on: date
    due_on: date
    currency: str = Field(max_length=3)
    total_minor: int
    paid_minor: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class InvoiceLine(SQLModel, table=True):
    """One line of an invoice: amount = quantity x unit price (net); tax on top at a rate in basis points."""

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    position: int = 0
    description: str = Field(max_length=300)
    quantity: int = 1
    unit_price_minor: int
    amount_minor: int
    tax_rate_bp: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    tax_minor: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PaymentStatus(enum.StrEnum):
    """Payment outcomes as customers see them."""

    SUCCEEDED = "Succeeded"
    PENDING = "Pending"
    FAILED = "Failed"
    REFUNDED = "Refunded"
    DISPUTED = "Disputed"


class Payment(SQLModel, table=True):
    """Money received (or attempted) from a customer, optionally for one invoice."""

    __table_args__ = (
        Index("ix_payment_customer_processed", "customer_id", "processed_at", "id"),
        UniqueConstraint("stripe_payment_intent_id", name="uq_payment_stripe_payment_intent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    amount_minor: int
    currency: str = Field(max_length=3)
    status: PaymentStatus = Field(default=PaymentStatus.SUCCEEDED, sa_type=String(16))
    processed_at: datetime = Field(default_factory=utcnow)
    reference: str = Field(default="", max_length=120)
    # Card payments are unique by their PaymentIntent: webhook, success page and replays end as one row.
    stripe_payment_intent_id: str | None = Field(default=None, max_length=120)
    # How it was paid, in words for billing history and the receipt: "card" (with brand and last 4), "bank_transfer",
    # "cash", "cheque", "direct_debit", "other", or "" when not known (older imports).
    method: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    card_brand: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    card_last4: str = Field(default="", max_length=4, sa_column_kwargs={"server_default": ""})
    # Why a Failed payment failed, as Stripe worded it for the customer.
    failure_reason: str = Field(default="", max_length=300, sa_column_kwargs={"server_default": ""})
    # When the receipt email was claimed for sending (set once: one receipt email per payment).
    receipt_sent_at: datetime | None = None
