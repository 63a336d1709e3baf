"""SQLModel tables, one module per bounded area; importing this registers them all."""

from portal_app.models.accounts import (
    AuthSession,
    AuthThrottle,
    AuthToken,
    Customer,
    Membership,
    Organisation,
    PendingSignIn,
    PortalHost,
    PortalUser,
    RecoveryCode,
    StaffRole,
    TokenPurpose,
    TwoFactor,
)
from portal_app.models.attachments import TicketAttachment
from portal_app.models.audit import AuditEntry
from portal_app.models.billing import (
    BillingCycle,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Payment,
    PaymentStatus,
    Service,
)
from portal_app.models.help import Article, ArticleStatus, ArticleVisibility, ArticleVote
from portal_app.models.notifications import (
    EmailSettings,
    InvoiceNotice,
    InvoiceNoticeKind,
    NotificationKind,
    NotificationOptOut,
)
from portal_app.models.payments import PaymentAttempt, StripeCustomer, StripeDispute, StripeEvent, StripeRefund
from portal_app.models.projects import Project, ProjectStatus
from portal_app.models.service_plans import ServiceAction, ServicePlan, ServiceRequest
from portal_app.models.support import Priority, Ticket, TicketKind, TicketMessage, TicketStatus

__all__ = [
    "Article",
    "ArticleStatus",
    "ArticleVisibility",
    "ArticleVote",
    "AuditEntry",
    "AuthSession",
    "AuthThrottle",
    "AuthToken",
    "BillingCycle",
    "Customer",
    "EmailSettings",
    "Invoice",
    "InvoiceLine",
    "InvoiceNotice",
    "InvoiceNoticeKind",
    "InvoiceState",
    "Membership",
    "NotificationKind",
    "NotificationOptOut",
    "Organisation",
    "Payment",
    "PaymentAttempt",
    "PaymentStatus",
    "PendingSignIn",
    "PortalHost",
    "PortalUser",
    "Priority",
    "Project",
    "ProjectStatus",
    "RecoveryCode",
    "Service",
    "ServiceAction",
    "ServicePlan",
    "ServiceRequest",
    "StaffRole",
    "StripeCustomer",
    "StripeDispute",
    "StripeEvent",
    "StripeRefund",
    "Ticket",
    "TicketAttachment",
    "TicketKind",
    "TicketMessage",
    "TicketStatus",
    "TokenPurpose",
    "TwoFactor",
]
