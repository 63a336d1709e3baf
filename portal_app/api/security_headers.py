"""Security headers on every response the portal's server sends (pages, static files, API, websocket).

`SecurityHeadersMiddleware` wraps the whole ASGI app (see portal_app/web_app.py), so the production
server's built pages, the /_event websocket upgrade, the /api routes and even CORS pre-flight answers
all pass through it. A header the route already set (e.g. the invoice PDF's nosniff) is left alone.

The Content-Security-Policy is as tight as the built Reflex frontend allows; each relaxation:

- script-src: the built pages carry inline scripts (theme switch, React Router's scroll restoration
  and hydration context); they are allowed by their SHA-256 hashes, read from the built HTML at
  start-up, never with 'unsafe-inline'. 'unsafe-eval' is needed because Reflex runs the JavaScript
  a handler sends back (rx.toast, rx.call_script, its default error toast) through eval(); that
  code only ever comes from our own server over the event websocket.
- style-src 'unsafe-inline': Emotion injects <style> elements at run time and Radix sets style
  attributes; neither can carry a hash or a nonce.
- img-src data:: the two-factor set-up QR code is an SVG data: URI (an image cannot run script).
- connect-src: the event websocket goes to the page's own host; 'self' covers ws:/wss: to it in
  current browsers, the public URL's ws(s) origin is listed for older ones.

Fonts, logos and everything else come from the portal itself ('self'); no plugins, no <base>,
forms post only to the portal, and no site may frame it (frame-ancestors plus X-Frame-Options).
PDFs get only frame-ancestors: Chrome's PDF viewer is an <embed> in a synthetic page and is blocked
by object-src 'none' (crbug.com/271452).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeadersMiddleware", "content_security_policy", "inline_script_hashes", "security_headers"]

# An inline script: a <script> element without a src attribute, and its text exactly as written.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), browsing-topics=()"
)
PDF_POLICY = "frame-ancestors 'none'"
PDF_TYPE = b"application/pdf"
# ASGI messages that start a response to the browser (the websocket upgrade's 101, or its refusal).
RESPONSE_STARTS = ("http.response.start", "websocket.accept", "websocket.http.response.start")


def inline_script_hashes(static_dir: Path) -> tuple[str, ...]:
    """CSP hash sources ('sha256-...') of every inline script in the built HTML pages under static_dir."""
    hashes: set[str] = set()
    for page in static_dir.rglob("*.html") if static_dir.is_dir() else ():
        # Text mode turns CRLF into LF, as the browser's HTML parser does before hashing.
        for script in INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
            hashes.add(f"'sha256-{digest}'")
    return tuple(sorted(hashes))


def _websocket_origin(public_url: str) -> str:
    """ws(s)://host[:port] of the public URL."""
    parts = urlsplit(public_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc.rpartition('@')[2]}"


def content_security_policy(public_url: str, script_hashes: Iterable[str]) -> str:
    """The Content-Security-Policy of the portal's pages (see the module docstring for each relaxation)."""
    directives = [
        "default-src 'self'",
        " ".join(["script-src 'self' 'unsafe-eval'", *script_hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        f"connect-src 'self' {_websocket_origin(public_url)}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if public_url.startswith("https://"):
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def security_headers(public_url: str, script_hashes: Iterable[str]) -> dict[str, str]:
    """Every security header, by name; Strict-Transport-Security only when the public URL is HTTPS."""
    headers = {
        "Content-Security-Policy": content_security_policy(public_url, script_hashes),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeadersMiddleware:
    """ASGI middleware adding the security headers to every response the wrapped app starts."""

    def __init__(self, app: ASGIApp, *, public_url: str, script_hashes: Iterable[str] = ()) -> None:
        """Wrap app; public_url decides HSTS and the websocket origin, script_hashes the allowed inline scripts."""
        self.app = app
        headers = security_headers(public_url, script_hashes)
        self._headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        self._pdf_headers = [
            (name, PDF_POLICY.encode("latin-1") if name == b"content-security-policy" else value)
            for name, value in self._headers
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers the response does not set itself."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            # Only the message that starts the response carries headers: once it has gone, the websocket's
            # many event frames (and a body's chunks) pass straight through.
            nonlocal started
            if not started and message["type"] in RESPONSE_STARTS:
                started = True
                message = {**message, "headers": self._with_headers(message.get("headers") or [])}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _with_headers(self, headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = list(headers)
        names = {name.lower() for name, _ in present}
        content_type = next((value for name, value in present if name.lower() == b"content-type"), b"")
        ours = self._pdf_headers if content_type.lower().startswith(PDF_TYPE) else self._headers
        return present + [(name, value) for name, value in ours if name not in names]
