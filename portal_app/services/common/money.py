"""Money as integer minor units plus an ISO currency; formatted with Babel, never via float."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision

DEFAULT_LOCALE = "en_US"


def to_major(amount_minor: int, currency: str) -> Decimal:
    """The exact decimal amount in major units (e.g. 1234 USD cents -> Decimal('12.34'))."""
    return Decimal(amount_minor).scaleb(-get_currency_precision(currency))


@functools.lru_cache(maxsize=64)
def safe_locale(locale: str | None) -> Locale:
    """The locale if Babel knows it, else the default; parsed once (a billing history page formats about a hundred
    amounts and dates, and parsing the locale name each time was a third of their cost)."""
    try:
        return Locale.parse(locale or DEFAULT_LOCALE)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(DEFAULT_LOCALE)


@functools.lru_cache(maxsize=4096)
def format_money(amount_minor: int, currency: str, locale: str | None = None) -> str:
    """Amount formatted for the customer's locale, e.g. '$1,234.50' or '1.234,50 €'. Remembered: the same prices and
    balances come back on every page, and Babel takes about 50 µs to format one."""
    return format_currency(to_major(amount_minor, currency), currency, locale=safe_locale(locale))
