"""The fake's hosted Checkout page, run as its own process the way the browser tests run it."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import select
from starlette.testclient import TestClient
from stripe_fake import WEBHOOK_SECRET, scenario
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from portal_app.api import api_app
from portal_app.config import settings
from portal_app.models import Payment
from portal_app.services.billing.checkout import checkout_return, start_checkout

REPO = Path(__file__).resolve().parents[2]
RETURN = "https://portal.example.com"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def portal_webhook():
    """The portal's webhook route behind a real HTTP port (the fake process POSTs to it)."""
    client = TestClient(api_app)

    def app(environ, start_response):
        request = Request(environ)
        forwarded = client.post(
            request.path,
            content=request.get_data(),
            headers={key: value for key, value in request.headers.items() if key.lower() != "host"},
        )
        return Response(forwarded.content, status=forwarded.status_code)(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/api/stripe/webhook"
    server.shutdown()


@pytest.fixture
def fake_process(db, monkeypatch, portal_webhook):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.unit.stripe_fake", "--port", str(port), "--webhook-url", portal_webhook,
         "--webhook-secret", WEBHOOK_SECRET],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(f"{base}/pay/none", timeout=1)
        except urllib.error.HTTPError:
            break  # 404: it is serving
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)
    monkeypatch.setenv("PORTAL_STRIPE_API_BASE", base)
    monkeypatch.setenv("PORTAL_STRIPE_SECRET_KEY", "sk_test_portal")
    monkeypatch.setenv("PORTAL_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    settings.cache_clear()
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_paying_on_the_hosted_page_sends_the_signed_webhook_and_returns_to_the_portal(db, fake_process):
    s = scenario(db, total_minor=2_500)
    url = start_checkout(db, s.principal, s.invoice.id, return_base=RETURN)
    assert url.startswith(fake_process)
    with urllib.request.urlopen(url, timeout=10) as page:
        html = page.read().decode()
    assert "<button" in html
    assert "Pay" in html

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=urlencode({"card": "pm_card_visa"}).encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=30)
    session_id = url.rsplit("/", 1)[1]
    assert redirect.value.code == 303
    assert redirect.value.headers["Location"] == (
        f"{RETURN}/portal/billing?paid={s.invoice.id}&session_id={session_id}"
    )

    db.expire_all()
    [payment] = db.exec(select(Payment)).all()  # recorded by the webhook before the redirect
    assert payment.amount_minor == 2_500
    assert checkout_return(db, s.principal, s.invoice.id, session_id) == "paid"
    assert len(db.exec(select(Payment)).all()) == 1
