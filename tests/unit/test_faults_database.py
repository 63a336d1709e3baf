"""The database briefly unavailable: a clear "try again" message, nothing half-written, /api/health says 503."""

from __future__ import annotations

import socket
import threading

import pytest
from fault_injection import closed_port, database_fails, drive, fresh_state
from sqlalchemy import text
from sqlmodel import Session, create_engine, select
from starlette.testclient import TestClient
from stripe_fake import ACCOUNT, scenario, sign

from portal_app import db as portal_db
from portal_app.api import api_app
from portal_app.config import settings
from portal_app.db import UNAVAILABLE, DatabaseUnavailable, make_engine, session_scope
from portal_app.models import Payment, PaymentAttempt, Ticket
from portal_app.services.accounts import sessions
from portal_app.services.billing.checkout import start_checkout
from portal_app.state.outages import backend_exception_handler
from portal_app.state.payments import PaymentsState

RETURN = "https://portal.example.com"


def signed_in(db, s) -> str:
    token = sessions.open_session(db, s.principal.user_id, remember=False)
    db.commit()
    return token


def test_an_outage_inside_a_unit_of_work_is_reported_as_unavailable_and_nothing_is_kept(db):
    s = scenario(db)
    with (
        database_fails(portal_db.engine(), "INSERT INTO ticket") as refused,
        pytest.raises(DatabaseUnavailable) as caught,
        session_scope() as session,
    ):
        session.add(Ticket(customer_id=s.customer.id, subject="Printer", description="Broken"))
        session.flush()
    assert refused
    assert caught.value.message == UNAVAILABLE
    assert db.exec(select(Ticket)).all() == []


def test_an_outage_is_logged_without_the_values_of_the_statement(db, caplog):
    with pytest.raises(DatabaseUnavailable), session_scope() as session:
        session.execute(text("SELECT 1 FROM ticket_archive WHERE description = :secret"), {"secret": "my PIN is 4711"})
    logged = "\n".join(f"{r.getMessage()} {r.exc_info[1] if r.exc_info else ''}" for r in caplog.records)
    assert "ticket_archive" in logged  # the statement is there to debug with, its values are not
    assert "4711" not in logged


def test_a_database_locked_too_long_is_an_outage_too(db, monkeypatch):
    url = settings().db_url
    impatient = create_engine(url, connect_args={"check_same_thread": False, "timeout": 0.05})
    holder = make_engine(url)
    with monkeypatch.context() as patch, holder.connect() as locker:
        patch.setattr(portal_db, "engine", lambda: impatient)
        locker.exec_driver_sql("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(DatabaseUnavailable), session_scope() as session:
            session.execute(text("UPDATE organisation SET name = name"))
        locker.rollback()
    holder.dispose()
    impatient.dispose()


def test_pay_while_the_database_fails_after_stripe_answered_says_try_again_and_the_retry_reuses_the_session(db, fake):
    s = scenario(db)
    state = fresh_state(PaymentsState, signed_in(db, s))
    with database_fails(portal_db.engine(), "INSERT INTO paymentattempt") as refused:
        events = drive(state, "pay", str(s.invoice.id))
    assert refused
    assert state.payment_error == UNAVAILABLE
    assert state.starting == ""
    assert not [e for e in events if e is not None]
    assert db.exec(select(PaymentAttempt)).all() == []

    drive(state, "pay", str(s.invoice.id))
    assert state.payment_error == ""
    assert len(fake.of_kind("cs_")) == 1  # the same Idempotency-Key: Stripe's session from the first try
    assert db.exec(select(PaymentAttempt)).one().stripe_checkout_session_id == fake.of_kind("cs_")[0]["id"]


def test_a_handler_cut_short_by_an_outage_shows_try_again_not_an_error(db, fake):
    import portal_app.portal_app as portal

    s = scenario(db)
    state = fresh_state(PaymentsState, signed_in(db, s))
    with database_fails(portal_db.engine(), "FROM authsession"), pytest.raises(DatabaseUnavailable) as cut:
        drive(state, "pay", str(s.invoice.id))  # the session lookup itself fails: Reflex gets the exception

    assert portal.app.backend_exception_handler is backend_exception_handler
    shown = str(backend_exception_handler(cut.value))
    assert UNAVAILABLE in shown
    assert "An error occurred" not in shown
    other = str(backend_exception_handler(RuntimeError("bug")))
    assert "An error occurred" in other and UNAVAILABLE not in other


def test_webhook_during_an_outage_answers_500_so_stripe_redelivers_and_the_payment_is_kept_once(db, fake):
    s = scenario(db, total_minor=4_200)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    payload = fake.event("checkout.session.completed", session, account=ACCOUNT)
    client = TestClient(api_app)

    def deliver() -> int:
        headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
        return client.post("/api/stripe/webhook", content=payload.encode(), headers=headers).status_code

    with database_fails(portal_db.engine(), "INSERT INTO payment "):
        assert deliver() == 500
    db.expire_all()
    assert db.exec(select(Payment)).all() == []
    assert deliver() == 200
    assert deliver() == 200
    db.expire_all()
    [payment] = db.exec(select(Payment)).all()
    assert payment.amount_minor == 4_200
    db.refresh(s.invoice)
    assert s.invoice.paid_minor == 4_200


def point_at(monkeypatch, url: str) -> None:
    monkeypatch.setenv("REFLEX_DB_URL", url)
    settings.cache_clear()
    portal_db.engine.cache_clear()


def test_health_is_503_when_postgresql_refuses_connections(db, monkeypatch):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    point_at(monkeypatch, f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/portal")
    down = TestClient(api_app).get("/api/health")
    assert (down.status_code, down.json()) == (503, {"status": "unavailable", "database": "unavailable"})


def test_health_is_503_when_the_database_host_never_answers(db, monkeypatch):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setattr(portal_db, "CONNECT_TIMEOUT_SECONDS", 1)
    with socket.socket() as silent:  # accepts the TCP connection, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        point_at(monkeypatch, f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/portal")
        done = threading.Event()
        result: list = []

        def ask() -> None:
            result.append(TestClient(api_app).get("/api/health"))
            done.set()

        threading.Thread(target=ask, daemon=True).start()
        assert done.wait(timeout=30), "the health check hung on a silent database host"
    assert result[0].status_code == 503
    portal_db.engine().dispose()


def test_once_the_database_is_back_the_same_request_works(db, fake):
    s = scenario(db)
    with database_fails(portal_db.engine(), "FROM invoice"), pytest.raises(DatabaseUnavailable), session_scope() as x:
        start_checkout(x, s.principal, s.invoice.id, return_base=RETURN)
    assert fake.requests == []  # the outage came before Stripe was asked
    with Session(portal_db.engine()) as session:
        assert start_checkout(session, s.principal, s.invoice.id, return_base=RETURN).startswith(fake.url)


def test_a_connection_the_server_dropped_fails_one_request_and_the_next_connects_afresh(env, monkeypatch):
    """No ping before each checkout (issue 16): a PostgreSQL restart costs the request that meets a dead pooled
    connection ("try again"), and the pool is emptied, so the very next request works."""
    from fault_injection import scratch_postgres

    with scratch_postgres(monkeypatch) as db:
        db.close()
        with session_scope() as work:
            pid = work.exec(text("SELECT pg_backend_pid()")).one()[0]
        admin = create_engine(settings().db_url)  # outside the portal's pool, like a server restart
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        with pytest.raises(DatabaseUnavailable), session_scope() as work:
            work.exec(text("SELECT 1")).one()
        with session_scope() as work:
            assert work.exec(text("SELECT 1")).one()[0] == 1
