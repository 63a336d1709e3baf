"""Service requests: a customer asks to move an active service to another plan of the provider's catalogue, or to
cancel it at the end of the period. Each request is a ticket of the kind "Service request" (the conversation and
the status) plus a ServiceRequest row naming the service, the action, the plan and when it takes effect.

A service has at most one open request at a time: the service row is claimed for writing before its requests are
checked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from portal_app.models import (
    BillingCycle,
    Customer,
    Priority,
    Service,
    ServiceAction,
    ServicePlan,
    ServiceRequest,
    Ticket,
    TicketKind,
    TicketStatus,
)
from portal_app.models.support import OPEN_STATUSES
from portal_app.services.access import customer_scope, db_id
from portal_app.services.accounts.sessions import Principal
from portal_app.services.common.dates import show_date
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.money import format_money
from portal_app.services.support.ticket_mail import THREAD_PATH
from portal_app.services.support.tickets import SUBJECT_MAX, TicketInputError, required_text

REASON_MAX = 1000
ACTIONS = tuple(a.value for a in ServiceAction)
PER_CYCLE = {
    BillingCycle.MONTHLY: " / month",
    BillingCycle.QUARTERLY: " / quarter",
    BillingCycle.YEARLY: " / year",
    BillingCycle.ONE_OFF: " one-off",
}
SERVICE_NOT_FOUND = "This service was not found on your account."
PLAN_NOT_OFFERED = "Choose one of the plans offered."


class OpenRequestExists(TicketInputError):
    """A second request while one is open; `href` links to the open request's ticket."""

    def __init__(self, message: str, href: str) -> None:
        super().__init__(message)
        self.href = href


@dataclass(frozen=True)
class PlanChoice:
    """An active plan of the provider, as the change form offers it: "Fiber 2 Gbps · $99.00 / month"."""

    id: str
    name: str
    label: str


@dataclass(frozen=True)
class RequestStatus:
    """A service's latest request as the Services page shows it: "Upgrade to Fiber 2 Gbps · Open · Ticket #12"."""

    service_id: int
    summary: str
    status: str
    is_open: bool
    ticket_id: int
    href: str


@dataclass(frozen=True)
class ServiceWithRequest:
    """A service and its latest change request (None: never requested)."""

    service: Service
    request: RequestStatus | None


def price_text(price_minor: int | None, currency: str, cycle: str | None, locale: str | None) -> str:
    """ "$79.00 / month", "$250.00 one-off", "$79.00" without a cycle; empty without a price."""
    if price_minor is None:
        return ""
    suffix = PER_CYCLE.get(BillingCycle(cycle), "") if cycle else ""
    return format_money(price_minor, currency, locale) + suffix


def plan_choices(db: Session, customer: Customer) -> list[PlanChoice]:
    """The organisation's active plans, by name."""
    return [
        PlanChoice(
            id=str(plan.id),
            name=plan.name,
            label=f"{plan.name} · {price_text(plan.price_minor, plan.currency, plan.billing_cycle, customer.locale)}",
        )
        for plan in _active_plans(db, customer)
    ]


def _active_plans(db: Session, customer: Customer) -> list[ServicePlan]:
    return list(
        db.exec(
            select(ServicePlan)
            .where(ServicePlan.organisation_id == customer.organisation_id, col(ServicePlan.is_active))
            .order_by(col(ServicePlan.name), col(ServicePlan.id))
        ).all()
    )


def _services_with_latest_request():
    """The customer's services (`customer_id`), active first, then by name, each joined with its latest change
    request, that request's ticket and plan name."""
    each = aliased(ServiceRequest)
    latest = select(func.max(each.id)).where(each.service_id == col(Service.id)).correlate(Service).scalar_subquery()
    return (
        select(Service, ServiceRequest, Ticket, ServicePlan.name)
        .select_from(Service)
        .outerjoin(ServiceRequest, col(ServiceRequest.id) == latest)
        .outerjoin(Ticket, col(Ticket.id) == col(ServiceRequest.ticket_id))
        .outerjoin(ServicePlan, col(ServicePlan.id) == col(ServiceRequest.plan_id))
        .where(col(Service.customer_id) == bindparam("customer_id", type_=Integer))
        .order_by(col(Service.is_active).desc(), col(Service.name), col(Service.id))
    )


# Built once, like the account figures: Overview and Services bind the customer's id (building the statement with
# its aliased subquery was over half of Overview's read).
_ALL_SERVICES = _services_with_latest_request()
_FIRST_SERVICES = _ALL_SERVICES.limit(bindparam("limit", type_=Integer))


def services_with_requests(db: Session, customer: Customer, limit: int | None = None) -> list[ServiceWithRequest]:
    """The customer's services, active first, then by name, each with its latest change request (None when it has
    none), in one statement."""
    if limit:
        rows = db.exec(_FIRST_SERVICES, params={"customer_id": customer.id, "limit": limit}).all()
    else:
        rows = db.exec(_ALL_SERVICES, params={"customer_id": customer.id}).all()
    return [
        ServiceWithRequest(service, _status(request, ticket, plan_name, customer) if request and ticket else None)
        for service, request, ticket, plan_name in rows
    ]


def _status(request: ServiceRequest, ticket: Ticket, plan_name: str | None, customer: Customer) -> RequestStatus:
    return RequestStatus(
        service_id=request.service_id,
        summary=_summary(request, plan_name, customer.locale),
        status=str(ticket.status),
        is_open=ticket.status in OPEN_STATUSES,
        ticket_id=ticket.id,
        href=f"{THREAD_PATH}/{ticket.id}",
    )


def _summary(request: ServiceRequest, plan_name: str | None, locale: str | None) -> str:
    if request.action != ServiceAction.CANCEL:
        return f"{request.action} to {plan_name}"
    if request.effective_on is None:
        return "Cancel at the end of the period"
    return f"Cancel on {show_date(request.effective_on, locale)}"


def request_change(
    db: Session, principal: Principal, service_id: object, *, action: object, plan_id: object, reason: object
) -> RequestStatus:
    """Ask for an upgrade or downgrade of the customer's active service to another active plan, or to cancel it at
    the end of the period (its next bill date, when known), with a reason. Opens a "Service request" ticket and
    returns the service's request status. Refused while the service has an open request."""
    customer = customer_scope(db, principal).customer
    service = _own_active_service(db, customer, service_id)
    if not isinstance(action, str) or action not in ACTIONS:
        raise TicketInputError("Choose what you would like: Upgrade, Downgrade or Cancel.", field="action")
    chosen = ServiceAction(action)
    plan = None if chosen == ServiceAction.CANCEL else _offered_plan(db, customer, service, plan_id)
    text = required_text(reason, limit=REASON_MAX, missing="Tell us why you would like this change.", field="reason")
    _refuse_second_request(db, service)
    effective_on = service.next_bill_on if chosen == ServiceAction.CANCEL else None
    ticket = Ticket(
        customer_id=customer.id,
        subject=_subject(chosen, service, plan),
        description=_description(chosen, service, plan, customer, text),
        priority=Priority.MEDIUM,
        status=TicketStatus.OPEN,
        source="Portal",
        kind=TicketKind.SERVICE_REQUEST,
    )
    db.add(ticket)
    db.flush()
    request = ServiceRequest(
        ticket_id=ticket.id,
        service_id=service.id,
        action=chosen,
        plan_id=plan.id if plan is not None else None,
        effective_on=effective_on,
    )
    db.add(request)
    db.flush()
    return _status(request, ticket, plan.name if plan is not None else None, customer)


def _own_active_service(db: Session, customer: Customer, service_id: object) -> Service:
    """The customer's service with this id, refused unless it is active. Claims the row for writing (SQLite's write
    lock, PostgreSQL's row lock) so that a concurrent request for it waits until this one is saved, then sees it."""
    wanted = db_id(service_id)
    services = db.exec(select(Service).where(Service.customer_id == customer.id)).all()
    service = next((s for s in services if s.id == wanted), None)
    if service is None:
        raise TicketInputError(SERVICE_NOT_FOUND)
    claimed = db.exec(
        update(Service).where(col(Service.id) == service.id, col(Service.is_active)).values(is_active=True)
    ).rowcount
    if not claimed:
        raise TicketInputError(f"{service.name} is not active, so it cannot be changed. Open a support ticket.")
    return service


def _offered_plan(db: Session, customer: Customer, service: Service, plan_id: object) -> ServicePlan:
    """The provider's active plan the customer chose; not the plan the service already is."""
    wanted = parse_id(plan_id) if isinstance(plan_id, str) else db_id(plan_id)
    plan = next((p for p in _active_plans(db, customer) if p.id == wanted), None)
    if plan is None:
        raise TicketInputError(PLAN_NOT_OFFERED, field="plan_id")
    if plan.name.casefold() == service.name.casefold():
        raise TicketInputError(f"{service.name} is already on {plan.name}: choose another plan.", field="plan_id")
    return plan


def _refuse_second_request(db: Session, service: Service) -> None:
    open_ticket = db.exec(
        select(Ticket.id)
        .join(ServiceRequest, col(ServiceRequest.ticket_id) == col(Ticket.id))
        .where(ServiceRequest.service_id == service.id, col(Ticket.status).in_(OPEN_STATUSES))
    ).first()
    if open_ticket is not None:
        raise OpenRequestExists(
            f"{service.name} already has an open request (ticket #{open_ticket}): "
            "follow it up in its thread, or wait until it is resolved.",
            f"{THREAD_PATH}/{open_ticket}",
        )


def _subject(action: ServiceAction, service: Service, plan: ServicePlan | None) -> str:
    text = (
        f"Cancel {service.name} at the end of the period" if plan is None else f"{action} {service.name} to {plan.name}"
    )
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 1].rstrip() + "…"


def _description(
    action: ServiceAction, service: Service, plan: ServicePlan | None, customer: Customer, reason: str
) -> str:
    locale = customer.locale
    current = price_text(service.price_minor, service.currency or customer.currency, service.billing_cycle, locale)
    lines = [f"Service: {service.name}" + (f" ({current})" if current else "")]
    if plan is None:
        on = f", on {show_date(service.next_bill_on, locale)}" if service.next_bill_on else ""
        lines.append(f"Request: cancel the service at the end of the period{on}.")
    else:
        offer = price_text(plan.price_minor, plan.currency, plan.billing_cycle, locale)
        lines.append(f"Request: {action.lower()} to the plan {plan.name} ({offer}).")
    lines.append(f"Reason: {reason}")
    return "\n".join(lines)
