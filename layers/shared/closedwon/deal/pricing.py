"""The per-period price and the plan name: one definition each, for validation and mapping alike.

A Recurring line's SBQQ__NetPrice__c is its unit price for the whole term; NetSuite prices it per
billing period, so the per-period value is NetPrice × months per period / term months. One-Time
and Usage lines are priced as quoted (a usage NetPrice is the rate per unit used).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MONTHS_PER_PERIOD = {"Monthly": 1, "Quarterly": 3, "Semiannual": 6, "Annual": 12}
#: Amounts and quantities go to NetSuite as JSON numbers written from IEEE-754 doubles (the
#: payloads in closedwon.mapping carry floats), which hold 15 significant decimal digits exactly:
#: an amount must fit in 15 digits at its currency's decimals to arrive as quoted.
SIGNIFICANT_DIGITS = 15
#: A plan name is "<root product Name> <8 hex characters of the plan version>".
PLAN_VERSION_LENGTH = 8
PLAN_NAME_SUFFIX_LENGTH = 1 + PLAN_VERSION_LENGTH


def per_period_price(
    net_price: Decimal, charge_type: str, billing_frequency: str | None, term_months: int
) -> Decimal:
    """The unit price of one billing period, before rounding."""
    if charge_type == "Recurring" and billing_frequency in MONTHS_PER_PERIOD:
        return net_price * MONTHS_PER_PERIOD[billing_frequency] / term_months
    return net_price


def rounded(value: Decimal, decimals: int) -> Decimal:
    """``value`` rounded half-up to ``decimals`` places (the currency's)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fits(value: Decimal, decimals: int) -> bool:
    """Whether ``value`` at ``decimals`` places fits in :data:`SIGNIFICANT_DIGITS` digits."""
    return value.is_finite() and abs(value) < Decimal(10) ** (SIGNIFICANT_DIGITS - decimals)


def plan_name(root_product_name: str, version: str) -> str:
    """The subscription plan's ``itemId``: the root product's name and the plan version."""
    return f"{root_product_name} {version}"
