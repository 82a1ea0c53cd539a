"""A billing run's counts and record, as the run and its storage share them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

# Who claims a run's announcement holds it this long: longer than the worker's timeout (so a
# live holder is never overtaken), shorter than the queue's visibility timeout (so the
# redelivery of a holder that died finds the claim run out). test_template checks both.
ANNOUNCE_LEASE = timedelta(minutes=5)
# BillingRunCompleted's detail stays under this many bytes: EventBridge takes an entry of at
# most 256 KB, source, detail-type and time included.
EVENT_DETAIL_BYTES = 240_000
SUMMARY_LISTS = ("failed_tenants", "documents_pending", "documents_held", "invoice_numbers")


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
    plan_id: str = ""  # the planning attempt whose batches the run hands on
    announcing_until: datetime | None = None  # the claim of whoever puts BillingRunCompleted

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


def _json_size(value: Any) -> int:
    """Bytes of ``value`` as the bus adapter serialises it (``json.dumps``, ASCII-escaped)."""
    return len(json.dumps(value, default=str))


def fit_summary(summary: Mapping[str, Any], limit: int = EVENT_DETAIL_BYTES) -> dict[str, Any]:
    """The summary with its lists cut, entry by entry, to fit ``limit`` bytes of JSON. A cut
    list says how many it left out (``<name>_omitted``) of how many (``<name>_total``); the
    whole lists stay in the run's batch reports (``report run`` prints them)."""
    fitted = {k: v for k, v in summary.items() if k not in SUMMARY_LISTS}
    present = [name for name in SUMMARY_LISTS if name in summary]
    fitted.update({name: [] for name in present})
    room = {f"{name}_{part}": 10**9 for name in present for part in ("omitted", "total")}
    size = _json_size({**fitted, **room})  # as if every list were cut, with its counts
    for name in present:
        entries = list(summary[name])
        kept: list[Any] = []
        for entry in entries:
            extra = _json_size(entry) + 2  # ", " before it
            if size + extra > limit:
                break
            kept.append(entry)
            size += extra
        fitted[name] = kept
        if len(kept) < len(entries):
            fitted[f"{name}_omitted"] = len(entries) - len(kept)
            fitted[f"{name}_total"] = len(entries)
    return fitted
