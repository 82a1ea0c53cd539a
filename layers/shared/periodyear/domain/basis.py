"""The re-invoicing basis: which client caused which part of the invoice, VAT included.

One row per client allocation and one per line that has none (add-ons, flat charges). VAT
shares are split like amounts: each row gets its amount × VAT rate rounded down to whole øre,
and the øre left to reach the invoice's VAT go one each to the rows in ascending
``client_id`` order (rows without a client last, in line order). So every column sums
exactly to the invoice's subtotal, VAT and total.

Amounts keep the record's sign: a correction (CONTRACT §5a) can be negative, and a credit
note's rows mostly are. Rounding down to øre (towards minus infinity) and the invoice's VAT
rounded half away from zero leave between 0 and one øre per row to hand out whatever the
signs, so the split holds for negative and mixed rows too. A row of a correction line names
the period it corrects and the invoice it corrects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from periodyear.domain.invoice import InvoiceDraft, InvoiceLine
from periodyear.domain.money import from_ore, ore
from periodyear.domain.tenant import Client


@dataclass(frozen=True)
class BasisRow:
    client_id: str  # empty for a line without clients
    client_name: str
    org_number: str
    is_bureau_client: bool | None  # None for a line without clients
    code: str
    description: str
    quantity: int
    amount: Decimal  # excl. VAT
    vat: Decimal
    total: Decimal  # incl. VAT
    corrected_period: str | None = None  # on a correction line's row: the period's label (2022-02)
    correction_of: int | None = None  # ... and the number of the invoice it corrects


def basis_rows(draft: InvoiceDraft, clients: Mapping[str, Client]) -> list[BasisRow]:
    raw: list[tuple[str, InvoiceLine, int, Decimal]] = []  # client_id, line, quantity, amount
    for line in draft.lines:
        if line.allocations:
            raw += [(a.client_id, line, a.quantity, a.amount) for a in line.allocations]
        else:
            raw.append(("", line, line.quantity, line.amount))
    shares = [
        int((ore(amount) * draft.vat_rate).to_integral_value(rounding=ROUND_FLOOR)) for *_, amount in raw
    ]
    left = ore(draft.vat_amount) - sum(shares)
    order = sorted(range(len(raw)), key=lambda i: (raw[i][0] == "", raw[i][0], i))
    if not 0 <= left <= len(raw):
        raise ValueError(f"the invoice VAT {draft.vat_amount} cannot be split over its rows")
    for index in order[:left]:
        shares[index] += 1
    rows = []
    for (client_id, line, quantity, amount), share in zip(raw, shares, strict=True):
        client = clients.get(client_id)
        vat = from_ore(share)
        rows.append(
            BasisRow(
                client_id=client_id,
                client_name=client.name if client else "",
                org_number=client.org_number if client else "",
                is_bureau_client=client.is_bureau_client if client else (False if client_id else None),
                code=line.code,
                description=line.description,
                quantity=quantity,
                amount=amount,
                vat=vat,
                total=amount + vat,
                corrected_period=line.corrected_period,
                correction_of=line.correction_of,
            )
        )
    return rows


@dataclass(frozen=True)
class ClientTotal:
    """What one client accounts for on an invoice: its rows over every line, added up."""

    client_id: str
    name: str  # its register name, or its id where the register has none
    org_number: str
    is_bureau_client: bool
    amount: Decimal
    vat: Decimal
    total: Decimal


def client_totals(rows: Sequence[BasisRow], *, sign: int = 1) -> tuple[list[ClientTotal], list[BasisRow]]:
    """Each client's share of the invoice, ordered by name (case folded) and id; and the rows
    that have no client (flat charges, per-user add-ons). ``sign`` -1 negates the shares (a
    credit note shows them so); the rows without a client keep the record's sign."""
    per_client: dict[str, list[BasisRow]] = {}
    without: list[BasisRow] = []
    for row in rows:
        if row.client_id:
            per_client.setdefault(row.client_id, []).append(row)
        else:
            without.append(row)
    totals = [
        ClientTotal(
            client_id=client_id,
            name=own[0].client_name or client_id,
            org_number=own[0].org_number,
            is_bureau_client=own[0].is_bureau_client is True,
            amount=sign * sum((r.amount for r in own), Decimal(0)),
            vat=sign * sum((r.vat for r in own), Decimal(0)),
            total=sign * sum((r.total for r in own), Decimal(0)),
        )
        for client_id, own in per_client.items()
    ]
    return sorted(totals, key=lambda t: (t.name.casefold(), t.client_id)), without
