"""What the payment race and event tests share: a session of their own, delivering an event, the payments."""

from __future__ import annotations

import threading

from fault_injection import run_together
from sqlmodel import Session, select

from portal_app import db as portal_db
from portal_app.models import Payment
from portal_app.services.billing import checkout
from portal_app.services.billing import stripe_events as events
from portal_app.services.billing.stripe_events import handle_event

RETURN = "https://portal.example.com"


def new_session() -> Session:
    """A database session of its own, as another request would have."""
    return Session(portal_db.engine(), expire_on_commit=False)


def deliver(event: dict) -> None:
    """Stripe's webhook delivering the event, in its own transaction."""
    with new_session() as session:
        handle_event(session, event)


def payments(db: Session) -> list[Payment]:
    """Every payment row, oldest first, as the database has it now."""
    db.expire_all()
    return list(db.exec(select(Payment).order_by(Payment.id)).all())


def webhook_racing_the_return_page(monkeypatch, scenario, session: dict, event: dict) -> list[object]:
    """Stripe's webhook and the customer's return page record the same paid Checkout Session at once, each having
    found it unrecorded before either records it; returns [the webhook's result, the return page's result]."""
    both_decided = threading.Barrier(2, timeout=30)
    record = events.checkout_completed

    def decided_then_record(*args):
        both_decided.wait()  # each has found the payment unrecorded and is about to record it
        return record(*args)

    monkeypatch.setattr(events, "checkout_completed", decided_then_record)
    monkeypatch.setattr(checkout, "checkout_completed", decided_then_record)

    def return_page() -> str:
        with new_session() as db:
            return checkout.checkout_return(db, scenario.principal, scenario.invoice.id, session["id"])

    return run_together(lambda: deliver(event), return_page)
