"""Contact details as links a tap opens: a phone number to dial."""

from __future__ import annotations


def tel_link(phone: str) -> str:
    """A `tel:` address for a phone number as people write it ("+1 (555) 010-0199" -> "tel:+15550100199")."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"
