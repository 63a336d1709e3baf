"""A worker restarted mid-session: a new process knows the signed-in person from the cookie's token alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO
from factories import make_customer, make_organisation, make_user
from stripe_fake import running, scenario

from portal_app import db as portal_db
from portal_app.config import settings
from portal_app.services.accounts import sessions
from portal_app.services.billing.checkout import start_checkout

RESOLVE = """
import json, sys
from portal_app.db import session_scope
from portal_app.services.accounts import sessions
with session_scope() as db:
    principal = sessions.resolve(db, sys.argv[1])
print(json.dumps(None if principal is None else [principal.user_email, principal.customer_id]))
"""


def resolve_in_a_new_process(token: str) -> list | None:
    """What a freshly started worker (no memory, same database) makes of the token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["REFLEX_DB_URL"] = settings().db_url
    done = subprocess.run(
        [sys.executable, "-c", RESOLVE, token], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_session_token_is_honoured_by_a_new_process(db):
    customer = make_customer(db, make_organisation(db))
    user = make_user(db, email="alex@example.com", customer=customer)
    remembered = sessions.open_session(db, user.id, remember=True)
    browser_only = sessions.open_session(db, user.id, remember=False)
    db.commit()
    portal_db.engine().dispose()  # this process lets go of the database, as a stopped worker does

    assert resolve_in_a_new_process(remembered) == ["alex@example.com", customer.id]
    assert resolve_in_a_new_process(browser_only) == ["alex@example.com", customer.id]
    assert resolve_in_a_new_process("not-a-token") is None


def test_a_payment_started_before_the_restart_is_reused_after_it(db, monkeypatch):
    with running(monkeypatch) as fake:
        s = scenario(db)
        before = start_checkout(db, s.principal, s.invoice.id, return_base="https://portal.example.com")
        portal_db.engine().dispose()
        portal_db.engine.cache_clear()  # a new worker builds its own engine
        with portal_db.session_scope() as fresh:
            after = start_checkout(fresh, s.principal, s.invoice.id, return_base="https://portal.example.com")
    assert after == before
    assert len(fake.of_kind("cs_")) == 1
