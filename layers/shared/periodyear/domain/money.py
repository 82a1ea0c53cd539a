"""Money: ``Decimal`` NOK, rounded half-up to whole øre only where the contract says."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

ORE = Decimal("0.01")
_DECIMAL_STRING = re.compile(r"^\d+(\.\d+)?$")


def to_ore(amount: Decimal) -> Decimal:
    """Round an exact amount half-up to whole øre (the contract's only rounding). Decimal's
    ROUND_HALF_UP rounds a tie away from zero, so a negative amount rounds as its absolute
    value does, sign kept (CONTRACT §5a): -0.125 → -0.13."""
    return amount.quantize(ORE, rounding=ROUND_HALF_UP)


def ore(amount: Decimal) -> int:
    """The amount as a whole number of øre; refuses an amount that is not whole øre."""
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of øre")
    return int(scaled)


def from_ore(count: int) -> Decimal:
    return (Decimal(count) / 100).quantize(ORE)


def parse_decimal_string(text: object) -> Decimal:
    """A non-negative price written as a decimal string ("659.00"); floats are refused."""
    if not isinstance(text, str) or not _DECIMAL_STRING.match(text):
        raise ValueError('must be a non-negative decimal string such as "659.00"')
    return Decimal(text)
