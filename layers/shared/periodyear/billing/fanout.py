"""A billing run fanned out over a queue (CONTRACT §7 "Fan-out").

The handler plans: it lists the tenants, keeps a run record (id, kind, period, tenants and
batches planned), and sends the tenants in numbered batches to the billing queue. A worker
bills one batch with the same billing service, then counts it on the run record: the
batch's marker and the run's counters are written in one transaction, so a batch counts
once however often its message is delivered. The worker that finds every batch counted
claims the run's completion, and with it the announcement, in one conditional write; only
the winner stores the summary and puts ``BillingRunCompleted`` on the bus, so it goes out once
even when workers finish at the same moment. A claim whose holder died runs out
(``ANNOUNCE_LEASE``, longer than the worker's timeout, shorter than the queue's visibility
timeout), and the redelivery of the holder's message takes the announcement over.

The planner stores its batches before it names them in the run record (``Runs.start``), so a
planner that dies while handing them on is retried with the same batches, numbered the same,
whatever the register holds by then.

A tenant that failed in a way another attempt may cure (throttling, contention, a bug) makes
the batch's message come again, up to the queue's receive limit; its other tenants are
already invoiced and are found so. On the last attempt the batch is counted with those
failures, the run can complete, and the message goes on to the dead-letter queue.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import batched
from typing import TYPE_CHECKING, Any, Protocol

from periodyear.billing.request import BillingPlan
from periodyear.domain.calendar import format_instant
from periodyear.domain.errors import RunNotAnnounced
from periodyear.domain.runs import (
    BatchReport,
    RunRecord,
    RunStatus,
    fit_summary,
    number_ranges,
    run_summary,
)
from periodyear.observability import logger

if TYPE_CHECKING:  # the planner never bills: the billing service is built for the worker alone
    from periodyear.billing.outcomes import RunResult, TenantResult
    from periodyear.billing.service import BillingService

BATCH_SIZE = 25  # tenants per queue message


class Runs(Protocol):
    def get(self, run_id: str) -> RunRecord | None: ...
    def start(
        self, header: Mapping[str, Any], *, batches: Sequence[Sequence[str]], plan_id: str, at: datetime
    ) -> RunRecord: ...
    def planned_batches(self, record: RunRecord) -> list[list[str]]: ...
    def batches_sent(self, run_id: str, at: datetime) -> None: ...
    def record_batch(self, run_id: str, report: BatchReport) -> bool: ...
    def batch_reports(self, run_id: str) -> Iterable[BatchReport]: ...
    def complete(self, run_id: str, summary: Mapping[str, Any], at: datetime) -> bool: ...
    def claim_announcement(self, run_id: str, at: datetime) -> bool: ...
    def announced(self, run_id: str, at: datetime) -> None: ...


class Tenants(Protocol):
    def tenant_ids(self) -> Iterable[str]: ...


class Queue(Protocol):
    def send(self, bodies: Sequence[Mapping[str, Any]]) -> None: ...


class Announcer(Protocol):
    def run_completed(self, summary: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class BatchOutcome:
    result: RunResult
    counted: bool  # counted on the run now (False: not yet, or by an earlier delivery)
    retry: str | None  # why the message must come again (None: done with)


def run_id_for(plan: BillingPlan, request_id: str) -> str:
    """One id per run: a scheduled run by its scheduled time (a retried delivery of the schedule
    continues the same run), a manual run by its Lambda request (retried invocations keep it)."""
    basis = format_instant(plan.now) if plan.scheduled else request_id
    digest = hashlib.sha256(f"{plan.kind.value}|{plan.period.label}|{basis}".encode()).hexdigest()[:12]
    return f"{plan.kind.value.lower()}-{plan.period.label}-{digest}"


def handed_on(record: RunRecord) -> dict[str, Any]:
    return {
        **record.header,
        "status": record.status.value,
        "tenants_handed_on": record.tenants_planned,
        "batches": record.batches_planned,
    }


def _summary(record: RunRecord, reports: Sequence[BatchReport]) -> dict[str, Any]:
    """The run's summary from its counted batches, cut to fit one event (``fit_summary``)."""
    ordered = sorted(reports, key=lambda r: r.batch)
    summary = {
        **run_summary(
            record.header,
            record.tally,
            failed=[f for r in ordered for f in r.failed],
            pending=[p for r in ordered for p in r.pending],
            invoice_numbers=number_ranges(n for r in ordered for n in r.invoice_numbers),
            held=[h for r in ordered for h in r.held],
        ),
        "tenants_handed_on": record.tenants_planned,
        "batches": record.batches_planned,
    }
    return fit_summary(summary)


class FanOut:
    def __init__(
        self,
        *,
        tenants: Tenants,
        billing: Callable[[], BillingService],
        runs: Runs,
        queue: Queue,
        announcer: Announcer,
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.on_tenant: Callable[[TenantResult], None] | None = None  # an observer (the local demo)
        self._tenants = tenants
        self._billing = billing  # built on first use: only a worker bills
        self._runs = runs
        self._queue = queue
        self._announcer = announcer
        self._batch_size = batch_size
        self._clock = clock  # for the announcement's claim: the run's ``now`` is its business time

    # ------------------------------------------------------------------ the handler's part
    def plan(self, plan: BillingPlan) -> dict[str, Any]:
        """Hand the run's tenants to the queue; a repeated call for the same run resends the
        batches its first call stored (batches count once either way)."""
        existing = self._runs.get(plan.run_id)
        if existing is not None and existing.batches_sent:
            if existing.batches_planned == 0 and (
                why := self._complete_if_done(plan.run_id, redelivered=True)
            ):
                # No batch will come again to take the announcement over: fail, so that the
                # invocation is retried and, past its retries, kept in the dead-letter queue.
                raise RunNotAnnounced(why)
            return handed_on(existing)
        if existing is None:
            tenants = list(dict.fromkeys(self._tenants.tenant_ids()))
            batches = [list(b) for b in batched(tenants, self._batch_size, strict=False)]
            plan_id = uuid.uuid4().hex[:16]
            record = self._runs.start(plan.header(), batches=batches, plan_id=plan_id, at=plan.now)
            if record.plan_id != plan_id:  # another planner of the same run stored its plan first
                batches = self._runs.planned_batches(record)
        else:
            record = existing
            batches = self._runs.planned_batches(record)
        message = plan.as_message()
        self._queue.send([{**message, "batch": n, "tenant_ids": b} for n, b in enumerate(batches, 1)])
        self._runs.batches_sent(plan.run_id, plan.now)
        logger.info(
            "billing run handed on",
            extra={"run_id": plan.run_id, "tenants": record.tenants_planned, "batches": len(batches)},
        )
        if not batches:
            self._complete_if_done(plan.run_id, redelivered=False)
        return handed_on(self._runs.get(plan.run_id) or record)

    # ------------------------------------------------------------------ the worker's part
    def work(self, message: Mapping[str, Any], *, last_attempt: bool) -> BatchOutcome:
        """Bill one batch and count it; ``retry`` says why its message must come again."""
        plan = BillingPlan.from_message(message)
        batch = int(message["batch"])
        result = self._billing().bill_tenants(list(message["tenant_ids"]), plan, self.on_tenant)
        transient = [f["tenant_id"] for f in result.failed() if f["transient"]]
        if transient and not last_attempt:
            again = f"batch {batch} of {plan.run_id}: {len(transient)} tenants to try again"
            return BatchOutcome(result, counted=False, retry=again)
        report = BatchReport(
            batch, result.tally(), result.failed(), result.pending(), result.issued_numbers(), result.held()
        )
        counted = self._runs.record_batch(plan.run_id, report)
        if not counted:
            logger.info("batch counted already", extra={"run_id": plan.run_id, "batch": batch})
        retry = self._complete_if_done(plan.run_id, redelivered=not counted)
        if transient:  # counted as failures; the message goes on to the dead-letter queue
            retry = (
                f"batch {batch} of {plan.run_id}: {len(transient)} tenants failed on the last attempt "
                f"and are in the run's failures: {', '.join(transient)}"
            )
        return BatchOutcome(result, counted=counted, retry=retry)

    def _complete_if_done(self, run_id: str, *, redelivered: bool) -> str | None:
        """Complete and announce the run once every batch is counted. Returns why the message
        must come again: a redelivered batch (its first delivery may have died holding the
        announcement) meets a claim that has not yet run out."""
        record = self._runs.get(run_id)
        if record is None or not record.all_counted or record.announced:
            return None
        now = self._clock()
        if record.status is not RunStatus.COMPLETED:
            summary = _summary(record, list(self._runs.batch_reports(run_id)))
            if not self._runs.complete(run_id, summary, now):
                return None  # another worker completed the run at the same moment, and announces it
            logger.info("billing run completed", extra={"summary": summary})
        elif self._runs.claim_announcement(run_id, now):
            summary = record.summary or {}
            logger.warning("billing run announced by a later delivery", extra={"run_id": run_id})
        elif redelivered:
            until = record.announcing_until
            return f"run {run_id}: its announcement is claimed until {until}; to check again then"
        else:
            return None  # the claim's holder is announcing it now
        self._announcer.run_completed(summary)
        self._runs.announced(run_id, now)
        return None
