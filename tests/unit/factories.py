"""Builders for test data, and helpers to read what the portal emailed."""

from __future__ import annotations

import email
import threading
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default
from itertools import count
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session

from portal_app.config import settings
from portal_app.models import Customer, Membership, Organisation, PortalUser
from portal_app.services.accounts import sessions
from portal_app.services.accounts.passwords import hash_password
from portal_app.services.accounts.sessions import Principal

PUBLIC_URL = "https://portal.example.com"
MAIL_FROM = "Acme Portal <portal@acme.example.com>"

_ids = count(1)


def make_organisation(db: Session, *, slug: str = "", name: str = "Acme Broadband", **fields) -> Organisation:
    """A committed organisation; slug defaults to a unique one."""
    organisation = Organisation(slug=slug or f"org-{next(_ids)}", name=name, **fields)
    db.add(organisation)
    db.commit()
    return organisation


def make_customer(
    db: Session, organisation: Organisation | None = None, *, name: str = "Riverside Bakery", **fields
) -> Customer:
    """A committed customer of the organisation (a new one when not given)."""
    organisation = organisation or make_organisation(db)
    customer = Customer(organisation_id=organisation.id, name=name, **fields)
    db.add(customer)
    db.commit()
    return customer


def make_user(
    db: Session,
    *,
    email: str = "",
    password: str | None = "correct horse battery",
    customer: Customer | None = None,
    **fields,
) -> PortalUser:
    """A committed portal user, with a password unless password=None, linked to the customer if given."""
    user = PortalUser(
        email=email or f"person{next(_ids)}@example.com",
        password_hash=hash_password(password) if password else None,
        **fields,
    )
    db.add(user)
    db.flush()
    if customer is not None:
        db.add(Membership(portal_user_id=user.id, customer_id=customer.id))
    db.commit()
    return user


def principal_for(db: Session, user: PortalUser) -> Principal:
    """The user, signed in on a new browser session."""
    token = sessions.open_session(db, user.id, remember=False)
    db.commit()
    return sessions.resolve(db, token)


def sent_mail() -> list[EmailMessage]:
    """Every message written to the outbox folder, oldest first."""
    folder = settings().outbox_dir
    if not folder.exists():
        return []
    return [email.message_from_bytes(path.read_bytes(), policy=default) for path in sorted(folder.glob("*.eml"))]


def token_in(text_or_link: str) -> str:
    """The token query parameter of the (first) portal link in a text."""
    link = next(word for word in text_or_link.split() if "token=" in word)
    return parse_qs(urlsplit(link).query)["token"][0]


def slow_hashing(monkeypatch) -> None:
    """Use the production bcrypt cost, so a password change takes long enough for calls to overlap."""
    monkeypatch.setenv("PORTAL_BCRYPT_ROUNDS", "12")
    settings.cache_clear()


def run_concurrently(*calls: Callable[[], object]) -> list[object]:
    """Start the calls together on threads; returns each one's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
