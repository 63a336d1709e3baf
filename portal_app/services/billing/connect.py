"""The provider's Stripe connected account: onboarding, linking an existing account, its status, and that in words.

The account is a Stripe account connected to the portal's platform; card payments go to it (direct charges with
the Stripe-Account header). Its status (`charges_enabled`, `payouts_enabled`, `details_submitted`, the
requirements) is stored on the Organisation and kept current three ways: read when the provider connects or links
the account, read again on request (`stripe-status`, the onboarding return page), and taken from `account.updated`
events. Each status carries the time it describes (`stripe_status_at`: when a read was sent, or the event's
`created`), and an older one never replaces a newer one, so replayed and out-of-order events change nothing.

Stripe's onboarding pages send the provider back to two portal URLs (refresh and return, api/stripe_connect.py).
They are opened without a portal session, so they carry a signed link naming the organisation and its account,
valid for LINK_LIFETIME.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import stripe
from sqlmodel import Session, select

from portal_app.config import settings
from portal_app.errors import PortalError
from portal_app.models import Organisation
from portal_app.models.base import utcnow
from portal_app.payments.gateway import as_dict, client, stripe_configured
from portal_app.services.access import provider_organisation
from portal_app.services.common.dates import show_date, show_datetime
from portal_app.services.common.inputs import parse_id
from portal_app.services.common.secret_key import secret_key
from portal_app.services.common.tokens import new_token

log = logging.getLogger(__name__)

ACCOUNT_PATTERN = re.compile(r"acct_[A-Za-z0-9]{1,59}")
LINK_LIFETIME = timedelta(hours=24)  # the signed refresh/return URLs; Stripe's own onboarding link lasts minutes
REFRESH_PATH = "/api/stripe/connect/refresh"
RETURN_PATH = "/api/stripe/connect/return"
# A Stripe-hosted onboarding for a provider that runs its own business: the full Stripe Dashboard, Stripe collects
# the requirements, the provider pays Stripe's fees and Stripe covers losses (what Stripe calls a Standard account;
# `type` is deprecated in favour of these controller properties).
CONTROLLER = {
    "stripe_dashboard": {"type": "full"},
    "requirement_collection": "stripe",
    "fees": {"payer": "account"},
    "losses": {"payments": "stripe"},
}
# Stored as the disabled reason when the platform can no longer read the account (not one of Stripe's values).
NO_ACCESS = "platform_access_revoked"
NOT_CONFIGURED = "PORTAL_STRIPE_SECRET_KEY is not set; the portal cannot talk to Stripe."
LINK_REFUSED = "This link is not valid or has expired. Ask for a new one with: python -m portal_app.cli stripe-connect"


class LinkRefused(PortalError):
    """A refresh/return link that is not signed by this portal, has expired, or names another account."""


@dataclass(frozen=True)
class OnboardingLink:
    """Stripe's onboarding page for the account (single use, valid until `expires_at`)."""

    account: str
    url: str
    expires_at: datetime


# --- onboarding and linking -----------------------------------------------------------------------------------


def start_onboarding(db: Session, organisation: Organisation, *, country: str | None = None) -> OnboardingLink:
    """Create the organisation's connected account (unless it has one) and a Stripe onboarding link for it.

    A new account is committed before the link is made: when the link fails, running this again reuses the account.
    """
    _require_stripe()
    if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
        raise PortalError("The country is a two-letter code such as US, GB or DE.")
    if not organisation.stripe_account_id:
        as_of = utcnow()
        params: dict[str, Any] = {
            "controller": CONTROLLER,
            "business_profile": {"name": organisation.name},
            "metadata": {"organisation": organisation.slug},
        }
        if organisation.email:
            params["email"] = organisation.email
        if country:
            params["country"] = country.upper()
        try:
            # A fresh key per attempt: the SDK's own retry of this request reuses it, a new run never replays a failure.
            account = client().v1.accounts.create(
                params, {"idempotency_key": f"connect-{organisation.id}-{new_token()}"}
            )
        except stripe.StripeError as exc:
            raise PortalError(f"Stripe did not create the connected account: {_said(exc)}") from None
        _store(organisation, as_dict(account), as_of, replacing=True)
        db.add(organisation)
        db.commit()
        log.info("Stripe connected account %s created for %s", organisation.stripe_account_id, organisation.slug)
    return onboarding_link(organisation)


def onboarding_link(organisation: Organisation, now: datetime | None = None) -> OnboardingLink:
    """A new Account Link (type account_onboarding) for the organisation's account, returning to the portal."""
    _require_stripe()
    account = _account_of(organisation)
    params = {
        "account": account,
        "type": "account_onboarding",
        "refresh_url": _signed_url(REFRESH_PATH, organisation, now),
        "return_url": _signed_url(RETURN_PATH, organisation, now),
    }
    try:
        link = as_dict(client().v1.account_links.create(params))
    except stripe.StripeError as exc:
        raise PortalError(f"Stripe did not make an onboarding link for {account}: {_said(exc)}") from None
    return OnboardingLink(account, link["url"], datetime.fromtimestamp(int(link["expires_at"]), UTC))


def link_existing(db: Session, organisation: Organisation, account_id: str) -> None:
    """Use an account already connected to the platform: it is read on the platform key and its status stored.

    An account the platform cannot read (not connected to it, or no such account) is refused and nothing changes.
    Flushes; the caller commits.
    """
    _require_stripe()
    account_id = account_id.strip()
    if not ACCOUNT_PATTERN.fullmatch(account_id):
        raise PortalError("A Stripe account id looks like acct_1A2b3C4d5E6f7G8h.")
    as_of = utcnow()
    try:
        account = _retrieve(account_id)
    except (stripe.PermissionError, stripe.InvalidRequestError, stripe.AuthenticationError):
        raise PortalError(
            f"Stripe does not let this platform read {account_id}: it is not connected to the platform's Stripe "
            "account, or it does not exist. Nothing changed."
        ) from None
    except stripe.StripeError as exc:
        raise PortalError(f"Stripe could not be asked about {account_id} ({_said(exc)}); nothing changed.") from None
    _store(organisation, account, as_of, replacing=organisation.stripe_account_id != account_id)
    db.add(organisation)
    db.flush()


def refresh_status(db: Session, organisation: Organisation) -> None:
    """Read the organisation's account from Stripe again and store its status. Flushes; the caller commits.

    When the platform can no longer read the account (the provider disconnected it), card payments are off.
    """
    _require_stripe()
    account_id = _account_of(organisation)
    as_of = utcnow()
    try:
        account = _retrieve(account_id)
    except stripe.PermissionError:
        account = {"id": account_id, "requirements": {"disabled_reason": NO_ACCESS}}
    except stripe.StripeError as exc:
        raise PortalError(f"Stripe could not be asked about {account_id} ({_said(exc)}); try again.") from None
    if _store(organisation, account, as_of):
        db.add(organisation)
        db.flush()


def account_updated(db: Session, account: dict[str, Any], created: int) -> None:
    """The `account.updated` event (`created`: the event's time): the status of every organisation using the
    account, unless it already holds a newer one. Flushes; the caller commits."""
    account_id = str(account.get("id", ""))
    if not account_id:
        return
    as_of = datetime.fromtimestamp(created, UTC)
    # Locked and read fresh: of two events applied at once (two workers), the newer is the one kept.
    using = (
        select(Organisation)
        .where(Organisation.stripe_account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    for organisation in db.exec(using).all():
        if _store(organisation, account, as_of):
            db.add(organisation)
        else:
            log.info("account.updated of %s from %s is older than the stored status: ignored", account_id, as_of)
    db.flush()


def _retrieve(account_id: str) -> dict[str, Any]:
    """The account as the platform sees it (a platform call: no Stripe-Account header)."""
    return as_dict(client().v1.accounts.retrieve(account_id))


def _store(organisation: Organisation, account: dict[str, Any], as_of: datetime, *, replacing: bool = False) -> bool:
    """Keep the account's status as of `as_of` unless a newer one is stored; `replacing`: a new account id."""
    if replacing:
        organisation.stripe_account_id = str(account["id"])
    elif organisation.stripe_status_at is not None and as_of < organisation.stripe_status_at:
        return False
    requirements = account.get("requirements") or {}
    deadline = requirements.get("current_deadline")
    organisation.stripe_charges_enabled = bool(account.get("charges_enabled"))
    organisation.stripe_payouts_enabled = bool(account.get("payouts_enabled"))
    organisation.stripe_details_submitted = bool(account.get("details_submitted"))
    organisation.stripe_currently_due = [str(key) for key in requirements.get("currently_due") or []]
    organisation.stripe_past_due = [str(key) for key in requirements.get("past_due") or []]
    reason = requirements.get("disabled_reason")
    organisation.stripe_disabled_reason = str(reason)[:80] if reason else None
    organisation.stripe_requirements_deadline = datetime.fromtimestamp(int(deadline), UTC) if deadline else None
    organisation.stripe_status_at = as_of
    return True


# --- the signed refresh and return links --------------------------------------------------------------------------


def _signed_url(path: str, organisation: Organisation, now: datetime | None) -> str:
    exp = int((now or utcnow()).timestamp() + LINK_LIFETIME.total_seconds())
    query = {"org": organisation.slug, "exp": str(exp), "sig": _signature(organisation, exp)}
    return f"{settings().public_url}{path}?{urlencode(query)}"


def _signature(organisation: Organisation, exp: int) -> str:
    message = f"stripe-connect:{organisation.slug}:{organisation.stripe_account_id}:{exp}".encode()
    return hmac.new(secret_key(), message, hashlib.sha256).hexdigest()


def signed_organisation(db: Session, slug: str, exp: str, sig: str, now: datetime | None = None) -> Organisation:
    """The organisation a refresh/return link was signed for, while the link is valid and its account unchanged;
    LinkRefused otherwise."""
    expires = parse_id(exp)
    current = (now or utcnow()).timestamp()
    if expires is None or not current <= expires <= current + LINK_LIFETIME.total_seconds():
        raise LinkRefused(LINK_REFUSED)
    try:
        organisation = provider_organisation(db, slug)
    except PortalError:
        raise LinkRefused(LINK_REFUSED) from None
    expected = _signature(organisation, expires)
    if not organisation.stripe_account_id or not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        raise LinkRefused(LINK_REFUSED)
    return organisation


# --- what the provider sees --------------------------------------------------------------------------------------


def status_in_words(organisation: Organisation) -> list[str]:
    """The account's status for the provider, a sentence a line: connected or not, card payments, payouts, and
    what Stripe still needs (overdue first), with why Stripe paused the account."""
    account = organisation.stripe_account_id
    if not account:
        return ["No Stripe account is connected, so customers cannot pay by card."]
    checked = organisation.stripe_status_at
    if checked is None and not organisation.stripe_charges_enabled:
        return [f"Stripe account {account}: not checked yet, so card payments stay off until Stripe is asked."]
    if organisation.stripe_disabled_reason == NO_ACCESS:
        return [
            f"Stripe account {account}: this platform can no longer read it (it was disconnected from the "
            "platform, or closed), so card payments are off. Connect an account again."
        ]
    lines = [
        f"Stripe account {account}, as of {show_datetime(checked)} UTC." if checked else f"Stripe account {account}."
    ]
    if organisation.stripe_charges_enabled:
        lines.append("Card payments: enabled.")
    else:
        lines.append("Card payments: not enabled, so customers are not offered card or automatic payments.")
    if organisation.stripe_payouts_enabled:
        lines.append("Payouts to your bank: enabled.")
    else:
        lines.append("Payouts to your bank: not enabled yet; Stripe keeps what customers pay until they are.")
    if not organisation.stripe_details_submitted:
        lines.append("Onboarding: not finished; your details have not been submitted to Stripe yet.")
    if organisation.stripe_disabled_reason:
        lines.append(f"Stripe has restricted the account: {disabled_in_words(organisation.stripe_disabled_reason)}")
    overdue = requirements_in_words(organisation.stripe_past_due)
    if overdue:
        lines.append(f"Overdue, Stripe needs now: {overdue}.")
    due = [key for key in organisation.stripe_currently_due if key not in organisation.stripe_past_due]
    if due:
        deadline = organisation.stripe_requirements_deadline
        by = f" by {show_date(deadline.date())}" if deadline else ""
        lines.append(f"Stripe still needs{by}: {requirements_in_words(due)}.")
    elif not overdue and organisation.stripe_charges_enabled:
        lines.append("Stripe needs nothing more for now.")
    return lines


# What a requirement key asks for; `{who}` is the person it is about (REQUIREMENT_PEOPLE).
PERSON_REQUIREMENTS = {
    "address": "the home address of {who}",
    "dob": "the date of birth of {who}",
    "email": "the email address of {who}",
    "first_name": "the name of {who}",
    "last_name": "the name of {who}",
    "id_number": "the ID number (e.g. tax or social security number) of {who}",
    "phone": "the phone number of {who}",
    "relationship.title": "the job title of {who}",
    "ssn_last_4": "the last 4 digits of the Social Security number of {who}",
    "verification.additional_document": "a document proving the address of {who}",
    "verification.document": "a photo ID of {who}",
}
REQUIREMENT_PEOPLE = {
    "individual": "the account holder",
    "representative": "the company's representative",
    "person": "a person on the account (owner, director or executive)",
}
REQUIREMENT_WORDS = {
    "business_profile.mcc": "your business category",
    "business_profile.name": "your business name",
    "business_profile.product_description": "a description of what you sell",
    "business_profile.support_phone": "a support phone number for your customers",
    "business_profile.url": "your business website",
    "business_type": "your type of business (individual or company)",
    "company.address": "your company's registered address",
    "company.directors_provided": "the company's directors",
    "company.executives_provided": "the company's executives",
    "company.name": "your company's legal name",
    "company.owners_provided": "the company's owners",
    "company.phone": "your company's phone number",
    "company.tax_id": "your company's tax ID",
    "company.verification.document": "a document proving your company's registration",
    "external_account": "a bank account for payouts",
    "settings.payments.statement_descriptor": "the name shown on your customers' card statements",
    "tos_acceptance.date": "your acceptance of Stripe's terms of service",
    "tos_acceptance.ip": "your acceptance of Stripe's terms of service",
}
REQUIREMENT_AREAS = {
    "business_profile": "your business profile",
    "company": "your company",
    "settings": "your Stripe settings",
    "tos_acceptance": "Stripe's terms of service",
}


def requirements_in_words(keys: list[str]) -> str:
    """Stripe's requirement keys ("individual.verification.document") as a '; '-separated list of what they ask
    for, each said once."""
    said: list[str] = []
    for key in keys:
        words = requirement_in_words(key)
        if words not in said:
            said.append(words)
    return "; ".join(said)


def requirement_in_words(key: str) -> str:
    """One requirement key in words; an unknown key as readable words of its parts."""
    if key in REQUIREMENT_WORDS:
        return REQUIREMENT_WORDS[key]
    subject, _, field = key.partition(".")
    if subject.startswith("person_"):
        subject = "person"
    field = re.sub(r"^(address|dob)\..*$", r"\1", field)  # address.city, dob.day ... ask for one thing
    if subject in REQUIREMENT_PEOPLE and field in PERSON_REQUIREMENTS:
        return PERSON_REQUIREMENTS[field].format(who=REQUIREMENT_PEOPLE[subject])
    if subject.startswith("interv_"):
        return "information Stripe asks for in your Stripe Dashboard"
    area = REQUIREMENT_PEOPLE.get(subject) or REQUIREMENT_AREAS.get(subject) or _plain(subject)
    return f"{area}: {_plain(field)}" if field else area


DISABLED_WORDS = {
    "action_required.requested_capabilities": "no payment features have been requested for it yet.",
    "listed": "the business or a person on it may be on a list of prohibited parties; Stripe is checking.",
    "other": "for a reason Stripe explains in your Stripe Dashboard.",
    "platform_paused": "the portal's platform paused it; please contact us.",
    "rejected.fraud": "Stripe rejected it because of suspected fraud.",
    "rejected.incomplete_verification": "Stripe rejected it because verification was not completed in time.",
    "rejected.listed": "Stripe rejected it because the business or a person is on a list of prohibited parties.",
    "rejected.other": "Stripe rejected it.",
    "rejected.platform_fraud": "the portal's platform rejected it because of suspected fraud.",
    "rejected.platform_other": "the portal's platform rejected it.",
    "rejected.platform_terms_of_service": "the portal's platform rejected it for a breach of its terms.",
    "rejected.terms_of_service": "Stripe rejected it for a breach of Stripe's terms of service.",
    "requirements.past_due": "information Stripe asked for is overdue (listed below).",
    "requirements.pending_verification": "Stripe is verifying the information you gave; this can take a few days.",
    "under_review": "Stripe is reviewing it.",
}


def disabled_in_words(reason: str) -> str:
    """Stripe's `requirements.disabled_reason` as a sentence."""
    return DISABLED_WORDS.get(reason) or f"{_plain(reason)}."


def _plain(text: str) -> str:
    return re.sub(r"[._]+", " ", text).strip()


# --- helpers -----------------------------------------------------------------------------------------------------


def _require_stripe() -> None:
    if not stripe_configured():
        raise PortalError(NOT_CONFIGURED)


def _account_of(organisation: Organisation) -> str:
    if not organisation.stripe_account_id:
        raise PortalError(
            f"{organisation.name} has no Stripe account yet: connect one with stripe-connect or stripe-link."
        )
    return organisation.stripe_account_id


def _said(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc) or type(exc).__name__
