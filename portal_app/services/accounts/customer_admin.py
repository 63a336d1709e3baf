"""The provider's account housekeeping: deactivating a portal user, deleting a customer with all it owns."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select, update

from portal_app.mail import normalise_address
from portal_app.models import (
    AuthSession,
    AuthToken,
    Customer,
    Invoice,
    InvoiceLine,
    Membership,
    Payment,
    PortalUser,
    Project,
    Service,
    Ticket,
    TicketMessage,
)
from portal_app.services.accounts import single_use_links
from portal_app.services.accounts.sessions import end_all_sessions
from portal_app.services.common.errors import PortalError
from portal_app.services.common.inputs import parse_id
from portal_app.services.imports.batch import organisation_by_slug


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


def delete_customer(db: Session, organisation_slug: str, reference_or_id: str) -> None:
    """Delete a customer and every row that belongs to it, in one transaction (commits).

    `reference_or_id` is the customer's reference, or its id when no customer of the organisation
    has that reference. Refused while an active portal user is linked to the customer.
    """
    organisation = organisation_by_slug(db, organisation_slug)
    customer = _customer(db, organisation.id, reference_or_id.strip())
    if customer is None:
        raise PortalError(f"{organisation.name} has no customer with the reference or id {reference_or_id.strip()!r}.")
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
        _delete_owned_rows(db, customer.id)
        db.delete(customer)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _customer(db: Session, organisation_id: int, reference_or_id: str) -> Customer | None:
    """The organisation's customer with this reference, else with this id."""
    by_reference = db.exec(
        select(Customer).where(Customer.organisation_id == organisation_id, Customer.reference == reference_or_id)
    ).first()
    customer_id = parse_id(reference_or_id)
    if by_reference is not None or customer_id is None:
        return by_reference
    return db.exec(
        select(Customer).where(Customer.organisation_id == organisation_id, Customer.id == customer_id)
    ).first()


def _delete_owned_rows(db: Session, customer_id: int) -> None:
    """Children first, so no foreign key is left pointing at a deleted row."""
    invoices = select(Invoice.id).where(Invoice.customer_id == customer_id)
    tickets = select(Ticket.id).where(Ticket.customer_id == customer_id)
    statements = [
        delete(TicketMessage).where(col(TicketMessage.ticket_id).in_(tickets)),
        delete(Ticket).where(col(Ticket.customer_id) == customer_id),
        delete(Payment).where(col(Payment.customer_id) == customer_id),
        delete(InvoiceLine).where(col(InvoiceLine.invoice_id).in_(invoices)),
        delete(Invoice).where(col(Invoice.customer_id) == customer_id),
        delete(Service).where(col(Service.customer_id) == customer_id),
        delete(Project).where(col(Project.customer_id) == customer_id),
        delete(Membership).where(col(Membership.customer_id) == customer_id),
        delete(AuthToken).where(col(AuthToken.customer_id) == customer_id),
        update(AuthSession).where(col(AuthSession.active_customer_id) == customer_id).values(active_customer_id=None),
    ]
    for statement in statements:
        db.exec(statement.execution_options(synchronize_session=False))
