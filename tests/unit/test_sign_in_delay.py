"""The growing delay after failed sign-ins is waited on the event loop: it holds no hashing thread.

Before, each delayed attempt slept on the bcrypt pool, so a few failing tabs made everybody's sign-in wait.
"""

from __future__ import annotations

import asyncio

from factories import make_user
from reflex.state import State

from portal_app.models import AuthThrottle
from portal_app.models.base import utcnow
from portal_app.services.accounts import throttle
from portal_app.state import hashing
from portal_app.state.login import LoginState

PASSWORD = "correct horse battery"
SLOW = "slow@example.com"
FAST = "fast@example.com"


def login_state() -> LoginState:
    root = State(_reflex_internal_init=True)
    return root.get_substate(LoginState.get_full_name().split(".")[1:])


async def sign_in(email: str, password: str, finished: list[str]) -> None:
    await LoginState.event_handlers["sign_in"].fn(login_state(), {"email": email, "password": password})
    finished.append(email)


async def everybody(tabs_waiting: int) -> list[str]:
    finished: list[str] = []
    waiting = [asyncio.create_task(sign_in(SLOW, "a wrong guess", finished)) for _ in range(tabs_waiting)]
    await asyncio.sleep(0.1)  # every waiting tab has started its delay
    await sign_in(FAST, PASSWORD, finished)
    await asyncio.gather(*waiting)
    return finished


def test_tabs_waiting_out_their_delay_do_not_hold_up_another_persons_sign_in(db):
    make_user(db, email=SLOW)
    make_user(db, email=FAST)
    # Recent failures on the slow account: each of its attempts now waits 2 s before being checked.
    db.add(AuthThrottle(key=f"account:{SLOW}", failures=throttle.SLOW_DOWN_AFTER + 2, window_started_at=utcnow()))
    db.commit()
    more_tabs_than_hashing_threads = hashing._POOL._max_workers + 1

    finished = asyncio.run(everybody(more_tabs_than_hashing_threads))

    assert finished[0] == FAST
    assert finished[1:] == [SLOW] * more_tabs_than_hashing_threads
