"""Two attacks over Reflex's real websocket protocol (bench/tab.py), as a script would send them:

- wrong passwords sent at the same moment from several tabs each count (they used to overwrite each other's
  count: 8 at once counted 2), so the lock comes at exactly the limit;
- a stolen session guessing the password behind it (to change it) is ended at the fifth wrong guess.
"""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import portal_app.portal_app  # noqa: F401  (registers every page and state)
from bench import protocol
from bench.tab import Compiled, Tab
from portal_app.state.profile import ProfileState

from .conftest import WEB_DIR
from .helpers import DEMO_PASSWORD, UNLINKED

LIMIT = 5  # PORTAL_LOGIN_MAX_FAILURES' default
PROFILE = ProfileState.get_full_name()


def _in_own_loop(coroutine) -> object:
    """Run the tabs in a thread of their own: Playwright's sync API keeps an event loop in this one."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(contextvars.copy_context().run, asyncio.run, coroutine).result()


def _compiled() -> Compiled:
    return Compiled(*protocol.compiled_schema((WEB_DIR / "utils" / "context.jsx").read_text()))


def _answered(update: dict) -> bool:
    return bool(
        protocol.redirect_target(update) or protocol.delta_of(update, protocol.LOGIN).get(protocol.field("error"))
    )


async def _wrong_passwords_at_once(base_url: str, tabs: int) -> None:
    compiled = _compiled()
    opened = [Tab(base_url, compiled) for _ in range(tabs)]
    try:
        for tab in opened:
            await tab.connect("/portal/login")
        await asyncio.gather(
            *(tab._exchange([protocol.sign_in(UNLINKED, "a wrong guess")], _answered) for tab in opened)
        )
    finally:
        for tab in opened:
            await tab.close()


def _account_counter(portal_db: Path) -> tuple[int, bool]:
    with sqlite3.connect(portal_db, timeout=30) as db:
        row = db.execute(
            "SELECT failures, locked_until FROM auththrottle WHERE key = ?", (f"account:{UNLINKED}",)
        ).fetchone()
    return (row[0], row[1] is not None) if row else (0, False)


def test_wrong_passwords_sent_at_once_each_count(portal: str, portal_db: Path, clean_throttle: None) -> None:
    _in_own_loop(_wrong_passwords_at_once(portal, LIMIT - 1))
    assert _account_counter(portal_db) == (LIMIT - 1, False)

    _in_own_loop(_wrong_passwords_at_once(portal, 1))
    assert _account_counter(portal_db)[1], "the limit's attempt locks unknown browsers out"


class RecordingTab(Tab):
    """A tab that keeps every update it receives, also those that come after an exchange ended."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[dict] = []

    async def _on_update(self, update: dict) -> None:
        self.seen.append(update)
        await super()._on_update(update)


async def _guess_from_a_stolen_session(base_url: str) -> tuple[list[str], str]:
    """Sign in, then send wrong current passwords to Profile's change-password handler; the redirect targets seen
    for each guess, and where the profile page sends the tab afterwards."""
    tab = RecordingTab(base_url, _compiled())
    targets = []
    try:
        await tab.connect("/portal/login")
        await tab.sign_in(UNLINKED, DEMO_PASSWORD)
        await tab.navigate("/portal/profile", lambda _updates: None)
        form = {"current_password": "a wrong guess", "new_password": "x" * 12, "confirm_password": "x" * 12}
        for _ in range(LIMIT):
            start = len(tab.seen)
            event = protocol.event(f"{PROFILE}.change_password", "/portal/profile", {"form": form})
            await tab._exchange([event], _guess_answered)
            targets.append(next((t for u in tab.seen[start:] if (t := protocol.redirect_target(u))), ""))
        start = len(tab.seen)
        await tab._exchange(
            protocol.navigation("/portal/profile", tab.cookies), lambda u: _redirected(u) or protocol.hydrated(u)
        )
        afterwards = next((t for u in tab.seen[start:] if (t := protocol.redirect_target(u))), "")
    finally:
        await tab.close()
    return targets, afterwards


def _redirected(update: dict) -> bool:
    return bool(protocol.redirect_target(update))


CURRENT_PASSWORD_FIELD = "current_password"  # the id the profile's password form shows the refusal at


def _guess_answered(update: dict) -> bool:
    """A wrong guess is answered with the error at the current-password field, the last with a redirect to sign in."""
    errors = protocol.delta_of(update, PROFILE).get(protocol.field("field_errors")) or {}
    return _redirected(update) or bool(errors.get(CURRENT_PASSWORD_FIELD))


def test_a_stolen_session_guessing_the_password_is_ended_at_the_fifth_guess(portal: str, clean_throttle: None) -> None:
    targets, afterwards = _in_own_loop(_guess_from_a_stolen_session(portal))

    assert targets[: LIMIT - 1] == [""] * (LIMIT - 1)  # "not correct", the session still open
    assert targets[-1].startswith("/portal/login?signed_out=safety")
    assert afterwards.startswith("/portal/login")
