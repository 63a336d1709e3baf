"""The Overview tab: account snapshot, services snapshot and latest activity."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from portal_app.services.access import customer_scope
from portal_app.services.accounts.figures import account_figures
from portal_app.services.accounts.provisioned import ServiceCard, service_cards
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.balances import format_balances
from portal_app.services.billing.eligibility import online_enabled
from portal_app.services.common.contact_links import tel_link
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money
from portal_app.services.common.reads import database_only

SNAPSHOT_SIZE = 3


@dataclass(frozen=True)
class Overview:
    """Everything the Overview tab shows, already formatted for the customer's locale."""

    client_name: str
    email: str
    phone: str
    address: str
    balance_due: str
    has_balance: bool
    pay_online: bool = False  # a balance is due and card payments are on: "Pay now" beside the balance
    phone_href: str = ""  # the phone as a tel: link (digits and a leading +), "" without a phone
    services: list[ServiceCard] = field(default_factory=list)
    service_count: int = 0
    last_invoice_total: str = ""
    last_invoice_issued: str = ""
    last_payment_amount: str = ""
    last_payment_date: str = ""
    open_tickets: int = 0
    active_projects: int = 0


@database_only
def overview(db: Session, principal: Principal) -> Overview:
    """The Overview of the principal's current customer."""
    scope = customer_scope(db, principal)
    customer = scope.customer
    locale = customer.locale
    figures = account_figures(db, customer, activity=True)
    balances, last_invoice, last_payment = figures.balances, figures.last_invoice, figures.last_payment
    return Overview(
        client_name=customer.name,
        email=customer.email,
        phone=customer.phone,
        address=customer.address,
        balance_due=format_balances(balances, customer.currency, locale),
        has_balance=bool(balances),
        pay_online=bool(balances) and online_enabled(scope.organisation, customer),
        phone_href=tel_link(customer.phone),
        services=service_cards(db, customer, limit=SNAPSHOT_SIZE),
        service_count=figures.services,
        last_invoice_total=(
            format_money(last_invoice.total_minor, last_invoice.currency, locale) if last_invoice else ""
        ),
        last_invoice_issued=show_date(last_invoice.issued_on, locale) if last_invoice else "",
        last_payment_amount=(
            format_money(last_payment.amount_minor, last_payment.currency, locale) if last_payment else ""
        ),
        last_payment_date=show_date(last_payment.processed_at.date(), locale) if last_payment else "",
        open_tickets=figures.open_tickets,
        active_projects=figures.active_projects,
    )
