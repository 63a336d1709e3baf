"""Money is integer minor units, formatted by Babel for the customer's locale."""

from decimal import Decimal

from portal_app.services.common.money import format_money, to_major


def test_minor_units_convert_exactly():
    assert to_major(123450, "USD") == Decimal("1234.50")
    assert to_major(500, "JPY") == Decimal(500)
    assert to_major(1, "BHD") == Decimal("0.001")
    assert to_major(10, "USD") + to_major(20, "USD") == Decimal("0.30")


def test_formatting_follows_locale_and_currency():
    assert format_money(123450, "USD", "en_US") == "$1,234.50"
    assert format_money(123450, "EUR", "de_DE") == "1.234,50\xa0€"
    assert format_money(0, "USD") == "$0.00"
    assert format_money(-5, "USD") == "-$0.05"


def test_unknown_locale_falls_back_instead_of_crashing():
    assert format_money(100, "USD", "xx_NOPE") == "$1.00"
    assert format_money(100, "USD", None) == "$1.00"
