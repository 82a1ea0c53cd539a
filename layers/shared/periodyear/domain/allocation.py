"""Allocation: the re-invoicing basis of a client-metered line (CONTRACT §5).

Each distinct client gets quantity 1 and an equal share in whole øre; the øre left
over go one each to the clients in ascending ``client_id`` (string) order, so the
shares always sum exactly to the line. A negative amount (a correction, CONTRACT §5a)
is allocated as the negatives of the shares of its absolute value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from periodyear.domain.money import from_ore, ore


@dataclass(frozen=True)
class Allocation:
    client_id: str
    quantity: int
    amount: Decimal


def allocate(amount: Decimal, client_ids: Iterable[str]) -> tuple[Allocation, ...]:
    clients = sorted(set(client_ids))
    if not clients:
        raise ValueError("an allocation needs at least one client")
    total = ore(amount)
    sign = -1 if total < 0 else 1
    share, left_over = divmod(abs(total), len(clients))
    return tuple(
        Allocation(client, 1, from_ore(sign * (share + (1 if index < left_over else 0))))
        for index, client in enumerate(clients)
    )
