"""Password rules and bcrypt hashing (call from a worker thread: bcrypt is slow on purpose)."""

from __future__ import annotations

from functools import lru_cache

import bcrypt

from portal_app.config import settings
from portal_app.services.common.inputs import is_utf8

MIN_LENGTH = 10
MAX_BYTES = 72  # bcrypt ignores everything past 72 bytes, so longer passwords are refused.
RULES_TEXT = f"At least {MIN_LENGTH} characters and at most {MAX_BYTES} bytes (about {MAX_BYTES} letters)."
NOT_TEXT = "Enter the password as plain text."
UNUSABLE_CHARACTER = (
    "The password contains a character that cannot be used. Use letters, numbers and symbols you can type."
)


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    """A real hash to check against when there is none, so both paths take the same time."""
    return bcrypt.hashpw(b"no-such-account-password", bcrypt.gensalt(rounds=rounds))


def password_bytes(password: object) -> bytes | None:
    """The password as bcrypt takes it (UTF-8), or None when it cannot be one: not a string, longer than
    MAX_BYTES, or holding NUL or a lone surrogate. Long input is refused before it is encoded."""
    if not isinstance(password, str) or len(password) > MAX_BYTES or "\x00" in password or not is_utf8(password):
        return None
    raw = password.encode("utf-8")
    return raw if len(raw) <= MAX_BYTES else None


def password_problem(password: object) -> str | None:
    """The reason a new password is refused, or None when it is acceptable (any value a client may send)."""
    if not isinstance(password, str):
        return NOT_TEXT
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_BYTES or len(password.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return f"Use at most {MAX_BYTES} bytes; this password is too long for safe storage."
    if password_bytes(password) is None:
        return UNUSABLE_CHARACTER
    return None


def hash_password(password: str) -> str:
    """A bcrypt hash of an acceptable password."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=settings().bcrypt_rounds)).decode("ascii")


def verify_password(password: object, password_hash: str | None) -> bool:
    """Whether the password matches; False for anything that cannot be a password (not text, too long, NUL,
    a lone surrogate). Takes the same time when there is no hash or the input is unusable."""
    raw = password_bytes(password)
    if raw is None or not password_hash:
        bcrypt.checkpw(raw or b"x", _dummy_hash(settings().bcrypt_rounds))
        return False
    return bcrypt.checkpw(raw, password_hash.encode("ascii"))
