"""The invoices table's item layout (CONTRACT §6): the keys, an invoice as its item and back,
and a large invoice's allocations split over items. Built and parsed here alone."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from periodyear.adapters.items import item_size
from periodyear.domain.allocation import Allocation
from periodyear.domain.calendar import Period, PeriodKind, parse_date
from periodyear.domain.invoice import (
    Invoice,
    InvoiceDraft,
    InvoiceLine,
)
from periodyear.domain.meters import Meter
from periodyear.domain.money import to_ore
from periodyear.domain.pricing import PricePiece

if TYPE_CHECKING:
    pass

# Other items of this table must not have an sk beginning with "INVOICE#" (CONTRACT §6).
COUNTER_KEY = {"pk": "SEQUENCE#INVOICE_NUMBER", "sk": "COUNTER"}
LARGE_INVOICE_BYTES = 300_000
ALLOCATIONS_PER_ITEM = 2_000  # CONTRACT §6: at most 2,000 entries an item
ALLOCATION_ITEM_BYTES = 300_000  # and, whatever the ids' length, within DynamoDB's 400 KB
TRANSACTION_ACTIONS = 100
TRANSACTION_BYTES = 3_500_000


def invoice_sk(period: Period) -> str:
    return f"INVOICE#{period.kind.value}#{period.label}"


def allocations_sk(period: Period, number: int) -> str:
    return f"ALLOCATIONS#{period.kind.value}#{period.label}#{number:04d}"


def invoice_record(invoice: Invoice) -> dict[str, Any]:
    """The invoice's attributes as CONTRACT §6 writes them (plus each line's price pieces)."""
    draft = invoice.draft
    return {
        "invoice_number": invoice.invoice_number,
        "tenant_id": draft.tenant_id,
        "kind": draft.kind.value,
        "period_start": draft.period.start.isoformat(),
        "period_end": draft.period.end.isoformat(),
        "issue_date": draft.issue_date.isoformat(),
        "due_date": draft.due_date.isoformat(),
        "package": draft.package,
        "price_list": draft.price_list,
        "currency": draft.currency,
        "lines": [
            {
                "code": line.code,
                "description": line.description,
                "meter": line.meter.value if line.meter else None,
                "quantity": line.quantity,
                "amount": line.amount,
                "allocations": [
                    {"client_id": a.client_id, "quantity": a.quantity, "amount": a.amount}
                    for a in line.allocations
                ],
                "pieces": [
                    {"quantity": p.quantity, "unit_price": p.unit_price, "amount": p.amount}
                    for p in line.pieces
                ],
                "correction_of": line.correction_of,  # only on a correction line (None is left out)
            }
            for line in draft.lines
        ],
        "subtotal": draft.subtotal,
        "vat_rate": draft.vat_rate,
        "vat_amount": draft.vat_amount,
        "total": draft.total,
        "status": "ISSUED",
        "document_type": draft.document_type,
    }


def invoice_from_record(
    record: dict[str, Any], allocations: dict[str, list[dict[str, Any]]] | None = None
) -> Invoice:
    """The invoice as it was issued, from its stored record; ``allocations`` (by line code) are
    the merged allocation items of a large invoice."""
    kind = PeriodKind(record["kind"])
    start, end = parse_date(record["period_start"]), parse_date(record["period_end"])
    lines = tuple(
        InvoiceLine(
            code=line["code"],
            description=line["description"],
            meter=Meter(line["meter"]) if line.get("meter") else None,
            quantity=int(line["quantity"]),
            amount=to_ore(Decimal(line["amount"])),
            allocations=tuple(
                Allocation(a["client_id"], int(a["quantity"]), to_ore(Decimal(a["amount"])))
                for a in (line["allocations"] or (allocations or {}).get(line["code"], []))
            ),
            pieces=tuple(
                PricePiece(int(p["quantity"]), Decimal(p["unit_price"]), Decimal(p["amount"]))
                for p in line.get("pieces", [])
            ),
            correction_of=int(line["correction_of"]) if "correction_of" in line else None,
        )
        for line in record["lines"]
    )
    draft = InvoiceDraft(
        tenant_id=record["tenant_id"],
        period=Period(kind, start, end),
        issue_date=parse_date(record["issue_date"]),
        due_date=parse_date(record["due_date"]),
        package=record["package"],
        price_list=record["price_list"],
        currency=record["currency"],
        lines=lines,
        subtotal=to_ore(Decimal(record["subtotal"])),
        vat_rate=Decimal(record["vat_rate"]),
        vat_amount=to_ore(Decimal(record["vat_amount"])),
        total=to_ore(Decimal(record["total"])),
    )
    return Invoice(int(record["invoice_number"]), draft)


def without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


def split_allocations(draft: InvoiceDraft, record: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    entries = [
        {"line_code": line.code, "client_id": a.client_id, "quantity": a.quantity, "amount": a.amount}
        for line in draft.lines
        for a in line.allocations
    ]
    canonical = json.dumps(entries, default=str, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    items = [
        {"pk": record["pk"], "sk": allocations_sk(draft.period, n), "allocations": part, "digest": digest}
        for n, part in enumerate(allocation_parts(entries), 1)
    ]
    for line in record["lines"]:
        line["allocations"] = []
    record["allocation_items"] = len(items)
    record["allocations_digest"] = digest
    return items, digest


def allocation_parts(entries: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The entries in order, in parts of at most ``ALLOCATIONS_PER_ITEM`` entries and
    ``ALLOCATION_ITEM_BYTES`` bytes (long client ids and codes fill an item before 2,000 do)."""
    part: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        entry_bytes = item_size({"e": entry})
        if part and (len(part) == ALLOCATIONS_PER_ITEM or size + entry_bytes > ALLOCATION_ITEM_BYTES):
            yield part
            part, size = [], 0
        part.append(entry)
        size += entry_bytes
    if part:
        yield part
