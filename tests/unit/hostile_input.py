"""Hypothesis strategies of random and hostile input, the fuzz settings, and checks of what may be stored.

Every fuzz test runs with the registered "portal-fuzz" profile: derandomized (the same examples on
every run, so CI is deterministic), no deadline (the machine is shared), no example database.
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "portal-fuzz",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    # The `db` fixture is one migrated database per test; examples share it and count rows themselves.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("portal-fuzz")


def fuzz(max_examples: int) -> settings:
    """The fuzz profile with this many examples per property."""
    return settings(FUZZ, max_examples=max_examples)


SAMPLES = [
    "\x00",
    "\x01\x07\x08\x1b[31m\x7f",
    "\r\n",
    "\r",
    "\x0b\x0c",
    "\x85\u2028\u2029",
    "\u202e",  # right-to-left override
    "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069",
    "\u200b\u200e\u200f\u2060\ufeff",  # zero-width space, direction marks, word joiner, BOM
    "\ud800",  # lone surrogates: a client's JSON "\ud800" arrives as one
    "\udfff",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(1)",
    "' OR 1=1 --",
    '"; DROP TABLE ticket; --',
    "Robert'); DROP TABLE ticketmessage;--",
    '"',
    "*",
    "NEAR(",
    " AND ",
    " OR ",
    " NOT ",
    "(",
    ")",
    "-",
    "^",
    ":*",
    "' | '",
    "!",
    "%",
    "_",
    "\\",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "🚀",
    "👨\u200d👩\u200d👧",  # an emoji joined by zero-width joiners
    "🏳️‍🌈",
    "e\u0301",  # e + combining acute: NFC makes it one character
    "Z\u0337\u0322\u0349a\u0334l\u0338g\u0337o",
    "\u0958",  # NFC makes it two characters
    "ﷺ",
    "ǅ",
    "İ",
    "ß",
    "مرحبا",
    "שלום",
    "日本語",
    "\U0010ffff",
    "\ue000",
    " ",
    "\t",
    "\n",
    "Medium",
]

hostile_piece = st.sampled_from(SAMPLES)
any_character = st.characters(codec=None, exclude_categories=())  # surrogates, controls, unassigned: everything
long_text = st.builds(
    lambda piece, times: piece * times, st.sampled_from([*SAMPLES, "a", "é", "a "]), st.integers(1, 30_000)
)

hostile_text = st.one_of(
    st.text(max_size=200),
    st.text(any_character, max_size=200),
    st.lists(st.one_of(hostile_piece, st.text(max_size=12)), max_size=20).map("".join),
    long_text,
)
"""Strings: random Unicode, hostile fragments mixed with random text, and very long runs."""

json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6,
)
"""Anything a client could put in an event's JSON payload."""

hostile_value = st.one_of(hostile_text, json_value)
"""A form field as a hostile client may send it: any string, or not a string at all."""

BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_safe_text(text: object, limit: int, *, multi_line: bool) -> bool:
    """What the portal may store: a string within the limit, trimmed, composed (NFC), without NUL, other
    control characters (newline and tab allowed in multi-line text), lone surrogates or bidi overrides."""
    if not isinstance(text, str) or len(text) > limit or text != text.strip():
        return False
    if unicodedata.normalize("NFC", text) != text or "\r" in text:
        return False
    allowed = {"\n", "\t"} if multi_line else set()
    for ch in text:
        if ch in BIDI_CONTROLS:
            return False
        if unicodedata.category(ch) in {"Cc", "Cs"} and ch not in allowed:
            return False
    return multi_line or "  " not in text


def is_refusal(error: Exception) -> bool:
    """A refusal the UI can show: a PortalError carrying a non-empty message."""
    from portal_app.errors import PortalError

    return isinstance(error, PortalError) and isinstance(error.message, str) and error.message.strip() != ""
