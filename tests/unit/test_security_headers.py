"""The security-headers middleware, driven through Starlette's TestClient (no browser, no Reflex server)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from portal_app.api.security_headers import (
    SecurityHeadersMiddleware,
    content_security_policy,
    inline_script_hashes,
)

HTTP_URL = "http://localhost:3000"
HTTPS_URL = "https://portal.example.com"
# sha256 of the script text `alert(1)`, as browsers report it in their CSP errors.
ALERT_HASH = "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


async def page(request):
    return HTMLResponse("<!DOCTYPE html><p>hello</p>")


async def api(request):
    return JSONResponse({"status": "ok"})


async def pdf(request):
    return Response(b"%PDF-1.4", media_type="application/pdf")


async def own_headers(request):
    return PlainTextResponse("x", headers={"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN"})


async def boom(request):
    raise RuntimeError("handler failed")


async def socket(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text("hi")
    await websocket.close()


async def refused_socket(websocket: WebSocket):
    await websocket.send_denial_response(PlainTextResponse("not an accepted origin", status_code=400))


def _client(public_url: str = HTTP_URL, hashes: tuple[str, ...] = (ALERT_HASH,)) -> TestClient:
    inner = Starlette(
        routes=[
            Route("/portal/login", page),
            Route("/api/health", api),
            Route("/api/invoices/1/pdf", pdf),
            Route("/own", own_headers),
            Route("/boom", boom),
            WebSocketRoute("/_event", socket),
            WebSocketRoute("/refused", refused_socket),
        ]
    )
    cors = CORSMiddleware(inner, allow_origins=[public_url], allow_credentials=True, allow_methods=["*"])
    wrapped = SecurityHeadersMiddleware(cors, public_url=public_url, script_hashes=hashes)
    return TestClient(wrapped, raise_server_exceptions=False)


def _assert_protected(headers) -> None:
    for name, value in EXPECTED.items():
        assert headers[name] == value, name
    assert "camera=()" in headers["permissions-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/portal/login", "/api/health", "/nowhere", "/boom"])
def test_every_http_response_carries_the_headers(path: str) -> None:
    response = _client().get(path)
    _assert_protected(response.headers)
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert ALERT_HASH in policy
    assert "strict-transport-security" not in response.headers  # plain HTTP deployment


def test_each_header_appears_once_and_a_routes_own_choice_wins() -> None:
    response = _client().get("/own")
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert len(response.headers.get_list("content-security-policy")) == 1


def test_a_cors_preflight_answer_carries_them_too() -> None:
    foreign = _client().options(
        "/api/health", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert foreign.status_code == 400
    assert "access-control-allow-origin" not in foreign.headers
    _assert_protected(foreign.headers)
    own = _client().options("/api/health", headers={"Origin": HTTP_URL, "Access-Control-Request-Method": "GET"})
    assert own.status_code == 200
    assert own.headers["access-control-allow-origin"] == HTTP_URL
    _assert_protected(own.headers)


def test_pdfs_keep_chromes_viewer_working_but_cannot_be_framed() -> None:
    response = _client().get("/api/invoices/1/pdf")
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hsts_and_wss_only_for_an_https_deployment() -> None:
    response = _client(HTTPS_URL).get("/portal/login")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    policy = response.headers["content-security-policy"]
    assert "connect-src 'self' wss://portal.example.com" in policy
    assert "upgrade-insecure-requests" in policy


def test_the_websocket_upgrade_carries_the_headers() -> None:
    with _client().websocket_connect("/_event") as session:
        assert session.receive_text() == "hi"
        headers = {name.decode(): value.decode() for name, value in session.extra_headers}
    _assert_protected(headers)


def test_a_refused_websocket_upgrade_carries_the_headers() -> None:
    with pytest.raises(WebSocketDenialResponse) as refused, _client().websocket_connect("/refused"):
        pass
    assert refused.value.status_code == 400
    _assert_protected(refused.value.headers)


def test_the_policy_is_tight() -> None:
    policy = content_security_policy(HTTP_URL, [ALERT_HASH])
    directives = dict(directive.split(" ", 1) for directive in policy.split("; "))
    assert directives["script-src"] == f"'self' 'unsafe-eval' {ALERT_HASH}"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["connect-src"] == "'self' ws://localhost:3000"
    assert directives["img-src"] == "'self' data:"  # the two-factor QR code
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "upgrade-insecure-requests" not in policy
    assert "*" not in policy and "http:" not in policy
    assert [name for name, sources in directives.items() if "data:" in sources] == ["img-src"]


def test_inline_script_hashes_cover_every_inline_script_of_the_built_pages(tmp_path: Path) -> None:
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "login.html").write_text(
        '<html><head><script src="/assets/app.js"></script><script>alert(1)</script></head>'
        '<body><SCRIPT type="module">\r\nimport("/a.js")</SCRIPT></body></html>',
        newline="",
    )
    (tmp_path / "index.html").write_text("<script>alert(1)</script>")  # same script: one hash
    (tmp_path / "notes.txt").write_text("<script>ignored()</script>")
    hashes = inline_script_hashes(tmp_path)
    assert len(hashes) == 2
    assert ALERT_HASH in hashes
    # The browser hashes the text after turning CRLF into LF.
    module = base64.b64encode(hashlib.sha256(b'\nimport("/a.js")').digest()).decode()
    assert f"'sha256-{module}'" in hashes


def test_no_build_no_hashes(tmp_path: Path) -> None:
    assert inline_script_hashes(tmp_path / "missing") == ()
