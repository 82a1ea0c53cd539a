"""A billing run's counts and record, as the run and its storage share them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Tally:
    """The counts of a run, or of one batch of it: they add up batch by batch."""

    tenants_seen: int = 0
    invoices_issued: int = 0
    invoices_already_issued: int = 0
    invoices_previewed: int = 0
    tenants_with_nothing_to_bill: int = 0
    invalid_usage_records: int = 0
    invalid_usage_reviewed: int = 0  # of the invalid records, those read in the reviewed period (§5a)
    documents_completed: int = 0
    correction_lines: int = 0  # lines correcting the period before (CONTRACT §5a)
    credit_notes: int = 0  # invoices issued as credit notes (their subtotal is negative)
    total_billed: Decimal = Decimal("0.00")

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class RunStatus(StrEnum):
    PLANNED = "PLANNED"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class BatchReport:
    """What one batch of a fanned-out run came to."""

    batch: int
    tally: Tally
    failed: list[dict[str, Any]] = field(default_factory=list)  # {"tenant_id", "error", "transient"}
    pending: list[dict[str, Any]] = field(default_factory=list)  # {"tenant_id", "error"}
    invoice_numbers: list[int] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)  # {"tenant_id", "reason"}: EHF held


@dataclass(frozen=True)
class RunRecord:
    """A fanned-out run as kept: its plan, its counters, and its summary once complete."""

    header: dict[str, Any]  # run_id, kind, period, issue_date, dry_run
    tenants_planned: int
    batches_planned: int
    batches_done: int
    tally: Tally
    status: RunStatus
    batches_sent: bool
    summary: dict[str, Any] | None
    announced: bool

    @property
    def run_id(self) -> str:
        return str(self.header["run_id"])

    @property
    def all_counted(self) -> bool:
        return self.batches_done >= self.batches_planned


def number_ranges(numbers: Iterable[int]) -> list[str]:
    """Invoice numbers as compact ranges, ascending: ``[1, 2, 3, 5]`` → ``["1-3", "5"]``."""
    ranges: list[str] = []
    ordered = sorted(set(numbers))
    start = 0
    for index, number in enumerate(ordered):
        if index + 1 == len(ordered) or ordered[index + 1] != number + 1:
            first = ordered[start]
            ranges.append(str(first) if first == number else f"{first}-{number}")
            start = index + 1
    return ranges


def run_summary(
    header: Mapping[str, Any],
    tally: Tally,
    *,
    failed: Sequence[Mapping[str, Any]],
    pending: Sequence[Mapping[str, Any]],
    invoice_numbers: Sequence[str],
    held: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The JSON summary of CONTRACT §7, with a few more counts (the same inline and fanned out).
    ``documents_held``: invoices whose PDF and CSV went out while their EHF is held, and why."""
    return {
        **header,
        **tally.as_dict(),
        "total_billed": str(tally.total_billed),
        "failed_tenants": [{"tenant_id": f["tenant_id"], "error": f["error"]} for f in failed],
        "documents_pending": [{"tenant_id": p["tenant_id"], "error": p["error"]} for p in pending],
        "documents_held": [{"tenant_id": h["tenant_id"], "reason": h["reason"]} for h in held],
        "invoice_numbers": list(invoice_numbers),
    }
