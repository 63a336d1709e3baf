"""The demo data loads once, is consistent, and covers what the browser tests rely on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from portal_app.db import make_engine
from portal_app.demo import seed_demo
from portal_app.models import Customer, Invoice, InvoiceLine, Membership, Payment, PaymentStatus, PortalUser
from portal_app.services.accounts.passwords import verify_password
from portal_app.services.billing.invoice_status import invoice_status

REPO = Path(__file__).resolve().parents[2]


def counts(db) -> dict[str, int]:
    return {
        name: db.exec(select(func.count()).select_from(table)).one() for name, table in SQLModel.metadata.tables.items()
    }


def test_seeding_twice_changes_nothing(db):
    assert seed_demo(db) is True
    before = counts(db)
    assert seed_demo(db) is False
    assert counts(db) == before


def test_demo_customer_has_invoices_in_every_status_and_consistent_payments(db):
    seed_demo(db)
    alex = db.exec(select(Customer).where(Customer.name == "Alex Morgan")).one()
    invoices = db.exec(select(Invoice).where(Invoice.customer_id == alex.id)).all()
    statuses = {invoice_status(i, date.today()).value for i in invoices if i.state != "draft"}
    assert {"Paid", "Partially paid", "Issued", "Overdue", "Void"} <= statuses
    assert any(i.state == "draft" for i in invoices)
    for invoice in invoices:
        succeeded = db.exec(
            select(func.coalesce(func.sum(Payment.amount_minor), 0)).where(
                Payment.invoice_id == invoice.id, Payment.status == PaymentStatus.SUCCEEDED
            )
        ).one()
        assert invoice.paid_minor == succeeded, invoice.number


def test_demo_people_can_sign_in_and_multi_has_two_organisations(db):
    seed_demo(db)
    demo = db.exec(select(PortalUser).where(PortalUser.email == "demo@example.com")).one()
    assert verify_password("portal-demo", demo.password_hash)
    multi = db.exec(select(PortalUser).where(PortalUser.email == "multi@example.com")).one()
    customers = db.exec(
        select(Customer)
        .join(Membership, Membership.customer_id == Customer.id)
        .where(Membership.portal_user_id == multi.id)
    ).all()
    assert len({c.organisation_id for c in customers}) == 2
    bulk = db.exec(select(Customer).where(Customer.name == "Bulk Test Ltd")).one()
    assert db.exec(select(func.count()).where(Invoice.customer_id == bulk.id)).one() == 20_000


def test_every_invoice_total_is_the_sum_of_its_lines(db):
    seed_demo(db)
    mismatched_lines = db.exec(
        select(func.count()).where(InvoiceLine.amount_minor != InvoiceLine.quantity * InvoiceLine.unit_price_minor)
    ).one()
    line_sums = (
        select(InvoiceLine.invoice_id, func.sum(InvoiceLine.amount_minor).label("lines_total"))
        .group_by(InvoiceLine.invoice_id)
        .subquery()
    )
    wrong_totals = db.exec(
        select(Invoice.number)
        .outerjoin(line_sums, line_sums.c.invoice_id == Invoice.id)
        .where(func.coalesce(line_sums.c.lines_total, -1) != Invoice.total_minor)
    ).all()
    assert mismatched_lines == 0
    assert wrong_totals == []


def _migrated_session(path: Path) -> Session:
    """A session on another fresh database, migrated like the `db` fixture's."""
    url = f"sqlite:///{path}"
    config = Config(str(REPO / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "head")
    return Session(make_engine(url))


def _history(db, customer_name: str) -> list[tuple]:
    """Everything a customer sees about their money, in a comparable form."""
    customer = db.exec(select(Customer).where(Customer.name == customer_name)).one()
    invoices = db.exec(
        select(
            Invoice.number, Invoice.state, Invoice.issued_on, Invoice.due_on, Invoice.total_minor, Invoice.paid_minor
        )
        .where(Invoice.customer_id == customer.id)
        .order_by(Invoice.id)
    ).all()
    payments = db.exec(
        select(Payment.amount_minor, Payment.status, Payment.processed_at, Payment.reference)
        .where(Payment.customer_id == customer.id)
        .order_by(Payment.id)
    ).all()
    return [*map(tuple, invoices), *map(tuple, payments)]


def test_seeding_is_deterministic_for_a_given_day(db, tmp_path):
    today = date(2026, 3, 10)
    with _migrated_session(tmp_path / "second.db") as other:
        assert seed_demo(db, today=today)
        assert seed_demo(other, today=today)
        for name in ("Alex Morgan", "Rivera Design Co."):
            assert _history(db, name) == _history(other, name)
        other.get_bind().dispose()
