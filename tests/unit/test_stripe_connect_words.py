"""What the provider sees of its Stripe account: connected or not, card payments, payouts, what Stripe still needs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal_app.models import Organisation
from portal_app.services.billing.connect import (
    NO_ACCESS,
    disabled_in_words,
    requirement_in_words,
    requirements_in_words,
    status_in_words,
)

READ = datetime(2026, 11, 29, 16, 5, tzinfo=UTC)


def organisation(**fields) -> Organisation:
    return Organisation(slug="acme", name="Acme Broadband", **fields)


def test_no_account_and_an_account_never_read():
    assert status_in_words(organisation()) == ["No Stripe account is connected, so customers cannot pay by card."]
    [line] = status_in_words(organisation(stripe_account_id="acct_1Acme"))
    assert line.startswith("Stripe account acct_1Acme: not checked yet")


def test_an_account_ready_for_payments():
    words = status_in_words(
        organisation(
            stripe_account_id="acct_1Acme",
            stripe_status_at=READ,
            stripe_charges_enabled=True,
            stripe_payouts_enabled=True,
            stripe_details_submitted=True,
        )
    )
    assert words == [
        "Stripe account acct_1Acme, as of Nov 29, 2026, 4:05\u202fPM UTC.",  # Babel: a narrow space
        "Card payments: enabled.",
        "Payouts to your bank: enabled.",
        "Stripe needs nothing more for now.",
    ]


def test_a_restricted_account_says_why_and_what_stripe_needs_overdue_first():
    words = status_in_words(
        organisation(
            stripe_account_id="acct_1Acme",
            stripe_status_at=READ,
            stripe_disabled_reason="requirements.past_due",
            stripe_past_due=["external_account"],
            stripe_currently_due=["external_account", "individual.verification.document", "business_profile.url"],
            stripe_requirements_deadline=datetime(2026, 12, 12, tzinfo=UTC),
        )
    )
    assert words[1:] == [
        "Card payments: not enabled, so customers are not offered card or automatic payments.",
        "Payouts to your bank: not enabled yet; Stripe keeps what customers pay until they are.",
        "Onboarding: not finished; your details have not been submitted to Stripe yet.",
        "Stripe has restricted the account: information Stripe asked for is overdue (listed below).",
        "Overdue, Stripe needs now: a bank account for payouts.",
        "Stripe still needs by Dec 12, 2026: a photo ID of the account holder; your business website.",
    ]


def test_an_account_the_platform_lost():
    [line] = status_in_words(
        organisation(stripe_account_id="acct_1Acme", stripe_status_at=READ, stripe_disabled_reason=NO_ACCESS)
    )
    assert "can no longer read it" in line and "card payments are off" in line


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("individual.verification.document", "a photo ID of the account holder"),
        ("individual.verification.additional_document", "a document proving the address of the account holder"),
        ("individual.dob.day", "the date of birth of the account holder"),
        ("representative.address.postal_code", "the home address of the company's representative"),
        ("person_1NvXyZ.verification.document", "a photo ID of a person on the account (owner, director or executive)"),
        ("business_profile.url", "your business website"),
        ("external_account", "a bank account for payouts"),
        ("tos_acceptance.date", "your acceptance of Stripe's terms of service"),
        ("company.tax_id", "your company's tax ID"),
        ("company.structure", "your company: structure"),
        ("business_profile.annual_revenue.amount", "your business profile: annual revenue amount"),
        ("interv_abc123.restricted_or_prohibited_industry_diligence.form", "information Stripe asks for in your "
         "Stripe Dashboard"),
        ("some_new_field", "some new field"),
    ],
)  # fmt: skip
def test_requirement_keys_in_words(key, words):
    assert requirement_in_words(key) == words


def test_each_thing_is_asked_once():
    keys = ["individual.dob.day", "individual.dob.month", "individual.dob.year", "tos_acceptance.date",
            "tos_acceptance.ip"]  # fmt: skip
    assert requirements_in_words(keys) == (
        "the date of birth of the account holder; your acceptance of Stripe's terms of service"
    )


def test_disabled_reasons_in_words():
    assert disabled_in_words("rejected.fraud") == "Stripe rejected it because of suspected fraud."
    assert disabled_in_words("under_review") == "Stripe is reviewing it."
    assert disabled_in_words("something.new_reason") == "something new reason."
