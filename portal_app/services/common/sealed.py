"""Small secrets kept encrypted at rest (AES-256-GCM) under a key derived from PORTAL_SECRET_KEY.

Each sealed value is bound to a purpose and a context (e.g. the owner's id): a value copied to
another row does not open. When the installation key changes, old values no longer open either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal_app.services.common.secret_key import secret_key

PREFIX = "v1:"
NONCE_BYTES = 12


def _key(purpose: str) -> bytes:
    return hmac.new(secret_key(), f"sealed:{purpose}".encode(), hashlib.sha256).digest()


def seal(plaintext: str, *, purpose: str, context: str) -> str:
    """The text encrypted and authenticated, as 'v1:' plus URL-safe base64."""
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(_key(purpose)).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return PREFIX + base64.urlsafe_b64encode(nonce + box).decode("ascii")


def unseal(sealed: str, *, purpose: str, context: str) -> str | None:
    """The original text, or None when the value was tampered with, moved, or sealed under another key."""
    if not sealed.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed[len(PREFIX) :])
        opened = AESGCM(_key(purpose)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
    except (InvalidTag, ValueError):
        return None
    return opened.decode("utf-8")
