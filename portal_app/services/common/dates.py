"""Dates and times shown to customers, formatted with Babel for their locale."""

from __future__ import annotations

import functools
from datetime import date, datetime

from babel.dates import format_date, format_time

from portal_app.services.common.money import safe_locale


@functools.lru_cache(maxsize=4096)
def show_date(value: date | None, locale: str | None = None) -> str:
    """A medium date like 'Nov 1, 2026'; empty when unset. Remembered, like `format_money`: pages repeat dates."""
    return format_date(value, format="medium", locale=safe_locale(locale)) if value else ""


def show_datetime(value: datetime | None, locale: str | None = None) -> str:
    """A medium date and short time (UTC) like 'Nov 1, 2026, 9:30 AM'."""
    if value is None:
        return ""
    loc = safe_locale(locale)
    return f"{format_date(value, format='medium', locale=loc)}, {format_time(value, format='short', locale=loc)}"
