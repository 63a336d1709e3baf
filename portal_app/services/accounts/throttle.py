"""Slows down and then refuses repeated failed sign-ins, and limits password-reset emails,
per account and per client address.

A sign-in attempt answers to its client address's counter and to one more: the device's own
(`device:<nonce>`) when it carries a trusted device cookie of the person (devices.py), else the
account's counter for unknown browsers (`account:<email>`). A device that reaches its limit is
locked like any key and its cookie is spent: never trusted again (`device-spent:<nonce>`).

Every count is one atomic statement (an upsert that returns the new count), so attempts made at the
same moment each count, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from portal_app.config import settings
from portal_app.models import AuthThrottle
from portal_app.models.base import utcnow

__all__ = [
    "ResetAllowance",
    "clear",
    "clear_wrong_proofs",
    "count_wrong_proof",
    "delay_seconds",
    "device_keys",
    "device_spent",
    "forget_failures",
    "locked_until",
    "record_failure",
    "spend_reset_request",
    "throttle_keys",
    "utcnow",
]

WINDOW = timedelta(minutes=15)
SLOW_DOWN_AFTER = 3  # failures before each further attempt is delayed
MAX_DELAY_SECONDS = 4.0
RESET_WINDOW = timedelta(hours=1)
RESETS_PER_ACCOUNT = 3  # reset emails per account and hour; more requests are answered but not sent
RESETS_PER_CLIENT = 20  # reset requests per client address and hour; more are refused visibly
DEVICE_PREFIX = "device:"
SPENT_PREFIX = "device-spent:"
SPENT_FOR = timedelta(days=366)  # longer than a device cookie lives


def throttle_keys(email: str, client_ip: str) -> list[str]:
    """The counters an attempt from a browser the account does not know touches."""
    keys = [f"account:{email}"]
    if client_ip:
        keys.append(f"client:{client_ip}")
    return keys


def device_keys(nonce: str, client_ip: str) -> list[str]:
    """The counters an attempt from one of the person's trusted devices touches (never the account's)."""
    keys = [f"{DEVICE_PREFIX}{nonce}"]
    if client_ip:
        keys.append(f"client:{client_ip}")
    return keys


def device_spent(db: Session, nonce: str) -> bool:
    """Whether the device was locked once: its cookie is then never trusted again."""
    row = db.get(AuthThrottle, f"{SPENT_PREFIX}{nonce}")
    return row is not None and row.locked_until is not None and row.locked_until > utcnow()


def locked_until(db: Session, keys: list[str]) -> datetime | None:
    """When the latest lock on any of the keys ends, or None when none is locked."""
    now = utcnow()
    ends = [
        row.locked_until
        for key in keys
        if (row := db.get(AuthThrottle, key)) is not None and row.locked_until and row.locked_until > now
    ]
    return max(ends) if ends else None


def delay_seconds(db: Session, keys: list[str]) -> float:
    """How long to wait before checking this attempt (grows with recent failures)."""
    failures = max((_current(db, key).failures for key in keys), default=0)
    if failures < SLOW_DOWN_AFTER:
        return 0.0
    return min(MAX_DELAY_SECONDS, 0.5 * 2 ** (failures - SLOW_DOWN_AFTER))


def record_failure(db: Session, keys: list[str]) -> None:
    """Count a failed attempt; lock a key once it reaches the limit (until the lock ends, attempts are refused)."""
    cfg = settings()
    for key in keys:
        failures = _count(db, key, WINDOW)
        # A client address is shared by many people (offices, NAT): give it more room.
        limit = cfg.login_max_failures * (4 if key.startswith("client:") else 1)
        if failures >= limit:  # lock, and start a fresh budget for after the lock (one statement: races agree)
            db.exec(
                update(AuthThrottle)
                .where(col(AuthThrottle.key) == key, col(AuthThrottle.failures) >= limit)
                .values(
                    locked_until=utcnow() + timedelta(minutes=cfg.login_lockout_minutes),
                    failures=0,
                    window_started_at=utcnow(),
                )
            )
            if key.startswith(DEVICE_PREFIX):
                _spend_device(db, key.removeprefix(DEVICE_PREFIX))
    db.flush()


def _spend_device(db: Session, nonce: str) -> None:
    """Mark a locked device's cookie as spent, so replaying it later earns no trust."""
    key = f"{SPENT_PREFIX}{nonce}"
    _count(db, key, SPENT_FOR)
    db.exec(update(AuthThrottle).where(col(AuthThrottle.key) == key).values(locked_until=utcnow() + SPENT_FOR))


def count_wrong_proof(db: Session, user_id: int) -> bool:
    """Count a wrong password or code given inside a session; True when that used up the allowance (the count
    then starts again, for the next session)."""
    limit = settings().login_max_failures
    key = f"proof:{user_id}"
    if _count(db, key, WINDOW) < limit:
        return False
    reset = update(AuthThrottle).where(col(AuthThrottle.key) == key, col(AuthThrottle.failures) >= limit)
    return db.exec(reset.values(failures=0, window_started_at=utcnow())).rowcount == 1


def clear_wrong_proofs(db: Session, user_id: int) -> None:
    """Forget a person's wrong proofs."""
    row = db.get(AuthThrottle, f"proof:{user_id}")
    if row is not None:
        db.delete(row)


def clear(db: Session, email: str) -> None:
    """Forget the account's failures from unknown browsers."""
    forget_failures(db, [f"account:{email}"])


def forget_failures(db: Session, keys: list[str]) -> None:
    """After a successful sign-in: forget the failures it answered to (the client address's stay)."""
    for key in keys:
        if not key.startswith("client:") and (row := db.get(AuthThrottle, key)) is not None:
            db.delete(row)


@dataclass(frozen=True)
class ResetAllowance:
    """What to do with one forgot-password request.

    send: email the link (False once the account has had its links for the hour; the page
    answers the same either way, so it still says nothing about whether the account exists).
    retry_minutes: above zero when the client address has asked too often; refuse visibly.
    """

    send: bool
    retry_minutes: int = 0


def spend_reset_request(db: Session, email: str, client_ip: str) -> ResetAllowance:
    """Count a forgot-password request against the client address and the account."""
    if client_ip and _count(db, f"reset-client:{client_ip}", RESET_WINDOW) > RESETS_PER_CLIENT:
        started = _current(db, f"reset-client:{client_ip}", RESET_WINDOW).window_started_at
        left = started + RESET_WINDOW - utcnow()
        return ResetAllowance(send=False, retry_minutes=max(1, round(left.total_seconds() / 60)))
    return ResetAllowance(send=_count(db, f"reset-account:{email}", RESET_WINDOW) <= RESETS_PER_ACCOUNT)


def _count(db: Session, key: str, window: timedelta) -> int:
    """Add one to the key's counter (restarted when its window has passed) and return the new count, atomically."""
    now = utcnow()
    table = AuthThrottle.__table__
    insert = (postgresql if db.get_bind().dialect.name == "postgresql" else sqlite).insert(table)
    expired = table.c.window_started_at < now - window
    statement = insert.values(key=key, failures=1, window_started_at=now).on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "failures": case((expired, 1), else_=table.c.failures + 1),
            "window_started_at": case((expired, now), else_=table.c.window_started_at),
        },
    )
    return db.connection().execute(statement.returning(table.c.failures)).scalar_one()


def _current(db: Session, key: str, window: timedelta = WINDOW) -> AuthThrottle:
    """The key's counter, restarted when its window has passed."""
    now = utcnow()
    row = db.get(AuthThrottle, key)
    if row is None:
        return AuthThrottle(key=key, failures=0, window_started_at=now)
    if now - row.window_started_at > window:
        row.failures = 0
        row.window_started_at = now
    return row
