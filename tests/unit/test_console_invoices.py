"""The console's invoices: filters, the manual payment (balance, status and billing history agree), voiding, moving
to another customer, the PDF the customer sees, and the audit entries; administrators of the organisation only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import make_customer, make_organisation, make_user, principal_for
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.errors import NotFound, PortalError
from portal_app.models import (
    AuditEntry,
    Invoice,
    InvoiceState,
    Payment,
    PaymentAttempt,
    PaymentStatus,
    StaffRole,
)
from portal_app.services.access import NotAdmin, staff_pdf_link
from portal_app.services.accounts import sessions
from portal_app.services.billing.invoices import billing_summary, invoice_page, payment_page
from portal_app.services.common.pagination import PageRequest
from portal_app.services.console import invoice_actions as actions
from portal_app.services.console.header import admin_call
from portal_app.services.console.invoices import InvoiceFilters, invoice_detail, invoice_list, read_filters

IP = "203.0.113.9"
TODAY = date.today()


@pytest.fixture
def admin(db, acme):
    user = make_user(db, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    return principal_for(db, user)


@pytest.fixture
def agent(db, acme):
    user = make_user(db, email="jamie@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT)
    return principal_for(db, user)


@pytest.fixture
def cafe(db, acme):
    return make_customer(db, acme, name="Harbour Cafe")


def make_invoice(db, customer, number: str, *, total=10_000, paid=0, due=TODAY + timedelta(days=10), **fields):
    invoice = Invoice(
        customer_id=customer.id,
        number=number,
        issued_on=fields.pop("issued_on", TODAY - timedelta(days=5)),
        due_on=due,
        currency="USD",
        total_minor=total,
        paid_minor=paid,
        **fields,
    )
    db.add(invoice)
    db.commit()
    return invoice


def audit(db) -> list[tuple[str, str, str, str]]:
    db.expire_all()
    return [(e.action, e.customer_name, e.detail, e.client_ip) for e in db.exec(select(AuditEntry)).all()]


def pay(db, admin, invoice, amount="40.00", paid_on=None, method="bank_transfer", reference="BT-1"):
    return actions.record_payment(
        db,
        admin,
        invoice.id,
        amount=amount,
        paid_on=(paid_on or TODAY).isoformat() if not isinstance(paid_on, str) else paid_on,
        method=method,
        reference=reference,
        client_ip=IP,
    )


def test_filters_by_status_customer_and_issue_date(db, acme, bakery, cafe, admin):
    make_invoice(db, bakery, "INV-1", paid=10_000)
    make_invoice(db, bakery, "INV-2", paid=2_000)
    make_invoice(db, bakery, "INV-3", due=TODAY - timedelta(days=1), issued_on=TODAY - timedelta(days=40))
    make_invoice(db, cafe, "INV-4")
    make_invoice(db, cafe, "INV-5", state=InvoiceState.DRAFT)
    make_invoice(db, cafe, "INV-6", state=InvoiceState.VOID)
    make_invoice(db, make_customer(db, make_organisation(db, name="Other"), name="Riverside elsewhere"), "X-1")

    def numbers(**filters):
        return [r.number for r in invoice_list(db, admin, InvoiceFilters(**filters), PageRequest()).rows]

    assert sorted(numbers()) == ["INV-1", "INV-2", "INV-3", "INV-4", "INV-5", "INV-6"]
    expected = {
        "Paid": ["INV-1"],
        "Partially paid": ["INV-2"],
        "Overdue": ["INV-3"],
        "Issued": ["INV-4"],
        "Draft": ["INV-5"],
        "Void": ["INV-6"],
    }
    for status, wanted in expected.items():
        assert numbers(status=status) == wanted, status
        assert {r.status for r in invoice_list(db, admin, InvoiceFilters(status=status), PageRequest()).rows} == {
            status
        }
    assert sorted(numbers(customer="riverside")) == ["INV-1", "INV-2", "INV-3"]
    assert numbers(issued_to=TODAY - timedelta(days=30)) == ["INV-3"]
    assert "INV-3" not in numbers(issued_from=TODAY - timedelta(days=30))
    page = invoice_list(db, admin, InvoiceFilters(), PageRequest(number=2, size=10))
    assert page.info.number == 1
    draft = next(r for r in invoice_list(db, admin, InvoiceFilters(), PageRequest()).rows if r.number == "INV-5")
    assert draft.pdf_href == ""


def test_filter_input_is_checked_at_its_field():
    assert read_filters("Bogus", "  cafe  ", "", "") == InvoiceFilters(customer="cafe")
    with pytest.raises(PortalError) as bad:
        read_filters("", "", "2026-13-01", "")
    assert bad.value.field == "issued_from"
    with pytest.raises(PortalError) as backwards:
        read_filters("", "", "2026-05-02", "2026-05-01")
    assert backwards.value.field == "issued_to"


def test_a_manual_payment_updates_balance_status_and_the_customers_billing_history(db, bakery, bea, admin):
    invoice = make_invoice(db, bakery, "INV-0042")
    said = pay(db, admin, invoice, "40.00")
    db.commit()
    assert said == "$40.00 was recorded against INV-0042. Balance now $60.00."
    assert invoice_detail(db, admin, invoice.id).status == "Partially paid"
    rows, _ = payment_page(db, bea, PageRequest())
    assert [(r.amount, r.status, r.details, r.invoice_number) for r in rows] == [
        ("$40.00", "Succeeded", "Bank transfer, ref BT-1", "INV-0042")
    ]
    pay(db, admin, invoice, "60", method="cheque", reference="")
    db.commit()
    invoices, _ = invoice_page(db, bea, PageRequest())
    assert (invoices[0].status, invoices[0].balance) == ("Paid", "$0.00")
    assert billing_summary(db, bea).outstanding_balance == "$0.00"
    assert [a[:3] for a in audit(db)] == [
        ("Recorded a payment", "Riverside Bakery", f"INV-0042: $40.00 by Bank transfer on {TODAY}, ref BT-1"),
        ("Recorded a payment", "Riverside Bakery", f"INV-0042: $60.00 by Cheque on {TODAY}"),
    ]
    assert audit(db)[0][3] == IP


@pytest.mark.parametrize(
    ("amount", "paid_on", "method", "field"),
    [
        ("", None, "cash", "amount"),
        ("0", None, "cash", "amount"),
        ("-5", None, "cash", "amount"),
        ("abc", None, "cash", "amount"),
        ("1e3", None, "cash", "amount"),
        ("10.001", None, "cash", "amount"),
        ("100.01", None, "cash", "amount"),  # more than the balance of $100.00
        ("10", "30/11/2026", "cash", "paid_on"),
        ("10", (TODAY + timedelta(days=1)).isoformat(), "cash", "paid_on"),
        ("10", "", "cash", "paid_on"),
        ("10", None, "card", "method"),
        ("10", None, {"x": 1}, "method"),
    ],
)
def test_bad_payments_are_refused_at_their_field_and_change_nothing(db, bakery, admin, amount, paid_on, method, field):
    invoice = make_invoice(db, bakery, "INV-7")
    with pytest.raises(PortalError) as refused:
        pay(db, admin, invoice, amount, paid_on=paid_on, method=method)
    db.rollback()
    assert refused.value.field == field
    db.expire_all()
    assert db.get(Invoice, invoice.id).paid_minor == 0
    assert db.exec(select(Payment)).all() == []
    assert audit(db) == []


def test_over_the_balance_says_what_the_balance_is(db, bakery, admin):
    invoice = make_invoice(db, bakery, "INV-8", paid=7_500)
    with pytest.raises(PortalError, match=r"\$30.00 is more than the balance of \$25.00.*\(25.00\)"):
        pay(db, admin, invoice, "30")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"state": InvoiceState.DRAFT}, "is a draft"),
        ({"state": InvoiceState.VOID}, "is void"),
        ({"paid": 10_000}, "is paid in full"),
    ],
)
def test_no_payment_against_drafts_void_or_paid_invoices(db, bakery, admin, fields, reason):
    invoice = make_invoice(db, bakery, "INV-9", **fields)
    with pytest.raises(PortalError, match=reason) as refused:
        pay(db, admin, invoice, "1")
    assert refused.value.field == ""
    assert invoice_detail(db, admin, invoice.id).can_record is False


def test_void_needs_a_reason_and_no_money_received(db, bakery, bea, admin):
    invoice = make_invoice(db, bakery, "INV-10")
    with pytest.raises(PortalError) as no_reason:
        actions.void_invoice(db, admin, invoice.id, "  ", client_ip=IP)
    assert no_reason.value.field == "reason"
    assert (
        actions.void_invoice(db, admin, invoice.id, "Billed twice", client_ip=IP)
        == "INV-10 is void: nothing is owed on it."
    )
    db.commit()
    invoices, _ = invoice_page(db, bea, PageRequest())
    assert invoices[0].status == "Void"
    with pytest.raises(PortalError, match="already void"):
        actions.void_invoice(db, admin, invoice.id, "again", client_ip=IP)
    paid = make_invoice(db, bakery, "INV-11")
    pay(db, admin, paid, "10")
    db.commit()
    with pytest.raises(PortalError, match="payments received against it"):
        actions.void_invoice(db, admin, paid.id, "Wrong", client_ip=IP)
    db.rollback()
    assert db.get(Invoice, paid.id).state == InvoiceState.ISSUED
    assert audit(db)[0][:3] == ("Voided invoice", "Riverside Bakery", "INV-10: Billed twice")


def test_move_asks_naming_both_customers_then_moves_within_the_organisation(db, acme, bakery, cafe, bea, admin):
    invoice = make_invoice(db, bakery, "INV-0042")
    assert (
        actions.move_question(db, admin, invoice.id, cafe.id) == "Move INV-0042 from Riverside Bakery to Harbour Cafe?"
    )
    said = actions.move_invoice(db, admin, invoice.id, cafe.id, client_ip=IP)
    db.commit()
    assert said == "Moved INV-0042 from Riverside Bakery to Harbour Cafe."
    assert db.get(Invoice, invoice.id).customer_id == cafe.id
    assert invoice_page(db, bea, PageRequest())[0] == []
    assert [a[:3] for a in audit(db)] == [
        ("Moved invoice", "Harbour Cafe", "INV-0042 from Riverside Bakery to Harbour Cafe")
    ]


def test_move_is_refused_for_other_organisations_the_same_customer_and_attached_payments(db, bakery, cafe, admin):
    invoice = make_invoice(db, bakery, "INV-12")
    stranger = make_customer(db, make_organisation(db, name="Other"), name="Stranger")
    for target in (stranger.id, 0, "x", bakery.id, 2**70):
        with pytest.raises(PortalError) as refused:
            actions.move_invoice(db, admin, invoice.id, target, client_ip=IP)
        assert refused.value.field == "customer", target
    db.add(
        PaymentAttempt(
            invoice_id=invoice.id,
            customer_id=bakery.id,
            kind="checkout",
            amount_minor=1,
            currency="USD",
            idempotency_key="k-1",
        )
    )
    db.commit()
    with pytest.raises(PortalError, match="started paying INV-12 online"):
        actions.move_question(db, admin, invoice.id, cafe.id)
    paid = make_invoice(db, bakery, "INV-13")
    db.add(
        Payment(
            customer_id=bakery.id, invoice_id=paid.id, amount_minor=500, currency="USD", status=PaymentStatus.FAILED
        )
    )
    db.commit()
    with pytest.raises(PortalError, match="payments from Riverside Bakery recorded against it"):
        actions.move_invoice(db, admin, paid.id, cafe.id, client_ip=IP)
    db.rollback()
    assert db.get(Invoice, paid.id).customer_id == bakery.id
    assert invoice_detail(db, admin, paid.id).can_move is False
    assert audit(db) == []


def test_agents_customers_and_other_organisations_get_nothing(db, bakery, cafe, agent, bea, admin):
    invoice = make_invoice(db, bakery, "INV-14")
    other_admin = principal_for(
        db,
        make_user(
            db,
            email="admin@harbor.example",
            staff_organisation_id=make_organisation(db, name="Harbor").id,
            staff_role=StaffRole.ADMIN,
        ),
    )
    for who in (agent, bea):
        with pytest.raises(NotAdmin):
            invoice_list(db, who, InvoiceFilters(), PageRequest())
        with pytest.raises(NotAdmin):
            pay(db, who, invoice, "1")
        assert admin_call(db, who, actions.void_invoice, invoice.id, "x")[1] is None
    for work in (
        lambda: invoice_detail(db, other_admin, invoice.id),
        lambda: pay(db, other_admin, invoice, "1"),
        lambda: actions.void_invoice(db, other_admin, invoice.id, "x"),
        lambda: actions.move_invoice(db, other_admin, invoice.id, cafe.id),
    ):
        with pytest.raises(NotFound):
            work()
    assert invoice_list(db, other_admin, InvoiceFilters(), PageRequest()).rows == []
    db.rollback()
    db.expire_all()
    assert (db.get(Invoice, invoice.id).paid_minor, db.get(Invoice, invoice.id).state) == (0, InvoiceState.ISSUED)
    assert audit(db) == []


def test_the_pdf_link_opens_the_customers_pdf_for_this_admin_only(db, bakery, admin, agent):
    from portal_app.api import api_app

    invoice = make_invoice(db, bakery, "INV-15")
    draft = make_invoice(db, bakery, "INV-16", state=InvoiceState.DRAFT)
    link = invoice_detail(db, admin, invoice.id).pdf_href
    assert link.startswith(f"/api/staff/invoices/{invoice.id}/pdf?")
    assert invoice_detail(db, admin, draft.id).pdf_href == ""
    as_admin = TestClient(api_app, cookies={"portal_session": _token(db, admin)})
    as_agent = TestClient(api_app, cookies={"portal_session": _token(db, agent)})
    answer = as_admin.get(link)
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    assert TestClient(api_app).get(link).status_code == 403
    assert as_agent.get(link).status_code == 404
    assert as_agent.get(staff_pdf_link(agent, invoice.id)).status_code == 404
    assert as_admin.get(staff_pdf_link(admin, draft.id)).status_code == 404
    assert as_admin.get(link.replace("sig=", "sig=0")).status_code == 404


def _token(db, principal) -> str:
    """A cookie of a new browser session of the same person."""
    token = sessions.open_session(db, principal.user_id, remember=False)
    db.commit()
    return token


def test_the_invoice_page_shows_a_refusal_at_its_field_then_records(db, bakery, admin):
    from fault_injection import drive, fresh_state

    from portal_app.state.staff_invoices import StaffInvoiceState

    invoice = make_invoice(db, bakery, "INV-17")
    state = fresh_state(StaffInvoiceState, _token(db, admin))
    state._invoice_id = invoice.id
    form = {"amount": "0", "paid_on": TODAY.isoformat(), "method": "cash", "reference": ""}
    drive(state, "record_payment", form)
    assert state.field_errors == {"payment-amount": "The amount must be more than zero."}
    drive(state, "record_payment", form | {"amount": "100"})
    assert state.field_errors == {}
    assert state.notice == "$100.00 was recorded against INV-17. Balance now $0.00."
    assert (state.invoice.status, state.invoice.can_record, state.invoice.can_void) == ("Paid", False, False)
    drive(state, "void_invoice", {"reason": "Oops"})
    assert "payments received against it" in state.error
    db.expire_all()
    assert db.get(Invoice, invoice.id).state == InvoiceState.ISSUED


def test_the_move_is_asked_before_it_is_done(db, bakery, cafe, admin):
    from fault_injection import drive, fresh_state

    from portal_app.state.staff_invoices import StaffInvoiceState

    invoice = make_invoice(db, bakery, "INV-0042")
    state = fresh_state(StaffInvoiceState, _token(db, admin))
    state._invoice_id = invoice.id
    drive(state, "ask_move")
    assert state.field_errors == {"move-customer": actions.CHOOSE_CUSTOMER}
    drive(state, "find_customers", "harbour")
    drive(state, "choose_customer", cafe.id)
    drive(state, "ask_move")
    assert state.move_question == "Move INV-0042 from Riverside Bakery to Harbour Cafe?"
    db.expire_all()
    assert db.get(Invoice, invoice.id).customer_id == bakery.id
    drive(state, "move_invoice")
    assert state.notice == "Moved INV-0042 from Riverside Bakery to Harbour Cafe."
    assert (state.invoice.customer, state.move_question, state.chosen_name) == ("Harbour Cafe", "", "")
    db.expire_all()
    assert db.get(Invoice, invoice.id).customer_id == cafe.id
