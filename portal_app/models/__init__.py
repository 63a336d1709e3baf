"""SQLModel tables, one module per bounded area; importing this registers them all."""

from portal_app.models.accounts import (
    AuthSession,
    AuthThrottle,
    AuthToken,
    Customer,
    Membership,
    Organisation,
    PendingSignIn,
    PortalUser,
    RecoveryCode,
    StaffRole,
    TokenPurpose,
    TwoFactor,
)
from portal_app.models.audit import AuditEntry
from portal_app.models.billing import Invoice, InvoiceLine, InvoiceState, Payment, PaymentStatus, Service
from portal_app.models.help import Article, ArticleStatus, ArticleVisibility, ArticleVote
from portal_app.models.payments import PaymentAttempt, StripeCustomer, StripeDispute, StripeEvent, StripeRefund
from portal_app.models.projects import Project, ProjectStatus
from portal_app.models.support import Priority, Ticket, TicketMessage, TicketStatus

__all__ = [
    "Article",
    "ArticleStatus",
    "ArticleVisibility",
    "ArticleVote",
    "AuditEntry",
    "AuthSession",
    "AuthThrottle",
    "AuthToken",
    "Customer",
    "Invoice",
    "InvoiceLine",
    "InvoiceState",
    "Membership",
    "Organisation",
    "Payment",
    "PaymentAttempt",
    "PaymentStatus",
    "PendingSignIn",
    "PortalUser",
    "Priority",
    "Project",
    "ProjectStatus",
    "RecoveryCode",
    "Service",
    "StaffRole",
    "StripeCustomer",
    "StripeDispute",
    "StripeEvent",
    "StripeRefund",
    "Ticket",
    "TicketMessage",
    "TicketStatus",
    "TokenPurpose",
    "TwoFactor",
]
