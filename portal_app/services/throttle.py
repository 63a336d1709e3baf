"""Slows down and then refuses repeated failed sign-ins, per account and per client address."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from portal_app.config import settings
from portal_app.models import AuthThrottle
from portal_app.models.base import utcnow

__all__ = ["clear", "delay_seconds", "locked_until", "record_failure", "throttle_keys", "utcnow"]

WINDOW = timedelta(minutes=15)
SLOW_DOWN_AFTER = 3  # failures before each further attempt is delayed
MAX_DELAY_SECONDS = 4.0


def throttle_keys(email: str, client_ip: str) -> list[str]:
    """The counters one sign-in attempt touches."""
    keys = [f"account:{email}"]
    if client_ip:
        keys.append(f"client:{client_ip}")
    return keys


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
    """Count a failed attempt; lock a key once it reaches the limit."""
    cfg = settings()
    for key in keys:
        row = _current(db, key)
        row.failures += 1
        # A client address is shared by many people (offices, NAT): give it more room.
        limit = cfg.login_max_failures * (4 if key.startswith("client:") else 1)
        if row.failures >= limit:
            row.locked_until = utcnow() + timedelta(minutes=cfg.login_lockout_minutes)
            row.failures = 0
            row.window_started_at = utcnow()
        db.add(row)
    db.flush()


def clear(db: Session, email: str) -> None:
    """Forget the account's failures after a successful sign-in."""
    row = db.get(AuthThrottle, f"account:{email}")
    if row is not None:
        db.delete(row)


def _current(db: Session, key: str) -> AuthThrottle:
    """The key's counter, restarted when its window has passed."""
    now = utcnow()
    row = db.get(AuthThrottle, key)
    if row is None:
        return AuthThrottle(key=key, failures=0, window_started_at=now)
    if now - row.window_started_at > WINDOW:
        row.failures = 0
        row.window_started_at = now
    return row
