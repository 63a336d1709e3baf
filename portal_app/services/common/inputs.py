"""Raw client input as the services receive it: ids written as digits, and text UTF-8 can carry."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # SQLite's largest integer: a larger id overflows the query instead of finding nothing


def parse_id(text: object, maximum: int = MAX_ID) -> int | None:
    """A whole number from 1 to `maximum` written in ASCII digits only, else None.

    Signs, spaces and other scripts' digits (superscript "²", Arabic-Indic) are refused: str.isdigit() accepts
    some that int() cannot read. Leading zeros are fine; more significant digits than the maximum has are
    refused before converting (int() refuses thousands of digits with ValueError).
    """
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return None
    significant = text.lstrip("0")
    if not significant or len(significant) > len(str(maximum)):
        return None
    value = int(significant)
    return value if value <= maximum else None


def is_utf8(text: object) -> bool:
    """Whether the value is a string UTF-8 can encode: not a lone surrogate (a client's JSON "\\ud800" arrives
    as one), which SQLite, bcrypt and hashing refuse with UnicodeEncodeError."""
    if not isinstance(text, str):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
