"""Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies").

A browser that signs a person in receives a device cookie: a random nonce and an HMAC, with the installation
key, of the nonce and the person's user id. Nobody without the key can read whom it names or make one.
Attempts carrying a valid, unspent device cookie of the account count against that device's own budget;
all others count against the account's budget for unknown browsers. So failures from strangers lock out
only strangers, and the person's own browser still signs in during an attack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sqlmodel import Session

from portal_app.services.accounts import throttle
from portal_app.services.common.secret_key import secret_key

LIFETIME_DAYS = 365
_NONCE = re.compile(r"[A-Za-z0-9_-]{24}")
_PURPOSE = b"portal-device-cookie\x00"


def issue(user_id: int) -> str:
    """A fresh device cookie for the person (a new nonce each time)."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_signature(user_id, nonce)}"


def nonce_of(cookie: object, user_id: int | None) -> str:
    """The cookie's nonce when it is a device cookie this installation issued to this person, else ""."""
    if user_id is None or not isinstance(cookie, str):
        return ""
    nonce, dot, signature = cookie.partition(".")
    if not dot or not _NONCE.fullmatch(nonce) or not signature.isascii():
        return ""
    return nonce if hmac.compare_digest(signature, _signature(user_id, nonce)) else ""


def attempt_keys(db: Session, email: str, user_id: int | None, cookie: object, client_ip: str) -> list[str]:
    """The counters a sign-in attempt for this account answers to.

    A trusted device: its own and the client address's. Anything else (no cookie, a forged one, another
    person's, a spent one): the account's for unknown browsers and the client address's; a spent cookie
    also stays refused while its own lock lasts."""
    nonce = nonce_of(cookie, user_id)
    if nonce and not throttle.device_spent(db, nonce):
        return throttle.device_keys(nonce, client_ip)
    unknown = throttle.throttle_keys(email, client_ip)
    return [throttle.device_keys(nonce, "")[0], *unknown] if nonce else unknown


def _signature(user_id: int, nonce: str) -> str:
    message = _PURPOSE + f"{user_id}\x00{nonce}".encode("ascii")
    digest = hmac.new(secret_key(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
