"""The address of the person behind a request, trusting X-Forwarded-For only as far as our own proxies.

Each reverse proxy in front of the portal appends the address it received the request from to
X-Forwarded-For (nginx: `$proxy_add_x_forwarded_for`); everything to the left of those entries was
written by the client and proves nothing. With N trusted proxies the real client is therefore the
N-th entry from the right. With none (the default) the header is ignored: the peer address is the client.
"""

from __future__ import annotations

import ipaddress

from portal_app.config import settings

__all__ = ["client_address"]

MAX_ADDRESS_LENGTH = 64  # the column the sessions and throttle tables keep it in


def client_address(peer: str, forwarded_for: str, *, trusted_hops: int | None = None) -> str:
    """The client's address: the peer, or the X-Forwarded-For entry the outermost trusted proxy added.

    peer: the address of the TCP peer (Reflex's `router.session.client_ip`, Starlette's `request.client`).
    forwarded_for: the X-Forwarded-For header (repeated headers joined with commas), "" when absent.
    trusted_hops: how many reverse proxies in front append to the header; None reads
    PORTAL_TRUSTED_PROXY_HOPS. Anything that does not add up (fewer entries than proxies, an entry
    that is not an IP address) falls back to the peer, so a client can never choose its own address.
    """
    hops = settings().trusted_proxy_hops if trusted_hops is None else trusted_hops
    fallback = peer[:MAX_ADDRESS_LENGTH]
    if hops <= 0:
        return fallback
    entries = [entry.strip() for entry in forwarded_for.split(",")]
    if len(entries) < hops or not forwarded_for.strip():
        return fallback
    return _ip(entries[-hops]) or fallback


def _ip(entry: str) -> str | None:
    """The entry as a normalised IP address (IPv6 brackets and an IPv4 port allowed), or None."""
    candidate = entry
    if candidate.startswith("["):  # "[2001:db8::1]" or "[2001:db8::1]:443"
        candidate = candidate[1:].partition("]")[0]
    elif candidate.count(":") == 1:  # "203.0.113.7:51234"
        candidate = candidate.partition(":")[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
