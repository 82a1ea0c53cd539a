"""The four charge models (CONTRACT §4): the exact amount for a quantity, piece by piece.

A piece is a quantity at one unit price; a graduated charge has one piece per tier it
reaches, so every piece satisfies quantity × unit price = amount (documents need that).
The line amount is the exact sum rounded half-up to øre, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from periodyear.domain.catalog import (
    Charge,
    FlatCharge,
    GraduatedCharge,
    PerUnitCharge,
    Tier,
    VolumeCharge,
)
from periodyear.domain.money import to_ore


@dataclass(frozen=True)
class PricePiece:
    quantity: int
    unit_price: Decimal
    amount: Decimal  # exact: quantity × unit_price


@dataclass(frozen=True)
class PricedCharge:
    quantity: int
    amount: Decimal  # rounded half-up to øre
    pieces: tuple[PricePiece, ...]


def _piece(quantity: int, unit_price: Decimal) -> PricePiece:
    return PricePiece(quantity, unit_price, quantity * unit_price)


def _graduated(tiers: list[Tier], quantity: int) -> list[PricePiece]:
    pieces, floor = [], 0
    for tier in tiers:
        ceiling = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if ceiling > floor:
            pieces.append(_piece(ceiling - floor, tier.unit_price))
        if tier.up_to is None or quantity <= tier.up_to:
            break
        floor = tier.up_to
    return pieces


def _volume(tiers: list[Tier], quantity: int) -> list[PricePiece]:
    tier = next(t for t in tiers if t.up_to is None or quantity <= t.up_to)
    return [_piece(quantity, tier.unit_price)]


def net_pieces(now: PricedCharge, before: PricedCharge) -> tuple[PricePiece, ...]:
    """The pieces of ``now`` less those of ``before``, netted per unit price (a correction's pieces,
    CONTRACT §5a): what was billed at a price and is still due at it cancels out; a volume tier
    that moved leaves a positive piece at the new price and a negative one at the old."""
    quantities: dict[Decimal, int] = {}
    for sign, pieces in ((1, now.pieces), (-1, before.pieces)):
        for piece in pieces:
            quantities[piece.unit_price] = quantities.get(piece.unit_price, 0) + sign * piece.quantity
    return tuple(_piece(quantity, price) for price, quantity in quantities.items() if quantity)


def price_charge(charge: Charge, quantity: int) -> PricedCharge:
    """Price ``quantity`` units (ignored for ``flat``, which is billed once)."""
    if quantity < 0:
        raise ValueError("a quantity cannot be negative")
    match charge:
        case FlatCharge():
            pieces = [_piece(1, charge.amount)]
            quantity = 1
        case PerUnitCharge():
            pieces = [_piece(quantity, charge.unit_price)] if quantity else []
        case GraduatedCharge():
            pieces = _graduated(charge.tiers, quantity)
        case VolumeCharge():
            pieces = _volume(charge.tiers, quantity) if quantity else []
    exact = sum((piece.amount for piece in pieces), Decimal(0))
    return PricedCharge(quantity, to_ore(exact), tuple(pieces))
