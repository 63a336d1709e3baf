"""Password hashing runs on its own small thread pool.

bcrypt costs about a quarter of a second of CPU per check on purpose. On asyncio's default pool,
a burst of sign-ins (invoice day, 50 at once) took every thread that page loads read the database
with, and other tabs' events waited seconds (bench/RESULTS.md, login storm). Here the hashing
queues behind its own threads and page loads keep theirs.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# One core is left to the event loop and the database reads on small machines.
_POOL = ThreadPoolExecutor(max_workers=max(2, min(4, (os.cpu_count() or 2) - 1)), thread_name_prefix="hashing")


async def with_hashing(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run fn (which checks or makes a password hash) on the hashing pool and wait for it."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, functools.partial(fn, *args, **kwargs))
