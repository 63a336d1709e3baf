"""The provider's Stripe connected account: onboarding, linking, its stored status, account.updated, and the rule
that card payments and automatic payments are offered only while Stripe has enabled charges (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import PUBLIC_URL, make_organisation
from stripe_fake import ACCOUNT, running, scenario
from stripe_fake_connect import NEW_ACCOUNT_DUE, connected_account, set_status

from portal_app.errors import PortalError
from portal_app.models import Organisation
from portal_app.payments.gateway import PaymentError
from portal_app.services.billing import connect
from portal_app.services.billing.autopay import run_autopay
from portal_app.services.billing.cards import start_card_setup
from portal_app.services.billing.checkout import start_checkout
from portal_app.services.billing.eligibility import autopay_skipped_note, payment_options
from portal_app.services.billing.stripe_events import handle_event

RETURN = "https://portal.example.com"


@pytest.fixture
def fake(database, monkeypatch):
    with running(monkeypatch) as server:
        yield server


def reloaded(db, organisation: Organisation) -> Organisation:
    """The organisation as stored (another session's view)."""
    db.expire_all()
    return db.get(Organisation, organisation.id)


def account_event(fake, account_id: str, *, at: int, **status) -> dict:
    """The account.updated event Stripe sends at unix time `at` after the status changed."""
    fake.clock = lambda: at
    return json.loads(set_status(fake, account_id, **status))


def apply(db, event: dict) -> None:
    connect.account_updated(db, event["data"]["object"], event["created"])
    db.commit()


# -- onboarding ----------------------------------------------------------------------------------------------------


def test_onboarding_creates_an_account_with_controller_properties_and_an_onboarding_link(database, fake):
    acme = make_organisation(database, slug="acme", email="billing@acme.example")

    link = connect.start_onboarding(database, acme, country="gb")

    [create] = fake.calls("POST /v1/accounts")
    assert create.account is None  # a platform call
    assert create.idempotency_key
    assert create.form["controller[stripe_dashboard][type]"] == "full"
    assert create.form["controller[requirement_collection]"] == "stripe"
    assert "type" not in create.form  # deprecated in favour of `controller`
    assert (create.form["country"], create.form["email"], create.form["metadata[organisation]"]) == (
        "GB",
        "billing@acme.example",
        "acme",
    )
    stored = reloaded(database, acme)
    assert stored.stripe_account_id == link.account and link.account.startswith("acct_")
    assert (stored.stripe_charges_enabled, stored.stripe_payouts_enabled, stored.stripe_details_submitted) == (
        False,
        False,
        False,
    )
    assert stored.stripe_past_due == NEW_ACCOUNT_DUE
    assert stored.stripe_status_at is not None
    [made] = fake.calls("POST /v1/account_links")
    assert made.account is None
    assert (made.form["account"], made.form["type"]) == (link.account, "account_onboarding")
    assert made.form["refresh_url"].startswith(f"{PUBLIC_URL}/api/stripe/connect/refresh?org=acme&exp=")
    assert made.form["return_url"].startswith(f"{PUBLIC_URL}/api/stripe/connect/return?org=acme&exp=")
    assert link.url.startswith(fake.url) and link.expires_at > datetime.now(UTC)


def test_onboarding_again_reuses_the_account(database, fake):
    acme = make_organisation(database)
    first = connect.start_onboarding(database, acme)
    second = connect.start_onboarding(database, acme)

    assert first.account == second.account
    assert len(fake.calls("POST /v1/accounts")) == 1
    assert len(fake.calls("POST /v1/account_links")) == 2
    assert first.url != second.url


def test_a_failed_onboarding_link_keeps_the_new_account_for_the_next_try(database, fake):
    acme = make_organisation(database)
    fake.fail_next("POST /v1/account_links", "server_error")

    with pytest.raises(PortalError, match="did not make an onboarding link"):
        connect.start_onboarding(database, acme)
    database.rollback()  # what the command's unit of work does with the error
    account = reloaded(database, acme).stripe_account_id
    assert account is not None
    assert connect.start_onboarding(database, reloaded(database, acme)).account == account
    assert len(fake.calls("POST /v1/accounts")) == 1


def test_a_country_that_is_not_a_code_is_refused_before_stripe_is_asked(database, fake):
    with pytest.raises(PortalError, match="two-letter code"):
        connect.start_onboarding(database, make_organisation(database), country="United Kingdom")
    assert fake.requests == []


# -- linking an existing account -----------------------------------------------------------------------------------


def test_an_existing_account_is_read_on_the_platform_key_and_its_status_stored(database, fake):
    acme = make_organisation(database)
    account = connected_account(fake, payouts_enabled=False, currently_due=["external_account"])

    connect.link_existing(database, acme, f" {account['id']} ")
    database.commit()

    [read] = fake.calls("GET /v1/accounts/")
    assert read.account is None
    stored = reloaded(database, acme)
    assert stored.stripe_account_id == account["id"]
    assert (stored.stripe_charges_enabled, stored.stripe_payouts_enabled) == (True, False)
    assert stored.stripe_currently_due == ["external_account"]


def test_an_account_the_platform_cannot_read_is_refused_and_nothing_changes(database, fake):
    acme = make_organisation(database, stripe_account_id="acct_1Before", stripe_charges_enabled=True)

    with pytest.raises(PortalError, match="does not let this platform read acct_1NotOurs"):
        connect.link_existing(database, acme, "acct_1NotOurs")
    with pytest.raises(PortalError, match="looks like acct_"):
        connect.link_existing(database, acme, "cus_123")
    database.rollback()

    stored = reloaded(database, acme)
    assert (stored.stripe_account_id, stored.stripe_charges_enabled) == ("acct_1Before", True)


def test_linking_another_account_replaces_the_old_accounts_status(database, fake):
    restricted = connected_account(fake, charges_enabled=False, past_due=["external_account"])
    enabled = connected_account(fake)
    acme = make_organisation(database)
    connect.link_existing(database, acme, restricted["id"])
    database.commit()

    connect.link_existing(database, acme, enabled["id"])
    database.commit()

    stored = reloaded(database, acme)
    assert (stored.stripe_account_id, stored.stripe_charges_enabled, stored.stripe_past_due) == (
        enabled["id"],
        True,
        [],
    )


# -- keeping the status current ------------------------------------------------------------------------------------


def test_refresh_reads_what_stripe_says_now(database, fake):
    account = connected_account(fake)
    acme = make_organisation(database)
    connect.link_existing(database, acme, account["id"])
    database.commit()
    deadline = int(datetime(2026, 12, 12, tzinfo=UTC).timestamp())
    set_status(fake, account["id"], charges_enabled=False, disabled_reason="requirements.past_due",
               past_due=["individual.verification.document"], current_deadline=deadline)  # fmt: skip

    connect.refresh_status(database, acme)
    database.commit()

    stored = reloaded(database, acme)
    assert stored.stripe_charges_enabled is False
    assert stored.stripe_disabled_reason == "requirements.past_due"
    assert stored.stripe_past_due == ["individual.verification.document"]
    assert stored.stripe_requirements_deadline == datetime(2026, 12, 12, tzinfo=UTC)


def test_an_account_disconnected_from_the_platform_turns_card_payments_off(database, fake):
    account = connected_account(fake)
    acme = make_organisation(database)
    connect.link_existing(database, acme, account["id"])
    database.commit()
    del fake.objects[account["id"]]  # the provider disconnected the platform in its Dashboard

    connect.refresh_status(database, acme)
    database.commit()

    stored = reloaded(database, acme)
    assert stored.stripe_charges_enabled is False
    assert "can no longer read it" in connect.status_in_words(stored)[0]


def test_refresh_without_an_account_says_how_to_connect_one(database, fake):
    with pytest.raises(PortalError, match="has no Stripe account yet"):
        connect.refresh_status(database, make_organisation(database, name="Acme Broadband"))


def test_account_updated_stores_the_new_status(database, fake):
    account = connected_account(fake, charges_enabled=False, details_submitted=False, currently_due=["business_type"])
    acme = make_organisation(database, stripe_account_id=account["id"])
    other = make_organisation(database, stripe_account_id="acct_1Other")
    now = int(datetime.now(UTC).timestamp())

    apply(database, account_event(fake, account["id"], at=now, charges_enabled=True, details_submitted=True,
                                  currently_due=[]))  # fmt: skip

    stored = reloaded(database, acme)
    assert (stored.stripe_charges_enabled, stored.stripe_details_submitted, stored.stripe_currently_due) == (
        True,
        True,
        [],
    )
    assert stored.stripe_status_at == datetime.fromtimestamp(now, UTC)
    assert reloaded(database, other).stripe_status_at is None  # another account's organisation is left alone


def test_the_webhook_applies_account_updated_once_and_turns_card_payments_on(database, fake):
    s = scenario(database)
    s.organisation.stripe_charges_enabled = False
    s.organisation.stripe_account_id = connected_account(fake, charges_enabled=False)["id"]
    database.add(s.organisation)
    database.commit()
    assert not payment_options(database, s.principal).online
    now = int(datetime.now(UTC).timestamp())
    enabled = account_event(fake, s.organisation.stripe_account_id, at=now, charges_enabled=True)

    handle_event(database, enabled)
    assert payment_options(database, s.principal).online
    s.organisation.stripe_charges_enabled = False  # changed since (say, by a refresh); a replay must not undo it
    database.add(s.organisation)
    database.commit()
    handle_event(database, enabled)

    assert not reloaded(database, s.organisation).stripe_charges_enabled


def test_an_older_event_arriving_late_does_not_undo_a_newer_one(database, fake):
    account = connected_account(fake)
    acme = make_organisation(database, stripe_account_id=account["id"])
    start = int(datetime.now(UTC).timestamp()) - 600
    older = account_event(fake, account["id"], at=start, charges_enabled=True)
    newer = account_event(fake, account["id"], at=start + 60, charges_enabled=False, disabled_reason="under_review")

    apply(database, newer)
    apply(database, older)
    stored = reloaded(database, acme)
    assert (stored.stripe_charges_enabled, stored.stripe_disabled_reason) == (False, "under_review")

    apply(database, newer)  # a replay changes nothing either
    stored = reloaded(database, acme)
    assert (stored.stripe_charges_enabled, stored.stripe_disabled_reason) == (False, "under_review")


def test_an_event_older_than_the_last_read_is_ignored(database, fake):
    account = connected_account(fake)
    acme = make_organisation(database)
    connect.link_existing(database, acme, account["id"])  # read now: charges enabled
    database.commit()
    stale = account_event(fake, account["id"], at=int(datetime.now(UTC).timestamp()) - 3600, charges_enabled=False)

    apply(database, stale)

    assert reloaded(database, acme).stripe_charges_enabled is True


def test_an_event_for_an_account_no_organisation_uses_changes_nothing(database, fake):
    account = connected_account(fake)
    acme = make_organisation(database, stripe_account_id="acct_1Acme")

    apply(database, account_event(fake, account["id"], at=int(datetime.now(UTC).timestamp()), charges_enabled=False))

    assert reloaded(database, acme).stripe_status_at is None


# -- the gate: card payments only while charges are enabled --------------------------------------------------------


def test_card_and_automatic_payments_are_offered_only_while_charges_are_enabled(database, fake):
    s = scenario(database, autopay=True)
    assert payment_options(database, s.principal).online

    apply(database, account_event_for(ACCOUNT, charges_enabled=False, disabled_reason="requirements.past_due"))

    options = payment_options(database, s.principal)
    assert (options.online, options.autopay_allowed) == (False, False)
    with pytest.raises(PaymentError):
        start_checkout(database, s.principal, s.invoice.id, return_base=RETURN)
    with pytest.raises(PaymentError):
        start_card_setup(database, s.principal, return_base=RETURN)
    assert fake.calls("POST /v1/checkout/sessions") == []

    apply(database, account_event_for(ACCOUNT, charges_enabled=True, at_offset=60))
    assert payment_options(database, s.principal).online


def account_event_for(account_id: str, *, at_offset: int = 0, **status) -> dict:
    """An account.updated event for an account the scenario names (not one the fake made)."""
    requirements = {"currently_due": [], "past_due": [], "disabled_reason": status.pop("disabled_reason", None)}
    created = int(datetime.now(UTC).timestamp()) + at_offset
    return {"created": created, "data": {"object": {"id": account_id, "requirements": requirements, **status}}}


def test_automatic_payments_skip_an_organisation_whose_charges_are_not_enabled(database, fake):
    s = scenario(database, autopay=True, due_on=date(2025, 2, 1))
    setup = fake.complete_session(start_card_setup(database, s.principal, return_base=RETURN).rsplit("/", 1)[1])
    handle_event(database, json.loads(fake.event("checkout.session.completed", setup, account=ACCOUNT)))
    s.organisation.stripe_charges_enabled = False
    database.add(s.organisation)
    database.commit()

    report = run_autopay(database, now=datetime(2025, 2, 15, 6, 0, tzinfo=UTC))

    assert report.charged == 0
    assert fake.calls("POST /v1/payment_intents") == []
    note = autopay_skipped_note(s.organisation)
    assert note is not None and f"stripe-status {s.organisation.slug}" in note
    assert report.lines == [note]  # said once in the run's report
    s.organisation.stripe_charges_enabled = True
    assert autopay_skipped_note(s.organisation) is None


# -- the migration -------------------------------------------------------------------------------------------------


def test_organisations_with_an_account_before_the_upgrade_start_not_checked(tmp_path, monkeypatch):
    from alembic import command
    from alembic.config import Config
    from conftest import REPO

    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    monkeypatch.setenv("REFLEX_DB_URL", url)
    config = Config(str(REPO / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "0010")
    with sqlite3.connect(tmp_path / "upgrade.db") as db:
        db.execute(
            "INSERT INTO organisation (slug, name, logo_path, brand_colour, address, email, phone, website, "
            "stripe_account_id, online_payments_enabled, autopay_allowed, created_at) "
            "VALUES ('acme', 'Acme', NULL, '#0f766e', '', '', '', '', 'acct_1Old', 1, 1, '2025-01-01 00:00:00')"
        )
    command.upgrade(config, "0011")
    with sqlite3.connect(tmp_path / "upgrade.db") as db:
        row = db.execute(
            "SELECT stripe_charges_enabled, stripe_payouts_enabled, stripe_currently_due, stripe_past_due, "
            "stripe_disabled_reason, stripe_status_at FROM organisation"
        ).fetchone()
    assert row == (0, 0, "[]", "[]", None, None)
    command.downgrade(config, "0010")


def test_the_signed_links_name_the_organisation_and_its_account_and_expire(database, fake):
    account = connected_account(fake)
    acme = make_organisation(database, slug="acme", stripe_account_id=account["id"])
    past = datetime.now(UTC) - connect.LINK_LIFETIME - timedelta(minutes=1)
    connect.onboarding_link(acme, now=past)
    query = parse_qs(urlsplit(fake.calls("POST /v1/account_links")[0].form["return_url"]).query)
    exp, sig = query["exp"][0], query["sig"][0]

    assert connect.signed_organisation(database, "acme", exp, sig, now=past) == acme
    with pytest.raises(connect.LinkRefused):
        connect.signed_organisation(database, "acme", exp, sig)  # expired
    with pytest.raises(connect.LinkRefused):
        connect.signed_organisation(database, "acme", exp, sig[:-1] + ("0" if sig[-1] != "0" else "1"), now=past)
    acme.stripe_account_id = "acct_1Replaced"
    database.add(acme)
    database.commit()
    with pytest.raises(connect.LinkRefused):
        connect.signed_organisation(database, "acme", exp, sig, now=past)  # signed for the old account
