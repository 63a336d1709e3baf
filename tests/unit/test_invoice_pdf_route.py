"""GET /api/invoices/{id}/pdf serves a customer only their own invoice, and /api/health reports the database."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_customer, make_organisation, make_user
from pypdf import PdfReader
from starlette.testclient import TestClient

from portal_app import db as portal_db
from portal_app.api import api_app
from portal_app.config import settings
from portal_app.models import Invoice, InvoiceLine, InvoiceState, Membership
from portal_app.services.access import pdf_link
from portal_app.services.accounts import sessions


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "route-test-secret")


def add_invoice(db, customer, *, number="NWF-2025-0001", state=InvoiceState.ISSUED) -> Invoice:
    invoice = Invoice(
        customer_id=customer.id,
        number=number,
        state=state,
        issued_on=date(2025, 1, 1),
        due_on=date(2025, 1, 31),
        currency="USD",
        total_minor=5_999,
    )
    db.add(invoice)
    db.flush()
    db.add(
        InvoiceLine(
            invoice_id=invoice.id, description="Fiber 500 Mbps", quantity=1, unit_price_minor=5_999, amount_minor=5_999
        )
    )
    db.commit()
    return invoice


def browser(db, customer) -> tuple[TestClient, sessions.Principal]:
    """A signed-in browser of a new person linked to the customer, and who the server takes them for."""
    user = make_user(db, customer=customer)
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return TestClient(api_app, cookies={"portal_session": token}), sessions.resolve(db, token)


@pytest.fixture
def owner_setup(db):
    organisation = make_organisation(db, name="Northwind Fiber")
    customer = make_customer(db, organisation, name="Alex Morgan")
    invoice = add_invoice(db, customer)
    client, principal = browser(db, customer)
    return organisation, customer, invoice, client, principal


def test_owner_opens_their_invoice_inline_or_as_a_download(db, owner_setup):
    _, _, invoice, client, principal = owner_setup

    inline = client.get(pdf_link(principal, invoice.id))
    download = client.get(pdf_link(principal, invoice.id, download=True))

    assert inline.status_code == 200
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"] == 'inline; filename="NWF-2025-0001.pdf"'
    assert inline.headers["cache-control"] == "private, no-store"
    assert inline.headers["x-content-type-options"] == "nosniff"
    text = " ".join(PdfReader(io.BytesIO(inline.content)).pages[0].extract_text().split())
    assert "Alex Morgan" in text
    assert "Total $59.99" in text
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="NWF-2025-0001.pdf"'


def test_remembered_browser_is_recognised_by_its_other_cookie(db, owner_setup):
    _, customer, invoice, _, _ = owner_setup
    user = make_user(db, customer=customer)
    token = sessions.open_session(db, user.id, remember=True)
    db.commit()
    client = TestClient(api_app, cookies={"portal_remember": token})

    response = client.get(pdf_link(sessions.resolve(db, token), invoice.id))

    assert response.status_code == 200


def test_signed_out_visitor_gets_403_without_data(db, owner_setup):
    _, _, invoice, client, principal = owner_setup
    link = pdf_link(principal, invoice.id)
    token = client.cookies["portal_session"]
    sessions.end_session(db, token)
    db.commit()

    for visitor in (TestClient(api_app), TestClient(api_app, cookies={"portal_session": "made-up"}), client):
        response = visitor.get(link)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "Please sign in to view this invoice." in response.text
        assert 'href="/portal/login?next=%2Fportal%2Fbilling"' in response.text  # a way back, through sign-in
        assert b"NWF-2025" not in response.content


def test_other_customers_get_404_with_the_owners_link_or_their_own_signature(db, owner_setup):
    organisation, _, invoice, _, principal = owner_setup
    owners_link = pdf_link(principal, invoice.id)
    same_org = make_customer(db, organisation, name="Riverside Bakery")
    other_org = make_customer(db, make_organisation(db, name="Harbor Web Studio"), name="Quay Cafe")

    for customer in (same_org, other_org):
        client, stranger = browser(db, customer)
        for link in (owners_link, pdf_link(stranger, invoice.id)):
            response = client.get(link)
            assert response.status_code == 404
            assert "<h1>Invoice not found.</h1>" in response.text
            assert 'href="/portal/billing"' in response.text
            assert response.headers["cache-control"] == "private, no-store"


def test_link_stops_working_when_the_person_switches_to_another_customer(db, owner_setup):
    _, _, invoice, client, principal = owner_setup
    link = pdf_link(principal, invoice.id)
    second = make_customer(db, make_organisation(db, name="Harbor Web Studio"), name="Alex at Harbor")
    db.add(Membership(portal_user_id=principal.user_id, customer_id=second.id))
    db.commit()
    assert sessions.switch_customer(db, principal, second.id)
    db.commit()

    assert client.get(link).status_code == 404


def test_a_link_of_a_page_left_open_for_an_hour_still_opens_the_invoice(db, owner_setup):
    _, _, invoice, client, principal = owner_setup
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)

    for download in (False, True):
        stale = pdf_link(principal, invoice.id, now=an_hour_ago, download=download)
        moved = client.get(stale, follow_redirects=False)
        assert moved.status_code == 303
        fresh = moved.headers["location"]
        assert fresh != stale and ("download=1" in fresh) == download
        opened = client.get(fresh)
        assert opened.status_code == 200 and opened.content.startswith(b"%PDF")


def test_an_expired_link_of_someone_else_or_of_another_customer_is_not_renewed(db, owner_setup):
    organisation, _, invoice, _, principal = owner_setup
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    client, stranger = browser(db, make_customer(db, organisation, name="Riverside Bakery"))
    for stale in (pdf_link(principal, invoice.id, now=an_hour_ago), pdf_link(stranger, invoice.id, now=an_hour_ago)):
        response = client.get(stale, follow_redirects=False)
        assert response.status_code == 404, stale


def test_tampered_guessed_and_draft_links_get_404(db, owner_setup):
    _, customer, invoice, client, principal = owner_setup
    draft = add_invoice(db, customer, number="", state=InvoiceState.DRAFT)
    valid = pdf_link(principal, invoice.id)
    flipped = valid[:-1] + ("0" if valid[-1] != "0" else "1")

    for link in (
        flipped,
        valid.replace(f"/invoices/{invoice.id}/", f"/invoices/{invoice.id + 1}/"),
        f"/api/invoices/{invoice.id}/pdf",
        pdf_link(principal, invoice.id + 1000),
        pdf_link(principal, draft.id),
        valid.replace(f"/invoices/{invoice.id}/", "/invoices/1e3/"),
    ):
        response = client.get(link, follow_redirects=False)
        assert response.status_code == 404, link
        assert "Invoice not found." in response.text
    assert client.get(pdf_link(principal, invoice.id, now=datetime.now(UTC) - timedelta(minutes=9))).status_code == 200


def test_health_reports_the_database(db, monkeypatch, tmp_path):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    ok = TestClient(api_app).get("/api/health")
    monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{tmp_path / 'missing' / 'portal.db'}")
    settings.cache_clear()
    portal_db.engine.cache_clear()

    down = TestClient(api_app).get("/api/health")

    assert (ok.status_code, ok.json()) == (200, {"status": "ok", "database": "ok"})
    assert (down.status_code, down.json()) == (503, {"status": "unavailable", "database": "unavailable"})


def test_health_reports_redis_when_configured(db, monkeypatch):
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    down = TestClient(api_app).get("/api/health")
    assert down.status_code == 503
    assert down.json()["redis"] == "unavailable"
