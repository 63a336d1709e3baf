"""The audit log: every administrator action writes one entry in its own transaction; admins read it newest first."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_app.models import AuditEntry, Customer
from portal_app.services.access import StaffScope, admin_scope
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_datetime
from portal_app.services.common.pagination import PageInfo, PageRequest, clamp

DETAIL_MAX = 400


class AuditAction(enum.StrEnum):
    """What an administrator did, as the audit log words it."""

    INVITED = "Invited"
    RESENT_INVITE = "Resent invite"
    DEACTIVATED = "Deactivated"
    DELETED_CUSTOMER = "Deleted customer"
    CUSTOMER_PAYMENTS = "Changed customer's online payments"
    PAYMENT_SETTINGS = "Changed payment settings"
    STRIPE_REFRESHED = "Refreshed Stripe status"
    STRIPE_ONBOARDING = "Opened Stripe onboarding"
    EDITED_CUSTOMER = "Edited customer"
    LINKED_USER = "Linked existing user"
    COMPANY_PROFILE = "Changed company profile"
    COMPANY_LOGO = "Changed company logo"
    COMPANY_LOGO_REMOVED = "Removed company logo"
    RECORDED_PAYMENT = "Recorded a payment"
    VOIDED_INVOICE = "Voided invoice"
    MOVED_INVOICE = "Moved invoice"
    STAFF_ROLE_CHANGED = "Changed staff role"
    REACTIVATED = "Reactivated"
    CREATED_PROJECT = "Created project"
    EDITED_PROJECT = "Edited project"
    IMPORTED_CSV = "Imported CSV"
    EMAIL_SETTINGS = "Changed email settings"


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as the log lists it."""

    id: int
    when: str
    who: str
    action: str
    customer: str
    person: str
    detail: str
    address: str


@dataclass(frozen=True)
class AuditPage:
    """One page of the organisation's audit log."""

    rows: list[AuditRow]
    info: PageInfo


def record(
    db: Session,
    staff: StaffScope,
    action: AuditAction,
    *,
    client_ip: str,
    customer: Customer | None = None,
    person_email: str = "",
    detail: str = "",
) -> None:
    """Add the entry to the session: it is committed (or rolled back) with the action it describes."""
    db.add(
        AuditEntry(
            organisation_id=staff.organisation.id,
            staff_user_id=staff.user.id,
            staff_email=staff.user.email,
            action=action.value,
            customer_id=customer.id if customer is not None else None,
            customer_name=customer.name if customer is not None else "",
            person_email=person_email,
            detail=detail[:DETAIL_MAX],
            client_ip=client_ip[:64],
        )
    )
    db.flush()


def audit_page(db: Session, principal: Principal, request: PageRequest) -> AuditPage:
    """One page of the administrator's organisation's audit log, newest first."""
    organisation = admin_scope(db, principal).organisation
    mine = col(AuditEntry.organisation_id) == organisation.id
    info = clamp(request, db.exec(select(func.count()).select_from(AuditEntry).where(mine)).one())
    entries = db.exec(
        select(AuditEntry)
        .where(mine)
        .order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc())
        .offset((info.number - 1) * info.size)
        .limit(info.size)
    ).all()
    rows = [
        AuditRow(
            id=entry.id,
            when=show_datetime(entry.created_at),
            who=entry.staff_email,
            action=entry.action,
            customer=entry.customer_name,
            person=entry.person_email,
            detail=entry.detail,
            address=entry.client_ip,
        )
        for entry in entries
    ]
    return AuditPage(rows=rows, info=info)
