"""The Services tab: every service provisioned on the customer's account, with its summary cards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.models import Customer, Service
from portal_app.services.access import customer_scope
from portal_app.services.accounts.figures import account_figures
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.balances import format_balances
from portal_app.services.common.dates import show_date
from portal_app.services.common.reads import database_only
from portal_app.services.support.service_requests import (
    PlanChoice,
    RequestStatus,
    plan_choices,
    price_text,
    services_with_requests,
)

ACTIVE = "Active"


@dataclass(frozen=True)
class ServiceCard:
    """A service as a card or a table row shows it: price with its cycle ("$79.00 / month") and next bill date when
    known (else empty), and its latest change request (`request_summary` empty when none)."""

    id: int
    name: str
    description: str
    status: str
    active_since: str
    price: str = ""
    next_bill: str = ""
    can_request: bool = False
    request_summary: str = ""
    request_status: str = ""
    request_ticket: int = 0
    request_href: str = ""


@dataclass(frozen=True)
class ServicesPage:
    """The Services tab: its cards and every service."""

    active_services: int
    total_services: int
    open_invoices: int
    outstanding_balance: str
    open_tickets: int
    services: list[ServiceCard]
    plans: list[PlanChoice]


def service_cards(db: Session, customer: Customer, limit: int | None = None) -> list[ServiceCard]:
    """The customer's services, active first, then by name."""
    return [_card(row.service, customer, row.request) for row in services_with_requests(db, customer, limit)]


def _card(service: Service, customer: Customer, request: RequestStatus | None) -> ServiceCard:
    locale = customer.locale
    price = price_text(service.price_minor, service.currency or customer.currency, service.billing_cycle, locale)
    return ServiceCard(
        id=service.id,
        name=service.name,
        description=service.description,
        status=ACTIVE if service.is_active else "Inactive",
        active_since=show_date(service.active_since, locale),
        price=price,
        next_bill=show_date(service.next_bill_on, locale),
        can_request=service.is_active and not (request and request.is_open),
        request_summary=request.summary if request else "",
        request_status=request.status if request else "",
        request_ticket=request.ticket_id if request else 0,
        request_href=request.href if request else "",
    )


@database_only
def services_page(db: Session, principal: Principal) -> ServicesPage:
    """Active vs total services, open invoices, outstanding balance, open tickets and every service."""
    customer = customer_scope(db, principal).customer
    figures = account_figures(db, customer, activity=True)
    services = service_cards(db, customer)
    return ServicesPage(
        active_services=sum(1 for card in services if card.status == ACTIVE),
        total_services=len(services),
        open_invoices=figures.open_invoices,
        outstanding_balance=format_balances(figures.balances, customer.currency, customer.locale),
        open_tickets=figures.open_tickets,
        services=services,
        plans=plan_choices(db, customer),
    )
