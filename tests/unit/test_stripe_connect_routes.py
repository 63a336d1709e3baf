"""Stripe's onboarding comes back to the portal: the refresh URL makes a new link, the return URL shows the status."""

from __future__ import annotations

import pytest
from factories import PUBLIC_URL, make_organisation
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient
from stripe_fake_connect import connected_account, set_status

from portal_app.api.stripe_connect import connect_refresh, connect_return
from portal_app.models import Organisation
from portal_app.services.billing import connect

ROUTES = [
    Route("/api/stripe/connect/refresh", connect_refresh, methods=["GET"]),
    Route("/api/stripe/connect/return", connect_return, methods=["GET"]),
]


@pytest.fixture
def web(fake):
    return TestClient(Starlette(routes=ROUTES))


@pytest.fixture
def acme(db, fake):
    """Acme with a new account, part-way through onboarding (the onboarding link made once)."""
    organisation = make_organisation(db, slug="acme", name="Acme <Broadband>")
    connect.start_onboarding(db, organisation)
    return organisation


def sent_url(fake, which: str, index: int = 0) -> str:
    """The refresh_url / return_url the portal gave Stripe, as a path on the portal."""
    return fake.calls("POST /v1/account_links")[index].form[which].removeprefix(PUBLIC_URL)


def test_refresh_makes_a_new_onboarding_link_and_redirects_to_it(web, fake, acme):
    response = web.get(sent_url(fake, "refresh_url"), follow_redirects=False)

    assert response.status_code == 303
    _, second = fake.calls("POST /v1/account_links")
    assert response.headers["location"].startswith(f"{fake.url}/connect/setup/{acme.stripe_account_id}/")
    assert {k: v for k, v in second.form.items() if k not in ("refresh_url", "return_url")} == {
        "account": acme.stripe_account_id,
        "type": "account_onboarding",
    }
    assert second.form["refresh_url"].startswith(f"{PUBLIC_URL}/api/stripe/connect/refresh?org=acme&")
    assert response.headers["cache-control"] == "private, no-store"


def test_return_reads_the_account_and_shows_its_status_in_words(db, web, fake, acme):
    set_status(fake, acme.stripe_account_id, charges_enabled=True, details_submitted=True, past_due=[],
               currently_due=["external_account"])  # fmt: skip

    response = web.get(sent_url(fake, "return_url"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Acme &lt;Broadband&gt;: Stripe account</h1>" in response.text
    assert "Card payments: enabled." in response.text
    assert "Stripe still needs: a bank account for payouts." in response.text
    db.expire_all()
    assert db.get(Organisation, acme.id).stripe_charges_enabled is True


def test_return_shows_the_last_known_status_when_stripe_cannot_be_asked(db, web, fake, acme):
    for _ in range(2):  # the SDK tries twice
        fake.fail_next(f"GET /v1/accounts/{acme.stripe_account_id}", "server_error")

    response = web.get(sent_url(fake, "return_url"))

    assert response.status_code == 200
    assert "could not be asked" in response.text
    assert "This is the status as last known:" in response.text
    assert "Card payments: not enabled" in response.text


def test_refresh_says_so_when_stripe_makes_no_new_link(web, fake, acme):
    fake.fail_next("POST /v1/account_links", "server_error")

    response = web.get(sent_url(fake, "refresh_url"), follow_redirects=False)

    assert response.status_code == 502
    assert "did not make an onboarding link" in response.text


@pytest.mark.parametrize("which", ["refresh_url", "return_url"])
def test_a_tampered_or_other_accounts_link_is_refused(db, web, fake, acme, which):
    url = sent_url(fake, which)
    tampered = url.replace("org=acme", "org=northwind")
    make_organisation(db, slug="northwind", stripe_account_id=connected_account(fake)["id"])

    assert web.get(tampered, follow_redirects=False).status_code == 403
    assert web.get(url.replace("sig=", "sig=0"), follow_redirects=False).status_code == 403
    assert web.get(url.split("?")[0], follow_redirects=False).status_code == 403
    acme.stripe_account_id = connected_account(fake)["id"]  # the provider linked another account since
    db.add(acme)
    db.commit()
    response = web.get(url, follow_redirects=False)
    assert response.status_code == 403
    assert "not valid or has expired" in response.text
    assert len(fake.calls("POST /v1/account_links")) == 1  # no link was made for a refused request
