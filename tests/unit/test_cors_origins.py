"""Which browser origins Reflex's CORS and Socket.IO origin check admit (rxconfig's cors_allowed_origins)."""

from __future__ import annotations

import pytest

from portal_app.config import origin_of, settings


def _origins(monkeypatch: pytest.MonkeyPatch, public_url: str, allowed: str | None = None) -> tuple[str, ...]:
    monkeypatch.setenv("PORTAL_PUBLIC_URL", public_url)
    if allowed is None:
        monkeypatch.delenv("PORTAL_ALLOWED_ORIGINS", raising=False)
    else:
        monkeypatch.setenv("PORTAL_ALLOWED_ORIGINS", allowed)
    settings.cache_clear()
    return settings().allowed_origins


def test_a_deployment_admits_only_its_public_origin(env, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _origins(monkeypatch, "https://portal.example.com/") == ("https://portal.example.com",)
    assert _origins(monkeypatch, "https://Portal.Example.com:8443") == ("https://portal.example.com:8443",)


def test_locally_both_loopback_names_are_admitted(env, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _origins(monkeypatch, "http://localhost:3000") == ("http://localhost:3000", "http://127.0.0.1:3000")
    assert _origins(monkeypatch, "http://127.0.0.1:41234") == ("http://localhost:41234", "http://127.0.0.1:41234")


def test_the_setting_replaces_the_default(env, monkeypatch: pytest.MonkeyPatch) -> None:
    got = _origins(
        monkeypatch, "https://portal.example.com", "https://portal.example.com, https://billing.example.com/"
    )
    assert got == ("https://portal.example.com", "https://billing.example.com")


def test_no_wildcard_by_default(env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_ALLOWED_ORIGINS", raising=False)
    settings.cache_clear()
    assert "*" not in settings().allowed_origins


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://portal.example.com:443/portal?x=1", "https://portal.example.com"),
        ("http://portal.example.com:80", "http://portal.example.com"),
        ("http://[::1]:3000/", "http://[::1]:3000"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin
