"""Security headers, the Content-Security-Policy and CORS on the production server, in Chromium.

The pages must work under the policy (sign-in over the websocket, hydration, Radix) with not one
violation reported, and requests from a foreign origin must be refused.
"""

from __future__ import annotations

import base64
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from .helpers import DEMO, DEMO_PASSWORD, h1, sign_in, wait_hydrated

FOREIGN = "https://evil.example"
PROTECTIVE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}
# Records every CSP violation the page reports, from before the page's own scripts run.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""
PAGES = [
    ("/portal/services", "Services"),
    ("/portal/billing", "Billing"),
    ("/portal/support", "Support"),
    ("/portal/help", "Help center"),
]


def _about_the_headers(text: str) -> bool:
    return any(mark in text for mark in ("Content Security Policy", "Permissions-Policy", "Refused to"))


class Watched:
    """A page whose CSP violations and console complaints about the headers are collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if _about_the_headers(message.text):
            self.console.append(f"{message.type}: {message.text}")

    def _on_error(self, error: Exception) -> None:
        # Only errors the policy causes (a refused eval throws EvalError); others are other tests' business.
        text = f"{getattr(error, 'name', '')}: {error}"
        if "EvalError" in text or _about_the_headers(text):
            self.errors.append(text)

    def problems(self) -> list[str]:
        """Everything reported so far on the current document and the console."""
        reported = self.page.evaluate("() => window.__cspViolations || []")
        return [*reported, *self.console, *(f"page error: {e}" for e in self.errors)]


@pytest.fixture
def watched(open_context: Callable[..., BrowserContext]) -> Watched:
    """A fresh page that reports CSP violations."""
    context = open_context()
    context.add_init_script(WATCH_VIOLATIONS)
    return Watched(context.new_page())


def _assert_protective(headers: dict[str, str], where: str) -> None:
    for name, value in PROTECTIVE.items():
        assert headers.get(name) == value, f"{where}: {name} is {headers.get(name)!r}"
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), where
    assert "camera=()" in headers.get("permissions-policy", ""), where
    assert "strict-transport-security" not in headers, f"{where}: HSTS on a plain-HTTP deployment"


def test_pages_carry_the_headers_and_work_under_the_policy(watched: Watched, portal: str) -> None:
    page = watched.page
    response = page.goto("/portal/login")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    _assert_protective(response.headers, "sign-in page")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-eval' 'sha256-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]

    sign_in(page, DEMO, DEMO_PASSWORD)  # the form, the websocket and the redirect all work
    assert watched.problems() == []

    for path, heading in PAGES:
        response = page.goto(path)
        assert response is not None
        _assert_protective(response.headers, path)
        expect(h1(page, heading)).to_be_visible()
        assert watched.problems() == [], path

    # Client-side navigation back to the overview, then a reload of it as a document.
    page.get_by_role("link", name="Overview").first.click()
    expect(h1(page, "Overview")).to_be_visible()
    response = page.reload()
    assert response is not None
    _assert_protective(response.headers, "overview")
    expect(h1(page, "Overview")).to_be_visible()
    wait_hydrated(page, "main")
    # Reflex runs the JavaScript a handler sends back (rx.toast, rx.call_script) through eval().
    assert page.evaluate("() => eval('1 + 1')") == 2
    assert watched.problems() == []


def test_api_responses_and_pdfs_carry_the_headers(watched: Watched, portal: str) -> None:
    page = watched.page
    health = page.request.get("/api/health")
    assert health.status == 200
    _assert_protective(health.headers, "/api/health")

    sign_in(page, DEMO, DEMO_PASSWORD)
    page.goto("/portal/billing")
    link = page.get_by_role("region", name="Recent invoices").locator("tbody tr").first.get_by_role("link").first
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    for name, value in PROTECTIVE.items():
        assert pdf.headers[name] == value, name
    # Chrome's PDF viewer needs the rest, so a PDF only refuses to be framed.
    assert pdf.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert watched.problems() == []


def _http(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def test_the_api_refuses_a_foreign_origin(portal: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    status, headers = _http(f"{portal}/api/health", "OPTIONS", {"Origin": FOREIGN, **preflight})
    assert status == 400
    assert "access-control-allow-origin" not in headers
    _assert_protective(headers, "refused pre-flight")

    status, headers = _http(f"{portal}/api/health", headers={"Origin": FOREIGN})
    assert status == 200  # the browser gets no Access-Control-Allow-Origin, so its script cannot read it
    assert "access-control-allow-origin" not in headers

    status, headers = _http(f"{portal}/api/health", "OPTIONS", {"Origin": portal, **preflight})
    assert status == 200
    assert headers["access-control-allow-origin"] == portal


def _websocket_handshake(portal: str, origin: str) -> int:
    """Open the event websocket by hand, sending this Origin; the status code of the answer."""
    parts = urlsplit(portal)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = conn.recv(4096)
            if not chunk:
                break
            received += chunk
    status_line = received.split(b"\r\n", 1)[0].decode("latin-1")
    return int(status_line.split()[1])


def test_the_event_websocket_refuses_a_foreign_origin(portal: str) -> None:
    # Socket.IO refuses the origin; granian answers the refused upgrade with 403.
    assert _websocket_handshake(portal, FOREIGN) in (400, 403)

    # The portal's own origin gets the upgrade (granian sends only the handshake headers with a 101).
    assert _websocket_handshake(portal, portal) == 101
