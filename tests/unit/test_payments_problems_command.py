"""`python -m portal_app.cli payments problems --org SLUG`: the provider's disputed payments and failed refunds, of
its own organisation only, in words."""

from __future__ import annotations

import json

from factories import make_organisation
from payment_helpers import RETURN, deliver
from stripe_fake import ACCOUNT, scenario

from portal_app.cli.main import main
from portal_app.services.billing.checkout import start_checkout


def test_the_command_lists_the_organisations_disputes_and_says_when_there_are_none(db, fake, capsys):
    s = scenario(db, total_minor=4_200)
    make_organisation(db, slug="other", name="Other Provider")
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    session = fake.complete_session(url.rsplit("/", 1)[1])
    deliver(json.loads(fake.event("checkout.session.completed", session, account=ACCOUNT)))
    dispute = fake.dispute(session["payment_intent"], dispute_id="dp_cli", reason="product_not_received")
    deliver(json.loads(fake.event("charge.dispute.created", dispute, account=ACCOUNT)))

    assert main(["payments", "problems", "--org", s.organisation.slug]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"Disputed: {s.customer.name}, card payment of €42.00 on ")
    assert f"for invoice {s.invoice.number}: " in line
    assert "€42.00 is a chargeback awaiting your evidence" in line
    assert "reason: product not received (Stripe dispute dp_cli)." in line

    assert main(["payments", "problems", "--org", "other"]) == 0
    assert capsys.readouterr().out == "No disputed payments or failed refunds for Other Provider.\n"
    assert main(["payments", "problems", "--org", "nobody"]) == 1
