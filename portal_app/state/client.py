"""The address of the person calling an event handler, behind the configured reverse proxies."""

from __future__ import annotations

import reflex as rx

from portal_app.services.common.client_address import client_address


def caller_address(state: rx.State) -> str:
    """The caller's address: the websocket's peer, or what our trusted proxies put in X-Forwarded-For.

    Use this, not `router.session.client_ip` alone (behind a proxy that is the proxy's address, so one
    throttle would count everybody) and never X-Forwarded-For alone (the client writes it).
    """
    router = state.router
    return client_address(router.session.client_ip, router.headers.raw_headers.get("x-forwarded-for", ""))
