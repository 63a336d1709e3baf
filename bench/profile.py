"""Where a backend worker's time goes under load: py-spy samples, summed into buckets.

`py-spy record --format raw` writes one line per distinct stack: `frame;frame;... count`, each
frame `function (file:line)`, the leaf last. A sample belongs to the bucket of its leaf-most
frame that matches one (a SQLAlchemy call made from a service counts as database time).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.server import BIN

RATE = 100  # samples per second
# (bucket, file-path patterns), checked from the leaf of a stack upwards.
BUCKETS = (
    ("bcrypt (sign-in)", ("bcrypt",)),
    ("database: SQLAlchemy + driver", ("sqlalchemy/", "sqlite3/", "psycopg/", "sqlmodel/")),
    ("state storage: pickle, Redis, disk", ("pickle", "/redis/", "istate/manager/")),
    ("socket.io + JSON", ("socketio/", "engineio/", "json/", "granian/")),
    ("portal code (states, services)", ("portal_app/",)),
    ("Reflex event processing", ("reflex/", "reflex_base/")),
    ("asyncio and threads", ("asyncio/", "threading.py", "concurrent/")),
)
OTHER = "other (stdlib, pydantic, ...)"
# Leaves where a thread waits for work (the event loop's poll, an idle pool thread): not busy time.
IDLE_LEAVES = ("select (selectors.py", "_worker (concurrent/futures/thread.py", "wait (threading.py")
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")


@dataclass(frozen=True)
class Profile:
    """Samples per bucket and per leaf function, over all recorded workers."""

    samples: int
    buckets: list[tuple[str, int]]
    leaves: list[tuple[str, int]]


def bucket_of(stack: list[str]) -> str:
    """The bucket of a stack (frames root first), by its leaf-most matching frame."""
    for frame in reversed(stack):
        for name, patterns in BUCKETS:
            if any(pattern in frame for pattern in patterns):
                return name
    return OTHER


def leaf_name(frame: str) -> str:
    """`function (file:line)` as `function (short/file.py)`."""
    match = FRAME.match(frame)
    if not match:
        return frame
    short = "/".join(Path(match["file"]).parts[-2:])
    return f"{match['function']} ({short})"


def summarize(raw_lines: list[str], top: int = 10) -> Profile:
    """Bucket and leaf totals of py-spy raw output, idle waits left out."""
    buckets: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in raw_lines:
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        stack = stack_text.split(";")
        if any(idle in stack[-1] for idle in IDLE_LEAVES):
            continue
        count = int(count_text)
        buckets[bucket_of(stack)] += count
        leaves[leaf_name(stack[-1])] += count
    return Profile(sum(buckets.values()), buckets.most_common(), leaves.most_common(top))


async def record(pids: list[int], seconds: float, out_dir: Path) -> Profile:
    """Sample the processes for `seconds` (without pausing them) and summarise all of them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = [out_dir / f"py-spy-{pid}.txt" for pid in pids]
    runs = [
        await asyncio.create_subprocess_exec(
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            str(RATE),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(output),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for pid, output in zip(pids, outputs, strict=True)
    ]
    await asyncio.gather(*(run.wait() for run in runs))
    lines = [line for output in outputs if output.exists() for line in output.read_text().splitlines()]
    return summarize(lines)
