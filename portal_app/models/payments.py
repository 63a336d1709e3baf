"""Online payments with Stripe: saved cards for automatic payments, payment attempts, refunds and disputes of card
payments, processed events."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from portal_app.models.base import utcnow


class StripeCustomer(SQLModel, table=True):
    """The Stripe Customer of one portal customer on one connected account, with the saved card."""

    __table_args__ = (UniqueConstraint("customer_id", "stripe_account_id", name="uq_stripecustomer_account"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    stripe_account_id: str = Field(max_length=64)
    stripe_customer_id: str = Field(max_length=64)
    autopay_enabled: bool = False
    payment_method_id: str | None = Field(default=None, max_length=64)
    card_brand: str = Field(default="", max_length=20)
    card_last4: str = Field(default="", max_length=4)
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class PaymentAttempt(SQLModel, table=True):
    """One try to collect an invoice's balance: a Checkout Session or an off-session autopay charge; or the refund
    note of one card payment (kind "refund", key "refund-<PaymentIntent>": how much of the charge went back)."""

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=16)  # "checkout", "autopay" or "refund"
    number: int = 1  # the attempt's number for this invoice and kind (part of the idempotency key)
    amount_minor: int
    currency: str = Field(max_length=3)
    idempotency_key: str = Field(max_length=120, unique=True)
    stripe_checkout_session_id: str | None = Field(default=None, max_length=120, index=True)
    stripe_payment_intent_id: str | None = Field(default=None, max_length=120, index=True)
    checkout_url: str = Field(default="", max_length=2000)
    status: str = Field(default="open", max_length=16)  # open, succeeded, failed, expired (refund: succeeded, failed)
    failure_reason: str = Field(default="", max_length=300)
    # Refund note only: the largest `amount_refunded` Stripe reported on the charge (refunds not seen one by one yet).
    charge_refunded_minor: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StripeRefund(SQLModel, table=True):
    """One refund of a card payment at Stripe, by Stripe's id: its amount and latest status decide what it reopened.

    `own` names the portal's own refunds ("excess": what was paid beyond the balance; "in_full": a payment that found
    nothing to pay), which reopen nothing; "" is a refund the provider made.
    """

    id: str = Field(primary_key=True, max_length=120)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    amount_minor: int
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)  # pending, requires_action, succeeded, failed, canceled
    own: str = Field(default="", max_length=10)
    failure_reason: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StripeDispute(SQLModel, table=True):
    """One dispute (chargeback or inquiry) of a card payment, by Stripe's id, with the part of the balance it reopened.

    `status` is the furthest stage seen (events arrive in any order); `reopened_minor` is what the withdrawn funds
    reopened of the invoice's balance, given back to the invoice when the dispute is won.
    """

    id: str = Field(primary_key=True, max_length=120)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    amount_minor: int
    currency: str = Field(max_length=3)
    status: str = Field(max_length=30)
    reason: str = Field(default="", max_length=40)
    reopened_minor: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StripeEvent(SQLModel, table=True):
    """A webhook event already processed (stored in the same transaction as its effect)."""

    id: str = Field(primary_key=True, max_length=120)
    type: str = Field(max_length=80)
    received_at: datetime = Field(default_factory=utcnow)
