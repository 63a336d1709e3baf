"""Stripe's minimum charge per currency: a balance below it cannot be paid by card.

Source: Stripe's documentation, "Supported currencies", section "Minimum and maximum charge amounts"
(https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Amounts are in the currency's minor
units as the API takes them (JPY is zero-decimal: 50 is ¥50; HUF is sent with two decimals: 17500 is 175.00 Ft).
Stripe checks a currency that is not listed against the settlement currency's minimum after conversion, which the
portal cannot know in advance: such a balance is offered and Stripe decides.
"""

from __future__ import annotations

# ISO code -> the smallest amount Stripe charges, in minor units (the whole table of the page named above).
MINIMUM_CHARGE: dict[str, int] = {
    "USD": 50,  # $0.50
    "AED": 200,  # 2.00 د.إ
    "AUD": 50,  # $0.50
    "BGN": 100,  # лв1.00
    "BRL": 50,  # R$0.50
    "CAD": 50,  # $0.50
    "CHF": 50,  # 0.50 Fr
    "CZK": 1500,  # 15.00 Kč
    "DKK": 250,  # 2.50 kr.
    "EUR": 50,  # €0.50
    "GBP": 30,  # £0.30
    "HKD": 400,  # $4.00
    "HUF": 17500,  # 175.00 Ft
    "INR": 50,  # ₹0.50
    "JPY": 50,  # ¥50
    "MXN": 1000,  # $10
    "MYR": 200,  # RM 2
    "NOK": 300,  # 3.00 kr.
    "NZD": 50,  # $0.50
    "PLN": 200,  # 2.00 zł
    "RON": 200,  # lei 2.00
    "SEK": 300,  # 3.00 kr.
    "SGD": 50,  # $0.50
    "THB": 1000,  # ฿10
}

TOO_SMALL = "This balance is too small to pay by card: please pay by bank transfer or contact us."


def minimum_charge(currency: str) -> int:
    """Stripe's minimum charge for the currency in minor units (1 when Stripe publishes none for it)."""
    return MINIMUM_CHARGE.get(currency.upper(), 1)


def below_minimum(amount_minor: int, currency: str) -> bool:
    """True when Stripe would refuse to charge this positive amount as too small."""
    return 0 < amount_minor < minimum_charge(currency)
