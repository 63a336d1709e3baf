"""The Overview shows only the signed-in customer's own figures, from the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_customer, make_organisation, make_user, principal_for

from portal_app.models import Invoice, InvoiceState, Payment, PaymentStatus, Service, Ticket, TicketStatus
from portal_app.services.access import NotLinked
from portal_app.services.accounts.overview import overview
from portal_app.services.common.contact_links import tel_link

TODAY = date.today()


def invoice(customer, total, paid=0, *, state=InvoiceState.ISSUED, issued_days_ago=10, due_in=10, number=""):
    return Invoice(
        customer_id=customer.id,
        number=number,
        state=state,
        issued_on=TODAY - timedelta(days=issued_days_ago),
        due_on=TODAY + timedelta(days=due_in),
        currency="USD",
        total_minor=total,
        paid_minor=paid,
    )


@pytest.fixture
def alex(db):
    org = make_organisation(db, name="Northwind Fiber")
    customer = make_customer(db, org, name="Alex Morgan", email="alex@example.com", phone="555", address="1 Road")
    other = make_customer(db, org, name="Someone Else")
    db.add_all(
        [
            invoice(customer, 10_000, 10_000, issued_days_ago=60, number="A-1"),  # paid
            invoice(customer, 5_000, 1_000, issued_days_ago=40, due_in=-5, number="A-2"),  # overdue: 40.00 due
            invoice(customer, 2_550, issued_days_ago=5, number="A-3"),  # issued: 25.50 due
            invoice(customer, 99_999, state=InvoiceState.VOID, issued_days_ago=3, number="A-4"),
            invoice(customer, 77_777, state=InvoiceState.DRAFT, issued_days_ago=1, number="A-5"),
            invoice(other, 123_456, issued_days_ago=0, number="B-1"),
            Service(customer_id=customer.id, name="Fiber 1 Gbps", is_active=True, active_since=date(2024, 1, 5)),
            Service(customer_id=customer.id, name="Old plan", is_active=False),
            Service(customer_id=other.id, name="Not mine"),
            Payment(
                customer_id=customer.id,
                amount_minor=10_000,
                currency="USD",
                processed_at=datetime(2026, 1, 3, 9, 0, tzinfo=UTC),
            ),
            Payment(
                customer_id=customer.id,
                amount_minor=7_000,
                currency="USD",
                status=PaymentStatus.FAILED,
                processed_at=datetime(2026, 2, 1, tzinfo=UTC),
            ),
            Payment(customer_id=other.id, amount_minor=1, currency="USD"),
            Ticket(customer_id=customer.id, subject="a", description="x", status=TicketStatus.OPEN),
            Ticket(customer_id=customer.id, subject="b", description="x", status=TicketStatus.AWAITING_CUSTOMER),
            Ticket(customer_id=customer.id, subject="c", description="x", status=TicketStatus.RESOLVED),
            Ticket(customer_id=other.id, subject="d", description="x"),
        ]
    )
    db.commit()
    return make_user(db, email="alex@example.com", customer=customer)


def test_figures_are_the_customers_own(db, alex):
    data = overview(db, principal_for(db, alex))
    assert data.client_name == "Alex Morgan"
    assert data.email == "alex@example.com"
    assert data.balance_due == "$65.50"  # 40.00 overdue + 25.50 issued; void, draft, paid and others' excluded
    assert data.has_balance
    assert [s.name for s in data.services] == ["Fiber 1 Gbps", "Old plan"]
    assert [s.status for s in data.services] == ["Active", "Inactive"]
    assert data.services[0].active_since == "Jan 5, 2024"
    assert data.service_count == 2
    assert data.last_invoice_total == "$999.99"  # the void one is the latest visible; drafts never show
    assert data.last_payment_amount == "$100.00"  # failed payments are not "last payment"
    assert data.last_payment_date == "Jan 3, 2026"
    assert data.open_tickets == 2


def test_nothing_due_shows_zero_in_the_customers_currency(db):
    customer = make_customer(db, currency="EUR", locale="de_DE")
    user = make_user(db, customer=customer)
    data = overview(db, principal_for(db, user))
    assert data.balance_due == "0,00\xa0€"
    assert not data.has_balance
    assert data.last_invoice_total == ""
    assert data.services == []


def test_unlinked_person_gets_not_linked(db):
    user = make_user(db)
    with pytest.raises(NotLinked, match="not linked"):
        overview(db, principal_for(db, user))


def test_pay_now_only_with_a_balance_and_card_payments_on(db, monkeypatch):
    from stripe_fake import SECRET_KEY, scenario

    from portal_app.config import settings

    paying = scenario(db, currency="USD", total_minor=4_200)
    assert not overview(db, paying.principal).pay_online, "no platform key: no card payments"

    monkeypatch.setenv("PORTAL_STRIPE_SECRET_KEY", SECRET_KEY)
    settings.cache_clear()
    assert overview(db, paying.principal).pay_online

    paying.invoice.paid_minor = paying.invoice.total_minor
    db.add(paying.invoice)
    db.commit()
    assert not overview(db, paying.principal).pay_online, "nothing due: nothing to pay"
    settings.cache_clear()


def test_phone_and_email_are_tap_links(db, alex):
    assert overview(db, principal_for(db, alex)).phone_href == "tel:555"
    assert tel_link("+1 (555) 010-0199") == "tel:+15550100199"
    assert tel_link("0201 234 567") == "tel:0201234567"
    assert tel_link("") == tel_link("n/a") == ""
