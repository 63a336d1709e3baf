"""Cells of imported CSV files turned into values: text, money, tax rates, dates, currencies, choices.

Every parser raises BadValue with a message that names the column and quotes the cell,
e.g. "amount '12.345' has more decimals than USD allows (2)".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import TypeVar

from babel.core import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision, list_currencies

from portal_app.services.common.inputs import parse_id

MAX_MINOR = 2**31 - 1  # the money columns are 32-bit integers on PostgreSQL
MAX_NUMBER_LENGTH = 40
MAX_QUANTITY = 1_000_000
BASIS_POINTS_PER_PERCENT = 100
MAX_TAX_RATE_BP = 100 * BASIS_POINTS_PER_PERCENT
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
T = TypeVar("T")
_EXACT = Context(prec=2 * MAX_NUMBER_LENGTH)  # wide enough that scaling a short decimal never rounds


class BadValue(ValueError):
    """A cell that cannot be imported; str() is the row-level message."""


def text(raw: str, column: str, max_length: int) -> str:
    """The trimmed cell, refused when longer than the column holds."""
    value = raw.strip()
    if len(value) > max_length:
        raise BadValue(f"{column} is longer than {max_length} characters")
    return value


def currency(raw: str, column: str = "currency") -> str:
    """An ISO 4217 code Babel knows, upper-cased ('usd' -> 'USD')."""
    code = raw.strip().upper()
    if code not in _known_currencies():
        raise BadValue(f"{column} {raw.strip()!r} is not an ISO 4217 currency code")
    return code


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def locale(raw: str, column: str = "locale") -> str:
    """A locale Babel knows, normalised ('en-gb' -> 'en_GB')."""
    value = raw.strip()
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise BadValue(f"{column} {value!r} is not a known locale like en_US") from None


def _decimal(raw: str, column: str, example: str) -> Decimal:
    value = raw.strip()
    if value.startswith("-") and _DECIMAL.fullmatch(value[1:]):
        raise BadValue(f"{column} {value!r} is negative")
    if len(value) > MAX_NUMBER_LENGTH or not _DECIMAL.fullmatch(value):
        raise BadValue(f"{column} {value!r} is not a number like {example}")
    return Decimal(value)


def amount_minor(raw: str, currency_code: str, column: str = "amount") -> int:
    """A non-negative decimal amount in major units as an exact count of minor units ('12.34' USD -> 1234).

    Trailing zeros are fine ('1200.00' JPY -> 1200); digits the currency cannot hold are refused.
    """
    precision = get_currency_precision(currency_code)
    minor = _decimal(raw, column, "12.34").scaleb(precision, context=_EXACT)
    if minor != minor.to_integral_value():
        allowed = f"({precision})" if precision else "(none)"
        raise BadValue(f"{column} {raw.strip()!r} has more decimals than {currency_code} allows {allowed}")
    if minor > MAX_MINOR:
        raise BadValue(f"{column} {raw.strip()!r} is too large")
    return int(minor)


def tax_rate_bp(raw: str, column: str = "tax_rate") -> int:
    """A percentage ('20', '7.5', '7.5%') in basis points (2000, 750); empty means 0."""
    value = raw.strip().removesuffix("%").strip()
    if not value:
        return 0
    basis_points = _decimal(value, column, "20 or 7.5").scaleb(2, context=_EXACT)
    if basis_points != basis_points.to_integral_value():
        raise BadValue(f"{column} {raw.strip()!r} has more than two decimals")
    if basis_points > MAX_TAX_RATE_BP:
        raise BadValue(f"{column} {raw.strip()!r} is more than 100%")
    return int(basis_points)


def tax_minor(amount: int, rate_bp: int) -> int:
    """Tax on a net amount, rounded half-up to whole minor units."""
    return int(Decimal(amount * rate_bp).scaleb(-4, context=_EXACT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quantity(raw: str, column: str = "quantity") -> int:
    """A whole number of units, at least 1."""
    value = raw.strip()
    number = parse_id(value, MAX_QUANTITY)
    if number is None:
        raise BadValue(f"{column} {value!r} is not a whole number from 1 to {MAX_QUANTITY:,}")
    return number


def iso_date(raw: str, column: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    value = raw.strip()
    try:
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadValue(f"{column} {value!r} is not a date like 2025-01-31")


def utc_datetime(raw: str, column: str) -> datetime:
    """An ISO 8601 date and time, in UTC; a time without an offset is taken as UTC."""
    value = raw.strip()
    try:
        moment = datetime.fromisoformat(value) if len(value) >= len("2025-01-31") else None
    except ValueError:
        moment = None
    if moment is None:
        raise BadValue(f"{column} {value!r} is not a date and time like 2025-01-31T14:05:00Z")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def choice(raw: str, column: str, options: dict[str, T]) -> T:
    """The option whose name matches the cell, ignoring case."""
    value = raw.strip()
    for name, option in options.items():
        if name.casefold() == value.casefold():
            return option
    names = "/".join(options)
    raise BadValue(f"{column} {value!r} is not one of {names}")
