"""Demo service plans: Northwind's catalogue, and the price, cycle and next bill date of its customers' services
that are on one of those plans (by name)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from portal_app.models import BillingCycle, Customer, Organisation, Service, ServicePlan

# (name, description, price in cents, billing cycle, offered)
NORTHWIND_PLANS = (
    ("Fiber 300 Mbps", "300 Mbps fiber internet, unlimited data.", 4_900, BillingCycle.MONTHLY, True),
    ("Fiber 500 Mbps", "500 Mbps fiber internet, unlimited data.", 5_900, BillingCycle.MONTHLY, True),
    ("Fiber 1 Gbps", "Symmetric 1 Gbps fiber internet, unlimited data.", 7_900, BillingCycle.MONTHLY, True),
    ("Fiber 2 Gbps", "Symmetric 2 Gbps fiber internet with a Wi-Fi 7 router.", 9_900, BillingCycle.MONTHLY, True),
    ("Static IP address", "One fixed public IPv4 address.", 1_000, BillingCycle.MONTHLY, True),
    ("Managed Wi-Fi", "Mesh Wi-Fi for the whole home, monitored by Northwind.", 1_500, BillingCycle.MONTHLY, True),
    (
        "Business Fiber 500 Mbps",
        "500 Mbps business fiber with a 4-hour repair SLA.",
        14_900,
        BillingCycle.MONTHLY,
        True,
    ),
    ("Fiber 100 Mbps", "No longer offered.", 2_900, BillingCycle.MONTHLY, False),
)


def seed_service_plans(db: Session, *, northwind_id: int, today: date | None = None) -> None:
    """Add the plans Northwind lacks and price its customers' active services that are on them and have no price
    yet, next billed on the first of next month; no commit."""
    northwind = db.get(Organisation, northwind_id)
    have = set(db.exec(select(ServicePlan.name).where(ServicePlan.organisation_id == northwind.id)).all())
    for name, description, price, cycle, offered in NORTHWIND_PLANS:
        if name not in have:
            db.add(
                ServicePlan(
                    organisation_id=northwind.id,
                    name=name,
                    description=description,
                    price_minor=price,
                    currency="USD",
                    billing_cycle=cycle,
                    is_active=offered,
                )
            )
    day = today or date.today()
    next_bill = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    prices = {name: (price, cycle) for name, _, price, cycle, _ in NORTHWIND_PLANS}
    services = db.exec(
        select(Service)
        .join(Customer, col(Customer.id) == col(Service.customer_id))
        .where(Customer.organisation_id == northwind.id, col(Service.is_active), col(Service.price_minor).is_(None))
    ).all()
    for service in services:
        if service.name in prices:
            service.price_minor, service.billing_cycle = prices[service.name]
            service.currency = "USD"
            service.next_bill_on = next_bill
            db.add(service)
    db.flush()
