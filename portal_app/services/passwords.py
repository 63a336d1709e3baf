"""Password rules and bcrypt hashing (call from a worker thread: bcrypt is slow on purpose)."""

from __future__ import annotations

from functools import lru_cache

import bcrypt

from portal_app.config import settings

MIN_LENGTH = 10
MAX_BYTES = 72  # bcrypt ignores everything past 72 bytes, so longer passwords are refused.
RULES_TEXT = f"At least {MIN_LENGTH} characters and at most {MAX_BYTES} bytes (about {MAX_BYTES} letters)."


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    """A real hash to check against when there is none, so both paths take the same time."""
    return bcrypt.hashpw(b"no-such-account-password", bcrypt.gensalt(rounds=rounds))


def password_problem(password: str) -> str | None:
    """The reason a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password.encode("utf-8")) > MAX_BYTES:
        return f"Use at most {MAX_BYTES} bytes; this password is too long for safe storage."
    if "\x00" in password:
        return "The password contains a character that cannot be used."
    return None


def hash_password(password: str) -> str:
    """A bcrypt hash of an acceptable password."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=settings().bcrypt_rounds)).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether the password matches; takes the same time when there is no hash."""
    raw = password.encode("utf-8")
    if len(raw) > MAX_BYTES or "\x00" in password:
        bcrypt.checkpw(b"x", _dummy_hash(settings().bcrypt_rounds))
        return False
    if not password_hash:
        bcrypt.checkpw(raw, _dummy_hash(settings().bcrypt_rounds))
        return False
    return bcrypt.checkpw(raw, password_hash.encode("ascii"))
