"""Customers for the load benchmark: one portal user per virtual tab, each with its own history.

Run against a bench database that already has the demo data (for the 20,000-invoice account):
`REFLEX_DB_URL=... python -m bench.seed`. Idempotent: a second run adds nothing. Never part of
the normal demo: `make run` does not call it.

The ramp's tabs (tab-0001 ...) sign in only to get going, so their password hash has bcrypt's
lowest cost; the login storm's tabs (after them) have the production cost, as real users do.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta

import bcrypt
from sqlalchemy import insert
from sqlmodel import Session, select

from portal_app.db import session_scope
from portal_app.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Membership,
    Organisation,
    Payment,
    PaymentStatus,
    PortalUser,
    Priority,
    Service,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from portal_app.services.accounts.passwords import hash_password

BENCH_SLUG = "bench"
BENCH_PASSWORD = "portal-bench-load"  # noqa: S105 - the published password of the bench accounts
INVOICES_PER_CUSTOMER = 30  # three history pages of ten
RAMP_CUSTOMERS = 200  # the most tabs a ramp step opens
STORM_CUSTOMERS = 50  # the login storm's sign-ins
CHEAP_BCRYPT_ROUNDS = 4
HUNDRED_EMAIL = "hundred@bench.example"
HUNDRED_INVOICES = 100
THREAD_MESSAGES = 4


def tab_email(number: int) -> str:
    """The sign-in email of bench customer `number` (1-based), one per virtual tab."""
    return f"tab-{number:04d}@bench.example"


def seed_bench(db: Session, today: date, ramp: int = RAMP_CUSTOMERS, storm: int = STORM_CUSTOMERS) -> bool:
    """Add the bench organisation and its customers; False (nothing written) when it exists."""
    if db.exec(select(Organisation.id).where(Organisation.slug == BENCH_SLUG)).first() is not None:
        return False
    org = Organisation(slug=BENCH_SLUG, name="Bench Broadband", email="help@bench.example")
    db.add(org)
    db.flush()
    cheap = bcrypt.hashpw(BENCH_PASSWORD.encode(), bcrypt.gensalt(rounds=CHEAP_BCRYPT_ROUNDS)).decode()
    real = hash_password(BENCH_PASSWORD)  # one hash at the production cost, shared: same password
    for number in range(1, ramp + storm + 1):
        password_hash = cheap if number <= ramp else real
        name = f"Bench Customer {number:04d}"
        _customer(db, org, (tab_email(number), name, password_hash), INVOICES_PER_CUSTOMER, today)
    _customer(db, org, (HUNDRED_EMAIL, "Hundred Invoices Ltd", real), HUNDRED_INVOICES, today)
    db.commit()
    return True


def _customer(db: Session, org: Organisation, person: tuple[str, str, str], invoices: int, today: date) -> None:
    """A customer (email, name, password hash) with a portal user, a service, `invoices` paid monthly
    invoices and one ticket thread."""
    email, name, password_hash = person
    customer = Customer(organisation_id=org.id, name=name, email=email, phone="555-0199", address="1 Bench Road")
    db.add(customer)
    db.flush()
    user = PortalUser(email=email, name=name, password_hash=password_hash)
    db.add(user)
    db.flush()
    db.add(Membership(portal_user_id=user.id, customer_id=customer.id))
    db.add(Service(customer_id=customer.id, name="Fiber 500", description="Home fiber.", active_since=today))
    _invoices(db, customer, invoices, today)
    _ticket(db, customer, today)


def _invoices(db: Session, customer: Customer, count: int, today: date) -> None:
    rows = []
    for n in range(count):
        issued = today - timedelta(days=30 * (count - n))
        rows.append(
            {
                "customer_id": customer.id,
                "number": f"BEN-{customer.id}-{n + 1:04d}",
                "state": InvoiceState.ISSUED,
                "issued_on": issued,
                "due_on": issued + timedelta(days=14),
                "currency": "USD",
                "total_minor": 4_900 + n,
                "paid_minor": 4_900 + n,
            }
        )
    ids = db.execute(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), rows).scalars().all()
    lines = [
        {"invoice_id": i, "position": 1, "description": "Fiber 500", "unit_price_minor": r["total_minor"]}
        | {"amount_minor": r["total_minor"]}
        for i, r in zip(ids, rows, strict=True)
    ]
    payments = [
        {
            "customer_id": customer.id,
            "invoice_id": i,
            "amount_minor": r["total_minor"],
            "currency": "USD",
            "status": PaymentStatus.SUCCEEDED,
            "processed_at": datetime.combine(r["issued_on"] + timedelta(days=2), time(10), tzinfo=UTC),
            "reference": f"ch_bench_{i}",
        }
        for i, r in zip(ids, rows, strict=True)
    ]
    db.execute(insert(InvoiceLine), lines)
    db.execute(insert(Payment), payments)


def _ticket(db: Session, customer: Customer, today: date) -> None:
    opened = datetime.combine(today - timedelta(days=3), time(9), tzinfo=UTC)
    ticket = Ticket(
        customer_id=customer.id,
        subject="Slow speeds in the evening",
        description="Speeds drop to 50 Mbps after 7 pm.",
        priority=Priority.MEDIUM,
        status=TicketStatus.AWAITING_CUSTOMER,
        created_at=opened,
        updated_at=opened + timedelta(hours=THREAD_MESSAGES),
    )
    db.add(ticket)
    db.flush()
    for n in range(THREAD_MESSAGES):
        staff = n % 2 == 0
        db.add(
            TicketMessage(
                ticket_id=ticket.id,
                from_staff=staff,
                author_name="Bench Support" if staff else customer.name,
                body=f"Message {n + 1} of the thread.",
                created_at=opened + timedelta(hours=n + 1),
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ramp", type=int, default=RAMP_CUSTOMERS, help="customers for the ramp's tabs")
    parser.add_argument("--storm", type=int, default=STORM_CUSTOMERS, help="customers for the login storm")
    args = parser.parse_args()
    with session_scope() as db:
        created = seed_bench(db, date.today(), args.ramp, args.storm)
    print("Bench customers created." if created else "Bench customers are already there; nothing changed.")


if __name__ == "__main__":
    main()
