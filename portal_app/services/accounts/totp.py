"""Time-based one-time passwords (RFC 6238) as authenticator apps show them: 6 digits, a new one every 30 s."""

from __future__ import annotations

import hmac
import time

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # the previous and next code count too: clocks drift and people type slowly


def new_secret() -> str:
    """A fresh random base32 secret (160 bits)."""
    return pyotp.random_base32()


def current_step(now: float | None = None) -> int:
    """The number of the 30-second time step at `now` (Unix seconds; default: the clock)."""
    return int(time.time() if now is None else now) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code an authenticator app shows during the given time step."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step (within the allowed drift) whose code this is, or None."""
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    current = current_step(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            found = step
    return found


def setup_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def qr_code(uri: str) -> str:
    """The address as a QR code: an SVG data URI for an <img>."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
