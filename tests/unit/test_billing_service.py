"""The billing service and its fan-out on in-memory repositories: the rules of a run, no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Metrics

from periodyear.billing.fanout import FanOut
from periodyear.billing.job import publish_metrics
from periodyear.billing.late_usage import LateUsageReport
from periodyear.billing.request import BillingPlan
from periodyear.billing.service import BillingService
from periodyear.documents.publisher import DocumentPublisher
from periodyear.domain.calendar import Period
from periodyear.domain.catalog import load_catalog
from periodyear.domain.tenant import Client, Subscription, TenantAccount
from periodyear_local.memory_billing import (
    MemoryEvents,
    MemoryInvoices,
    MemoryQueue,
    MemoryRegister,
    MemoryRuns,
    MemoryStore,
    MemoryUsage,
    stub_documents,
)
from periodyear_local.template import sample_seller

CATALOG = load_catalog(Path(__file__).parents[1] / "data" / "worked_example_catalog.json")
MAY = Period.parse_month("2022-05")
NOW = datetime(2022, 6, 1, 2, tzinfo=UTC)


def account(tenant_id: str, package: str = "KOMPLETT") -> TenantAccount:
    return TenantAccount(
        tenant_id=tenant_id,
        name=f"Firm {tenant_id}",
        org_number="999999999",
        language="nb",
        subscription=Subscription(package=package, price_switch_date=date(2022, 1, 1)),
        clients={"c1": Client("c1", "Client 1", "911111111", False)},
    )


class World:
    """Given/When/Then over the service wired to in-memory repositories."""

    def __init__(self, tenants: list[str], *, documents: bool = True) -> None:
        self.register = MemoryRegister([account(t) for t in tenants])
        self.usage = MemoryUsage()
        self.invoices = MemoryInvoices()
        self.store = MemoryStore()
        self.events = MemoryEvents()
        self.runs = MemoryRuns()
        self.queue = MemoryQueue()
        publisher = DocumentPublisher(
            invoices=self.invoices,
            store=self.store,
            events=self.events,
            seller=sample_seller(),
            render=stub_documents,  # the documents have their own tests
        )
        self.service = BillingService(
            register=self.register,
            usage=self.usage,
            invoices=self.invoices,
            catalog=CATALOG,
            documents=publisher if documents else None,
            chunk=2,
        )
        self.late_usage = LateUsageReport(
            register=self.register, usage=self.usage, invoices=self.invoices, catalog=CATALOG
        )
        self.fan_out = FanOut(
            tenants=self.register,
            billing=lambda: self.service,
            runs=self.runs,
            queue=self.queue,
            announcer=self.events,
            batch_size=3,
        )
        for n, tenant in enumerate(tenants):
            self.usage.add(tenant, "period.closed", "2022-05-10T10:00:00Z", f"e{n}", client_id="c1")

    def plan(self, run_id: str = "run-1", **fields: Any) -> BillingPlan:
        defaults: dict[str, Any] = {
            "period": MAY,
            "issue_date": date(2022, 6, 1),
            "dry_run": False,
            "tenant_ids": None,
            "run_id": run_id,
            "now": NOW,
        }
        return BillingPlan(**(defaults | fields))

    def deliver(self, *, last_attempt: bool = False) -> list[str | None]:
        """Work every queued batch once; the retry reason of each."""
        messages, self.queue.messages = self.queue.messages, []
        return [self.fan_out.work(m, last_attempt=last_attempt).retry for m in messages]


def test_each_tenant_gets_one_invoice_with_gapless_numbers_and_its_documents() -> None:
    world = World(["a", "b", "c", "d", "e"])
    summary = world.service.run(world.plan()).summary()
    assert (summary["invoices_issued"], summary["total_billed"], summary["invoice_numbers"]) == (
        5,
        "312.50",  # 5 × 50.00 + 25 % VAT
        ["1-5"],
    )
    assert world.invoices.numbers() == [1, 2, 3, 4, 5]
    assert len(world.store.objects) == 15
    assert sorted(e["invoice_number"] for e in world.events.issued) == [1, 2, 3, 4, 5]
    assert all(not i.documents_pending for i in world.invoices.stored.values())


def test_a_rerun_issues_nothing_and_a_dry_run_writes_nothing() -> None:
    world = World(["a", "b", "c"])
    world.service.run(world.plan("first"))
    again = world.service.run(world.plan("second")).summary()
    assert (again["invoices_issued"], again["invoices_already_issued"]) == (0, 3)
    preview = World(["a"])
    dry = preview.service.run(preview.plan(dry_run=True)).summary()
    assert (dry["invoices_previewed"], dry["total_billed"], preview.invoices.stored) == (1, "62.50", {})


def test_a_refused_tenant_is_final_and_a_failing_table_is_transient() -> None:
    world = World(["a", "b", "c"])
    world.register.accounts["b"] = account("b", package="NO_SUCH_PACKAGE")
    world.invoices.fail_for = {"c"}
    result = world.service.run(world.plan())
    failed = {f["tenant_id"]: f["transient"] for f in result.failed()}
    # b's package is not in the catalog: refused for good. The table refused c's invoice: another
    # attempt may pass. c's chunk was issued again one by one, so its neighbour is not held up.
    assert failed == {"b": False, "c": True}
    assert world.invoices.numbers() == [1]
    assert {i.invoice.draft.tenant_id for i in world.invoices.stored.values()} == {"a"}


def test_a_fanned_out_run_bills_like_an_inline_one_and_completes_once() -> None:
    inline, fanned = World([f"t{n}" for n in range(7)]), World([f"t{n}" for n in range(7)])
    expected = inline.service.run(inline.plan()).summary()
    handed = fanned.fan_out.plan(fanned.plan())
    assert (handed["tenants_handed_on"], handed["batches"]) == (7, 3)
    assert fanned.deliver() == [None, None, None]
    (summary,) = fanned.events.completed
    for field in ("tenants_seen", "invoices_issued", "total_billed", "invoice_numbers", "failed_tenants"):
        assert summary[field] == expected[field], field
    assert fanned.invoices.stored.keys() == inline.invoices.stored.keys()
    for key, issued in inline.invoices.stored.items():
        assert fanned.invoices.stored[key].invoice == issued.invoice


def test_a_batch_delivered_twice_counts_once() -> None:
    world = World(["a", "b", "c", "d"])
    world.fan_out.plan(world.plan())
    messages = list(world.queue.messages)
    world.deliver()
    world.queue.messages = messages[:1]  # SQS delivers the first batch again
    world.deliver()
    record = world.runs.records["run-1"]
    assert (record.tally.tenants_seen, record.tally.invoices_issued, len(world.events.completed)) == (4, 4, 1)


def test_a_poison_tenant_makes_its_batch_come_again_then_is_counted_as_failed() -> None:
    world = World(["a", "b", "c", "d"])
    world.invoices.fail_for = {"b"}
    world.fan_out.plan(world.plan())
    first = world.deliver()
    assert first[0] is not None  # batch 1 (a, b, c) must come again
    assert first[1] is None
    assert world.events.completed == []  # the run waits for it
    assert world.runs.records["run-1"].batches_done == 1
    world.fan_out.plan(world.plan())  # a repeated plan of a sent run sends nothing again
    assert world.queue.messages == []


def test_the_last_attempt_counts_the_poison_and_completes_the_run() -> None:
    world = World(["a", "b", "c", "d"])
    world.invoices.fail_for = {"b"}
    world.fan_out.plan(world.plan())
    batch_one = world.queue.messages[0]
    world.deliver()
    outcome = world.fan_out.work(batch_one, last_attempt=True)
    assert outcome.retry is not None  # on to the dead-letter queue
    assert "b" in outcome.retry
    (summary,) = world.events.completed
    assert [f["tenant_id"] for f in summary["failed_tenants"]] == ["b"]
    # b shared its chunk with a: the chunk was issued again one by one, so a, c and d are billed
    assert (summary["tenants_seen"], summary["invoices_issued"]) == (4, 3)


@pytest.mark.parametrize("tenants", [1, 24, 25, 26, 51])
def test_batches_cover_every_tenant_once(tenants: int) -> None:
    world = World([f"t{n:03d}" for n in range(tenants)], documents=False)
    world.fan_out.plan(world.plan())
    listed = [t for m in world.queue.messages for t in m["tenant_ids"]]
    assert sorted(listed) == sorted(world.register.accounts)
    assert [m["batch"] for m in world.queue.messages] == list(range(1, len(world.queue.messages) + 1))
    world.deliver()
    (summary,) = world.events.completed
    assert (summary["tenants_seen"], Decimal(summary["total_billed"])) == (
        tenants,
        Decimal("62.50") * tenants,
    )


JUNE = Period.parse_month("2022-06")


def late_world(tenants: list[str]) -> World:
    """May billed for every tenant (c1 each), then a May close of c2 arrives late for each."""
    world = World(tenants)
    world.service.run(world.plan("may"))
    for n, tenant in enumerate(tenants):
        world.usage.add(tenant, "period.closed", "2022-05-30T10:00:00Z", f"late{n}", client_id="c2")
        world.usage.add(tenant, "period.closed", "2022-06-10T10:00:00Z", f"june{n}", client_id="c1")
    return world


def june(world: World, run_id: str) -> BillingPlan:
    return world.plan(
        run_id, period=JUNE, issue_date=date(2022, 7, 1), now=datetime(2022, 7, 1, 1, tzinfo=UTC)
    )


def test_the_review_costs_one_query_per_tenant_and_no_wider_usage_requests() -> None:
    world = late_world(["a", "b", "c", "d"])
    world.register.requests.calls.clear()
    world.invoices.requests.calls.clear()
    world.usage.requests.calls.clear()
    summary = world.service.run(june(world, "june")).summary()
    assert (summary["invoices_issued"], summary["correction_lines"]) == (4, 4)
    # per tenant: the register profile, one read of the June and May invoices, and one usage
    # query per meter read (period_active_clients, vpi_users), each covering May and June
    assert world.register.requests.calls["Query register"] == 4
    assert world.invoices.requests.calls["Query invoices"] == 4
    assert world.usage.requests.calls["Query usage"] == 4 * 2


def test_a_rerun_after_a_crash_mid_run_bills_each_correction_once() -> None:
    world = late_world(["a", "b", "c", "d", "e"])
    world.invoices.fail_for = {"d"}  # the table refuses d's chunk: b..c issued, d failed, e issued
    first = world.service.run(june(world, "june-1")).summary()
    world.invoices.fail_for = set()
    second = world.service.run(june(world, "june-2")).summary()
    third = world.service.run(june(world, "june-3")).summary()
    assert (first["correction_lines"], second["correction_lines"], third["correction_lines"]) == (4, 1, 0)
    june_invoices = [i.invoice for i in world.invoices.stored.values() if i.invoice.draft.period == JUNE]
    assert sorted(i.draft.tenant_id for i in june_invoices) == ["a", "b", "c", "d", "e"]
    for invoice in june_invoices:
        assert [line.code for line in invoice.draft.corrections] == ["PERIOD@2022-05"]
    assert world.invoices.numbers() == list(range(1, 11))


def test_corrections_and_credit_notes_are_counted_in_the_metrics() -> None:
    world = late_world(["a", "b"])
    metrics = Metrics(namespace="PeriodeOgAr", service="periodyear")
    metrics.clear_metrics()  # Powertools' Metrics instances share one set: start and end empty
    try:
        publish_metrics(metrics, world.service.run(june(world, "june")))
        counted = {name: metric.get("Value") for name, metric in metrics.metric_set.items()}
    finally:
        metrics.clear_metrics()
    assert (counted["CorrectionLines"], counted["CreditNotes"]) == ([2.0], [0.0])


def test_a_retried_batch_still_counts_the_invalid_usage_its_run_read() -> None:
    world = World(["a", "b"])
    world.usage.add("a", "period.closed", "2022-05-11T10:00:00Z", "bad", client_id="")  # invalid
    world.invoices.fail_for = {"b"}  # the first attempt issues a, and b fails (transient)
    first = world.service.run(world.plan("run-1")).summary()
    world.invoices.fail_for = set()
    again = world.service.run(world.plan("run-1")).summary()  # the batch delivered again, same run
    assert first["invalid_usage_records"] == 1
    # the attempt that is counted is the last one: a is this run's invoice, and its usage was read
    assert (again["invoices_issued"], again["invalid_usage_records"]) == (2, 1)
    other = world.service.run(world.plan("run-2")).summary()  # another run reads no usage of a or b
    assert (other["invoices_already_issued"], other["invalid_usage_records"]) == (2, 0)


def test_the_late_usage_report_lists_usage_not_flat_fees_nor_open_periods() -> None:
    world = World([])
    flat = account("flat", package="PERIODEAVSLUTNING")  # BASE 149.00 a month, and per client
    world.register.accounts["flat"] = flat
    world.register.accounts["used"] = account("used", package="PERIODEAVSLUTNING")
    world.usage.add("used", "period.closed", "2022-05-10T10:00:00Z", "e1", client_id="c1")
    today = date(2022, 7, 15)
    # neither was invoiced for May; a firm that used nothing owes no usage (its fee is not usage)
    assert world.late_usage.outstanding("flat", MAY, today) is None
    used = world.late_usage.outstanding("used", MAY, today)
    assert used is not None
    assert ([line.code for line in used.lines], used.action) == (
        ["PERIOD"],
        "run 2022-05 for it (never invoiced)",
    )
    # before May has ended its scheduled run is still to come: nothing to report yet
    assert world.late_usage.outstanding("used", MAY, date(2022, 5, 20)) is None
