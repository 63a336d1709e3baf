"""The installation's secret key: it signs links and derives the key that seals stored secrets."""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from portal_app.config import ROOT

KEY_VARIABLE = "PORTAL_SECRET_KEY"
KEY_FILE = ROOT / "var" / "secret_key"


def secret_key() -> bytes:
    """PORTAL_SECRET_KEY, else a random key kept in var/secret_key (created 0600 on first use)."""
    configured = os.environ.get(KEY_VARIABLE)
    if configured:
        return configured.encode("utf-8")
    return _stored_secret(KEY_FILE)


@lru_cache(maxsize=4)
def _stored_secret(path: Path) -> bytes:
    """Read the installation's key, creating it atomically (link of a complete temp file) when missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            with suppress(FileExistsError):  # another process created it first: use theirs
                os.link(temp, path)
        finally:
            temp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if not key:
        msg = f"{path} is empty: delete it or set {KEY_VARIABLE}"
        raise RuntimeError(msg)
    return key.encode("utf-8")
