"""Email addresses as the portal stores and compares them."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


def normalise_address(raw: str) -> str | None:
    """The address trimmed and lower-cased, or None when it is not a valid email address."""
    address = raw.strip().lower()
    if not address or len(address) > MAX_LENGTH:
        return None
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None
