"""One virtual browser tab: its own client token and socket.io connection, like a real tab.

Each exchange sends the browser's events and waits for the update that ends them (see
bench/protocol.py); the round trip is from the first emit to that update's arrival.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import socketio
from reflex_base.constants import Reflex

from bench import protocol

TIMEOUT = 30.0  # seconds without the final update: the event counts as dropped

Done = Callable[[dict], bool]


class Dropped(Exception):
    """The event's final update never arrived."""


class Failed(Exception):
    """The event finished wrong: a backend error, a lost session or the wrong page data."""


@dataclass
class _Waiter:
    done: Done
    future: asyncio.Future
    updates: list[dict] = field(default_factory=list)


@dataclass
class Compiled:
    """What the compiled frontend sends with its first hydrate (from the build's context.jsx)."""

    schema: str | None = None
    hashes: list[str] | None = None


class Tab:
    """A browser tab speaking Reflex's websocket protocol; one event at a time, like a user."""

    def __init__(self, base_url: str, compiled: Compiled) -> None:
        self.base_url = base_url
        self.compiled = compiled
        self.token = str(uuid.uuid4())
        self.cookies: dict[str, str] = {}
        self.path = ""
        self._waiter: _Waiter | None = None
        self.client = socketio.AsyncClient(reconnection=False, websocket_extra_options={"protocols": [Reflex.VERSION]})
        self.client.on("event", self._on_update, namespace=protocol.NAMESPACE)

    async def _on_update(self, update: dict) -> None:
        cookies = protocol.delta_of(update, protocol.COOKIES)
        for cookie in (protocol.SESSION_COOKIE, protocol.REMEMBER_COOKIE):
            name = cookie.rpartition(".")[2]
            if name in cookies:
                self.cookies[cookie] = cookies[name]
        self.cookies = {k: v for k, v in self.cookies.items() if v}
        waiter = self._waiter
        if waiter is None or waiter.future.done():
            return
        waiter.updates.append(update)
        if protocol.is_error(update):
            waiter.future.set_exception(Failed(f"backend error on {self.path}"))
        elif waiter.done(update):
            waiter.future.set_result(time.perf_counter())

    async def _exchange(self, messages: list[dict], done: Done, connect_auth: dict | None = None) -> list[dict]:
        """Send the messages (or connect), wait for the final update; returns every update seen."""
        loop = asyncio.get_running_loop()
        waiter = _Waiter(done, loop.create_future())
        self._waiter = waiter
        self.started = time.perf_counter()
        try:
            if connect_auth is not None:
                await self.client.connect(
                    f"{self.base_url}?token={self.token}",
                    socketio_path="/_event",
                    namespaces=[protocol.NAMESPACE],
                    transports=["websocket"],
                    auth=connect_auth,
                    headers={"Origin": self.base_url},  # the server admits only its own origin
                    wait_timeout=TIMEOUT,
                )
            for message in messages:
                await self.client.emit("event", message, namespace=protocol.NAMESPACE)
            self.finished = await asyncio.wait_for(waiter.future, TIMEOUT)
        except TimeoutError as exc:
            raise Dropped(f"no final update for {self.path} within {TIMEOUT:.0f} s") from exc
        finally:
            self._waiter = None
        return waiter.updates

    @property
    def elapsed_ms(self) -> float:
        """The round trip of the last exchange."""
        return (self.finished - self.started) * 1000

    async def connect(self, path: str) -> None:
        """Open the page at `path` in this tab: connect, hydrate (cookies ride along), run on_load."""
        self.path = path
        auth = protocol.hydrate_auth(path, self.cookies, self.compiled.schema, self.compiled.hashes)
        await self._exchange([], protocol.hydrated, connect_auth=auth)

    async def sign_in(self, email: str, password: str) -> None:
        """Submit the sign-in form; done at the redirect into the portal."""
        updates = await self._exchange([protocol.sign_in(email, password)], _signed_in_or_refused)
        target = next((t for u in updates if (t := protocol.redirect_target(u))), None)
        if target is None or protocol.SESSION_COOKIE not in self.cookies:
            raise Failed(f"sign-in refused for {email}")
        self.path = target

    async def navigate(self, path: str, check: Callable[[list[dict]], str | None], params: dict | None = None):
        """Follow a link to `path`: the navigation events, done when the page is hydrated again.

        `check` looks at the updates and names what is wrong with the page data (None: right).
        """
        self.path = path
        updates = await self._exchange(protocol.navigation(path, self.cookies, params), protocol.hydrated)
        for update in updates:
            target = protocol.redirect_target(update)
            if target and target.startswith("/portal/login"):
                raise Failed(f"{path} sent the tab to sign in (session lost)")
        problem = check(updates)
        if problem:
            raise Failed(f"{path}: {problem}")
        return updates

    async def ping(self) -> int:
        """The floor's trivial event; returns the count its delta carries."""

        def counted(update: dict) -> bool:
            return protocol.field("pings") in protocol.delta_of(update, protocol.FLOOR)

        updates = await self._exchange([protocol.ping(self.path)], counted)
        return protocol.delta_of(updates[-1], protocol.FLOOR)[protocol.field("pings")]

    async def close(self) -> None:
        """Close the tab's connection."""
        if self.client.connected:
            await self.client.disconnect()


def _signed_in_or_refused(update: dict) -> bool:
    if protocol.redirect_target(update):
        return True
    return bool(protocol.delta_of(update, protocol.LOGIN).get(protocol.field("error")))
