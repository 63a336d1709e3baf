"""The client address behind reverse proxies: X-Forwarded-For is trusted only as far as our own proxies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from reflex.istate.data import RouterData

from portal_app.config import settings
from portal_app.services.common.client_address import client_address
from portal_app.state.client import caller_address

PEER = "10.0.0.5"  # the reverse proxy (or, with none, the client itself)


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(PEER, "203.0.113.7", trusted_hops=0) == PEER
    assert client_address("198.51.100.9", "1.1.1.1, 2.2.2.2", trusted_hops=0) == "198.51.100.9"


def test_one_proxy_takes_the_address_it_appended() -> None:
    assert client_address(PEER, "203.0.113.7", trusted_hops=1) == "203.0.113.7"


@pytest.mark.parametrize(
    "forwarded_for",
    [
        "1.2.3.4, 203.0.113.7",  # the client wrote its own header; nginx appended the real address
        "1.2.3.4,203.0.113.7",
        "127.0.0.1, 10.0.0.1, 203.0.113.7",  # pretending to come from inside
        "unknown, 203.0.113.7",
    ],
)
def test_a_client_cannot_spoof_its_address_through_one_proxy(forwarded_for: str) -> None:
    assert client_address(PEER, forwarded_for, trusted_hops=1) == "203.0.113.7"


def test_two_proxies_take_the_entry_the_outer_one_appended() -> None:
    # client -> CDN (appends the client) -> nginx (appends the CDN) -> portal
    assert client_address(PEER, "6.6.6.6, 203.0.113.7, 192.0.2.10", trusted_hops=2) == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded_for", "hops"),
    [
        ("", 1),  # reached the portal without the proxy
        ("   ", 1),
        ("203.0.113.7", 2),  # fewer entries than proxies: the chain was bypassed
        ("1.2.3.4, not-an-ip", 1),  # the selected entry is not an address
        ("1.2.3.4, ", 1),
        ("1.2.3.4, 203.0.113.7; drop table", 1),
    ],
)
def test_anything_that_does_not_add_up_falls_back_to_the_peer(forwarded_for: str, hops: int) -> None:
    assert client_address(PEER, forwarded_for, trusted_hops=hops) == PEER


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_entries_are_normalised(entry: str, expected: str) -> None:
    assert client_address(PEER, f"9.9.9.9, {entry}", trusted_hops=1) == expected


def test_the_result_fits_the_column() -> None:
    assert len(client_address("x" * 200, "", trusted_hops=0)) == 64


def test_the_number_of_hops_comes_from_the_setting(env, monkeypatch: pytest.MonkeyPatch) -> None:
    assert client_address(PEER, "203.0.113.7") == PEER  # default 0
    monkeypatch.setenv("PORTAL_TRUSTED_PROXY_HOPS", "1")
    settings.cache_clear()
    assert client_address(PEER, "1.2.3.4, 203.0.113.7") == "203.0.113.7"
    monkeypatch.setenv("PORTAL_TRUSTED_PROXY_HOPS", "-3")  # nonsense counts as none
    settings.cache_clear()
    assert client_address(PEER, "203.0.113.7") == PEER


@pytest.mark.parametrize(("hops", "expected"), [("0", PEER), ("1", "203.0.113.7")])
def test_event_handlers_read_it_from_reflexs_router_data(env, monkeypatch, hops: str, expected: str) -> None:
    monkeypatch.setenv("PORTAL_TRUSTED_PROXY_HOPS", hops)
    settings.cache_clear()
    # What Reflex keeps for a websocket connection (reflex/app.py, _build_static_router_data).
    router = RouterData.from_router_data({"ip": PEER, "headers": {"x-forwarded-for": "6.6.6.6, 203.0.113.7"}})
    assert caller_address(SimpleNamespace(router=router)) == expected
