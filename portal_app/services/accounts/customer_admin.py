"""The provider's account housekeeping: deactivating a portal user, deleting a customer with all it owns."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select, update

from portal_app.errors import PortalError
from portal_app.mail import normalise_address
from portal_app.models import (
    AuthSession,
    AuthToken,
    Customer,
    Invoice,
    InvoiceLine,
    Membership,
    Payment,
    PaymentAttempt,
    PortalUser,
    Project,
    Service,
    ServiceRequest,
    StripeCustomer,
    StripeDispute,
    StripeRefund,
    Ticket,
    TicketMessage,
)
from portal_app.services.access import provider_customer, provider_organisation
from portal_app.services.accounts import single_use_links
from portal_app.services.accounts.sessions import end_all_sessions
from portal_app.services.support.attachments import remove_customer_files


def deactivate_user(db: Session, email: str) -> bool:
    """Stop a person signing in: ends their sessions and unused links; False when already inactive.

    The account, its memberships and history stay. Commits.
    """
    address = normalise_address(email) or email.strip()
    user = db.exec(select(PortalUser).where(PortalUser.email == address)).first()
    if user is None:
        raise PortalError(f"There is no portal user with the email {address}.")
    changed = user.is_active
    user.is_active = False
    db.add(user)
    end_all_sessions(db, user.id)
    single_use_links.expire_outstanding(db, user.id)
    db.commit()
    return changed


def delete_customer(db: Session, organisation_slug: str, reference_or_id: str | int) -> None:
    """Delete a customer and every row that belongs to it, in one transaction (commits).

    `reference_or_id` is the customer's reference, or its id when no customer of the organisation
    has that reference; an int is always the id (the console's case). Refused while an active portal
    user is linked to the customer.
    """
    customer = provider_customer(db, provider_organisation(db, organisation_slug), reference_or_id)
    active = db.exec(
        select(PortalUser.email)
        .join(Membership, col(Membership.portal_user_id) == col(PortalUser.id))
        .where(Membership.customer_id == customer.id, col(PortalUser.is_active).is_(True))
        .order_by(col(PortalUser.email))
    ).all()
    if active:
        label = f"{customer.name} ({customer.reference})" if customer.reference else customer.name
        if len(active) == 1:
            raise PortalError(
                f"Customer {label} still has an active portal user ({active[0]}); deactivate the user first."
            )
        raise PortalError(
            f"Customer {label} still has active portal users ({', '.join(active)}); deactivate them first."
        )
    try:
        _delete_owned_rows(db, customer)
        db.delete(customer)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _delete_owned_rows(db: Session, customer: Customer) -> None:
    """Children first, so no foreign key is left pointing at a deleted row; ticket files leave the disk once the
    deletion is committed."""
    remove_customer_files(db, customer)
    invoices = select(Invoice.id).where(Invoice.customer_id == customer.id)
    tickets = select(Ticket.id).where(Ticket.customer_id == customer.id)
    payments = select(Payment.id).where(Payment.customer_id == customer.id)
    statements = [
        delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(tickets)),
        delete(ServiceRequest).where(col(ServiceRequest.ticket_id).in_(tickets)),
        delete(Ticket).where(col(Ticket.customer_id) == customer.id),
        delete(StripeRefund).where(col(StripeRefund.payment_id).in_(payments)),
        delete(StripeDispute).where(col(StripeDispute.payment_id).in_(payments)),
        delete(Payment).where(col(Payment.customer_id) == customer.id),
        delete(PaymentAttempt).where(col(PaymentAttempt.customer_id) == customer.id),
        delete(StripeCustomer).where(col(StripeCustomer.customer_id) == customer.id),
        delete(InvoiceLine).where(col(InvoiceLine.invoice_id).in_(invoices)),
        delete(Invoice).where(col(Invoice.customer_id) == customer.id),
        delete(Service).where(col(Service.customer_id) == customer.id),
        delete(Project).where(col(Project.customer_id) == customer.id),
        delete(Membership).where(col(Membership.customer_id) == customer.id),
        delete(AuthToken).where(col(AuthToken.customer_id) == customer.id),
        update(AuthSession).where(col(AuthSession.active_customer_id) == customer.id).values(active_customer_id=None),
    ]
    for statement in statements:
        db.exec(statement.execution_options(synchronize_session=False))
