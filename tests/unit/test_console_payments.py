"""Settings → Payments in the console: Stripe status in words, refresh and onboarding through connect.py, the
online/automatic payments switches; admins only, every change audited."""

from __future__ import annotations

import pytest
from factories import make_organisation, make_user, principal_for
from sqlmodel import select
from stripe_fake_connect import connected_account, set_status

from portal_app.errors import PortalError
from portal_app.models import AuditEntry, Organisation, StaffRole
from portal_app.services.access import NotAdmin
from portal_app.services.billing import connect
from portal_app.services.console import payment_settings as payments

IP = "198.51.100.4"


@pytest.fixture
def admin(db, acme):
    user = make_user(db, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN)
    return principal_for(db, user)


def actions(db) -> list[tuple[str, str]]:
    return [(e.action, e.detail) for e in db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]


def test_without_an_account_online_payments_stay_off(db, acme, admin):
    shown = payments.payment_settings(db, admin)
    assert shown.status == ["No Stripe account is connected, so customers cannot pay by card."]
    assert (shown.has_account, shown.online_payments_enabled) == (False, False)
    with pytest.raises(PortalError, match="Connect a Stripe account first"):
        payments.save_payment_settings(db, admin, True, False, client_ip=IP)
    db.rollback()
    assert actions(db) == []


def test_switches_are_checked_saved_and_audited(db, acme, admin):
    acme.stripe_account_id = "acct_1Test"
    db.add(acme)
    db.commit()
    with pytest.raises(PortalError, match="Automatic payments need online payments"):
        payments.save_payment_settings(db, admin, False, True, client_ip=IP)
    with pytest.raises(PortalError):
        payments.save_payment_settings(db, admin, "on", False, client_ip=IP)
    shown = payments.save_payment_settings(db, admin, True, True, client_ip=IP)
    assert (shown.online_payments_enabled, shown.autopay_allowed) == (True, True)
    payments.save_payment_settings(db, admin, True, True, client_ip=IP)  # nothing changed: no entry
    db.commit()
    assert db.get(Organisation, acme.id).autopay_allowed is True
    assert actions(db) == [("Changed payment settings", "Online payments on, automatic payments allowed")]


def test_refresh_reads_stripe_again_and_is_audited(database, fake):
    acme = make_organisation(database, name="Acme Broadband")
    admin = principal_for(
        database,
        make_user(database, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN),
    )
    account = connected_account(fake)
    connect.link_existing(database, acme, account["id"])
    database.commit()
    set_status(fake, account["id"], charges_enabled=False, disabled_reason="under_review")

    shown = payments.refresh_stripe_status(database, admin, client_ip=IP)
    database.commit()

    assert "Stripe has restricted the account: Stripe is reviewing it." in shown.status
    assert actions(database) == [("Refreshed Stripe status", account["id"])]


def test_onboarding_opens_stripes_page_for_admins_only(database, fake):
    acme = make_organisation(database, name="Acme Broadband")
    admin = principal_for(
        database,
        make_user(database, email="robin@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.ADMIN),
    )
    agent = principal_for(
        database,
        make_user(database, email="jamie@acme.example", staff_organisation_id=acme.id, staff_role=StaffRole.AGENT),
    )
    with pytest.raises(NotAdmin):
        payments.stripe_onboarding_url(database, agent, client_ip=IP)
    url = payments.stripe_onboarding_url(database, admin, client_ip=IP)
    database.commit()
    assert url.startswith("http")
    assert database.get(Organisation, acme.id).stripe_account_id
    assert [a for a, _ in actions(database)] == ["Opened Stripe onboarding"]
