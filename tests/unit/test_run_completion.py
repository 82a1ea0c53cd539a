"""A fanned-out run's completion on in-memory repositories: announced once, in one event that
fits the bus, however its workers interleave, and large allocations kept within an item."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from periodyear.adapters.invoice_items import ALLOCATIONS_PER_ITEM, allocation_parts
from periodyear.adapters.items import item_size
from periodyear.domain.errors import RunNotAnnounced
from periodyear.domain.runs import ANNOUNCE_LEASE, EVENT_DETAIL_BYTES, BatchReport, Tally, fit_summary
from tests.examples import examples
from tests.unit.test_billing_service import World, account

ENVELOPE_BYTES = 256 * 1024 - EVENT_DETAIL_BYTES  # what EventBridge counts beside the detail


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2022, 6, 1, 2, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def clocked(world: World) -> Clock:
    clock = Clock()
    world.fan_out._clock = clock
    return clock


def test_a_redelivered_batch_meeting_a_completion_being_announced_does_not_announce_it_again() -> None:
    # Given a run of two batches whose last counted batch completes the run
    world = World(["a", "b", "c", "d", "e", "f"])
    clock = clocked(world)
    world.fan_out.plan(world.plan())
    first, second = world.queue.messages
    world.queue.messages = []
    world.fan_out.work(first, last_attempt=False)
    # When, while the completing worker puts BillingRunCompleted, the first batch comes again
    real = world.events.run_completed
    retries: list[str | None] = []

    def announcing(summary: Mapping[str, Any]) -> None:
        if not retries:
            retries.append(world.fan_out.work(first, last_attempt=False).retry)
        real(summary)

    world.events.run_completed = announcing  # type: ignore[method-assign]
    world.fan_out.work(second, last_attempt=False)
    # Then the run is announced once, and the redelivery was told to come again
    assert len(world.events.completed) == 1
    (retry,) = retries
    assert retry is not None
    assert "claimed" in retry
    # and when it comes again after its visibility timeout, it finds the run announced
    clock.now += ANNOUNCE_LEASE * 2
    assert world.fan_out.work(first, last_attempt=False).retry is None
    assert len(world.events.completed) == 1


def test_a_worker_that_died_holding_the_announcement_is_taken_over_once_its_claim_runs_out() -> None:
    world = World(["a", "b", "c"])  # one batch
    clock = clocked(world)
    world.fan_out.plan(world.plan())
    (message,) = world.queue.messages

    def dies(summary: Mapping[str, Any]) -> None:
        raise SystemExit("the sandbox died before the event was put")

    real = world.events.run_completed
    world.events.run_completed = dies  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        world.fan_out.work(message, last_attempt=False)
    world.events.run_completed = real  # type: ignore[method-assign]
    # Within the claim, a redelivery does not announce: the holder may be alive
    assert world.fan_out.work(message, last_attempt=False).retry is not None
    assert world.events.completed == []
    # Once the claim has run out (the queue's visibility timeout is longer), it does, once
    clock.now += ANNOUNCE_LEASE + timedelta(seconds=1)
    assert world.fan_out.work(message, last_attempt=False).retry is None
    assert world.fan_out.work(message, last_attempt=False).retry is None
    (completed,) = world.events.completed
    assert (completed["invoices_issued"], completed["tenants_seen"]) == (3, 3)


def test_a_run_with_thousands_of_long_failures_announces_one_event_within_the_limit() -> None:
    # Given a run whose 4,000 failed tenants each carry a 600-character error
    world = World([])
    failures: list[dict[str, Any]] = [
        {"tenant_id": f"tenant-{n:05d}", "error": "x" * 600, "transient": False} for n in range(4000)
    ]
    reports = [
        BatchReport(n + 1, Tally(tenants_seen=25), failures[n * 25 : (n + 1) * 25], invoice_numbers=[n + 1])
        for n in range(160)
    ]
    header = dict(world.plan().header())
    world.runs.start(
        header, batches=[[f["tenant_id"]] for f in failures[:160]], plan_id="p", at=world.plan().now
    )
    for report in reports:
        world.runs.record_batch(header["run_id"], report)
    # When the last batch's worker completes the run
    world.fan_out._complete_if_done(header["run_id"], redelivered=False)
    # Then one event goes out, small enough for EventBridge, saying how many it leaves out
    (event,) = world.events.completed
    detail = json.dumps(event, default=str)
    assert len(detail.encode()) <= EVENT_DETAIL_BYTES  # and source, detail-type, time fit beside it
    assert len("periodyear.billing") + len("BillingRunCompleted") + 64 < ENVELOPE_BYTES
    listed = len(event["failed_tenants"])
    assert 0 < listed < 4000
    assert (event["failed_tenants_omitted"], event["failed_tenants_total"]) == (4000 - listed, 4000)
    assert event["tenants_seen"] == 4000
    # and every failure stays readable in the run's batch reports
    kept = [f["tenant_id"] for r in world.runs.batch_reports(header["run_id"]) for f in r.failed]
    assert sorted(kept) == sorted(f["tenant_id"] for f in failures)


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(st.text(min_size=0, max_size=400), max_size=300),
    st.integers(min_value=2_000, max_value=60_000),
)
def test_a_fitted_summary_is_within_its_limit_and_keeps_a_prefix_of_each_list(
    errors: list[str], limit: int
) -> None:
    summary: dict[str, Any] = {
        "run_id": "monthly-2022-05-abc",
        "invoices_issued": 3,
        "failed_tenants": [{"tenant_id": f"t{n}", "error": e} for n, e in enumerate(errors)],
        "documents_pending": [{"tenant_id": f"t{n}", "error": e} for n, e in enumerate(errors[:10])],
        "invoice_numbers": ["1-3"],
    }
    fitted = fit_summary(summary, limit)
    assert len(json.dumps(fitted, default=str)) <= limit
    for name in ("failed_tenants", "documents_pending", "invoice_numbers"):
        kept = fitted[name]
        assert kept == summary[name][: len(kept)]
        assert fitted.get(f"{name}_omitted", 0) == len(summary[name]) - len(kept)
    assert fitted["invoices_issued"] == 3


def test_allocation_items_stay_within_an_item_however_long_the_ids() -> None:
    # 64-character client ids (the register's longest) on a charge with a 120-character code
    entries = [
        {"line_code": "K" * 120, "client_id": f"{n:064d}", "quantity": 1, "amount": Decimal("1234567.89")}
        for n in range(9_000)
    ]
    parts = list(allocation_parts(entries))
    assert [e for part in parts for e in part] == entries  # every entry, in order
    assert all(len(part) <= ALLOCATIONS_PER_ITEM for part in parts)
    assert (
        max(
            item_size({"pk": "TENANT#x", "sk": "ALLOCATIONS#MONTHLY#2022-05#0001", "allocations": p})
            for p in parts
        )
        < 400_000
    )
    short = [
        {"line_code": "P", "client_id": f"c{n}", "quantity": 1, "amount": Decimal(1)} for n in range(4_001)
    ]
    assert [len(p) for p in allocation_parts(short)] == [2_000, 2_000, 1]  # the contract's count still holds


def test_a_retried_planner_hands_on_the_first_attempts_batches() -> None:
    world = World(["b", "c", "d", "e"])
    plan = world.plan()
    header = dict(plan.header())
    # The first attempt stored its plan and died before sending anything
    first = world.runs.start(header, batches=[["b", "c", "d"], ["e"]], plan_id="first", at=plan.now)
    world.register.accounts["a"] = account("a")
    # When the planner is retried (the register has a new tenant by now)
    handed = world.fan_out.plan(plan)
    # Then it sends the first attempt's batches, numbered as they were
    assert first.plan_id == "first"
    assert [(m["batch"], m["tenant_ids"]) for m in world.queue.messages] == [(1, ["b", "c", "d"]), (2, ["e"])]
    assert (handed["tenants_handed_on"], handed["batches"]) == (4, 2)


def test_a_run_of_no_tenants_whose_planner_died_announcing_fails_its_retry_then_announces_once() -> None:
    world = World([])
    clock = clocked(world)

    def dies(summary: Mapping[str, Any]) -> None:
        raise SystemExit("the sandbox died before the event was put")

    real = world.events.run_completed
    world.events.run_completed = dies  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        world.fan_out.plan(world.plan())
    world.events.run_completed = real  # type: ignore[method-assign]
    # Lambda's retry inside the claim fails loudly (no batch will come again to take it over)
    with pytest.raises(RunNotAnnounced):
        world.fan_out.plan(world.plan())
    assert world.events.completed == []
    # a retry after the claim has run out announces it, once
    clock.now += ANNOUNCE_LEASE + timedelta(seconds=1)
    world.fan_out.plan(world.plan())
    world.fan_out.plan(world.plan())
    (completed,) = world.events.completed
    assert completed["tenants_seen"] == 0
