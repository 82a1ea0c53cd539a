"""One invoice per tenant, kind and period, ever; numbers 1..N without gaps."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.register import RegisterRepository
from periodyear.adapters.runs import RunRepository
from periodyear.billing.service import BillingService
from periodyear.documents.publisher import DocumentPublisher
from periodyear_local.sandbox import drain_queue, route_to_queue
from tests.integration.harness import Billing, plain

TENANTS = [f"t{n:02d}" for n in range(1, 13)]
MAY = "2022-05"
AFTER_MAY = "2022-06-01T02:00:00Z"


def given_tenants_with_usage(billing: Billing, tenants: list[str] = TENANTS) -> None:
    for tenant in tenants:
        billing.tenant(tenant, price_switch_date=date(2022, 1, 1))
        billing.usage(tenant, "period.closed", "2022-05-10T10:00:00Z", client_id="c1")


def assert_each_tenant_invoiced_once_with_gapless_numbers(
    billing: Billing, tenants: list[str] = TENANTS
) -> None:
    invoices = billing.invoices()
    assert sorted(i["tenant_id"] for i in invoices) == sorted(tenants)
    assert [i["invoice_number"] for i in invoices] == list(range(1, len(tenants) + 1))
    counter = billing.client.get_item(
        TableName=billing.tables["InvoicesTable"],
        Key={"pk": {"S": "SEQUENCE#INVOICE_NUMBER"}, "sk": {"S": "COUNTER"}},
    )["Item"]
    assert int(counter["value"]["N"]) == len(tenants)


class Crash(BaseException):
    """Stands for the process dying (timeout, out of memory): nothing catches it."""


def test_rerunning_a_month_issues_nothing_new(billing: Billing) -> None:
    given_tenants_with_usage(billing)
    first = billing.run_month(MAY, now=AFTER_MAY)
    again = billing.run_month(MAY, now=AFTER_MAY)
    assert (first["invoices_issued"], again["invoices_issued"], again["invoices_already_issued"]) == (
        12,
        0,
        12,
    )
    assert_each_tenant_invoiced_once_with_gapless_numbers(billing)


def completions(billing: Billing) -> list[dict[str, Any]]:
    return [e["detail"] for e in drain_queue(billing.completed_queue)]


@pytest.fixture
def watched(billing: Billing) -> Billing:
    """The billing harness with a queue that receives every BillingRunCompleted of the bus."""
    bus = os.environ["EVENT_BUS_NAME"]
    billing.completed_queue = route_to_queue(bus, ["BillingRunCompleted"], "completed-runs")
    return billing


def _die_after(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *, calls_before: int = 0) -> list[int]:
    """Make ``owner.name`` kill the worker once, after ``calls_before`` calls went through; the
    call it kills does its work first when ``name`` is a write (so the crash follows the write)."""
    real = getattr(owner, name)
    seen: list[int] = []

    def once(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(1)
        result = real(self, *args, **kwargs)
        if len(seen) == calls_before + 1:
            raise Crash
        return result

    monkeypatch.setattr(owner, name, once)
    return seen


CRASH_POINTS = {
    # between the issuing transaction and the documents
    "after issuing": (InvoiceRepository, "issue", 0),
    # between two chunks' tenants: the second chunk's tenants priced, none issued
    "between tenants": (RegisterRepository, "account", 6),
    # documents stored and announced, the batch not yet counted
    "after documents": (DocumentPublisher, "complete", 0),
    # the batch counted, the run's completion not yet claimed
    "after counting": (RunRepository, "record_batch", 1),
    # the run completed, BillingRunCompleted not yet recorded as sent
    "after completing": (RunRepository, "complete", 0),
}


@pytest.mark.parametrize("crash", CRASH_POINTS)
def test_a_worker_that_dies_midway_converges_on_redelivery(
    watched: Billing, monkeypatch: pytest.MonkeyPatch, crash: str
) -> None:
    given_tenants_with_usage(watched)
    monkeypatch.setenv("BILLING_BATCH_SIZE", "4")  # 3 batches of 4 tenants
    monkeypatch.setattr(BillingService, "__init__", _chunked(BillingService.__init__, 2))
    owner, name, before = CRASH_POINTS[crash]
    _die_after(monkeypatch, owner, name, calls_before=before)
    summary = watched.run_month(MAY, now=AFTER_MAY)
    assert watched.last_delivery.crashes == 1
    assert (summary["invoices_issued"], summary["invoices_already_issued"], summary["failed_tenants"]) == (
        12,
        0,
        [],
    )
    assert summary["invoice_numbers"] == ["1-12"]
    assert_each_tenant_invoiced_once_with_gapless_numbers(watched)
    assert all("documents_pending" not in i and i["event_sent_at"] for i in watched.invoices())
    (completed,) = completions(watched)  # "after completing" may repeat it: see below
    assert completed["invoices_issued"] == 12


def _chunked(init: Any, chunk: int) -> Any:
    def with_chunk(self: BillingService, **kwargs: Any) -> None:
        init(self, **{**kwargs, "chunk": chunk})

    return with_chunk


def test_a_committed_invoice_whose_response_was_lost_is_not_issued_again(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    given_tenants_with_usage(billing, ["t01", "t02"])
    client = billing.clients.dynamodb()
    real_transact = client.transact_write_items
    lost: list[bool] = []

    def commit_then_lose_response(**kwargs: Any) -> Any:
        response = real_transact(**kwargs)
        if not lost:
            lost.append(True)
            raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-north-1.amazonaws.com")
        return response

    monkeypatch.setattr(client, "transact_write_items", commit_then_lose_response)
    summary = billing.run_month(MAY, now=AFTER_MAY)
    # The chunk's transaction committed but its answer was lost; issued again one by one, the
    # same delivery found both invoices issued by this run and counted them as this run's.
    assert lost == [True]
    assert billing.last_delivery.failed_deliveries == 0
    assert (summary["invoices_issued"], summary["invoices_already_issued"], summary["failed_tenants"]) == (
        2,
        0,
        [],
    )
    assert_each_tenant_invoiced_once_with_gapless_numbers(billing, ["t01", "t02"])


def test_billing_reads_by_key_ranges_and_never_scans(billing: Billing) -> None:
    given_tenants_with_usage(billing, ["t01", "t02", "t03"])
    calls: list[tuple[str, str, str | None]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, params.get("TableName", ""), params.get("IndexName")))

    billing.clients.dynamodb().meta.events.register("before-parameter-build.dynamodb", record)
    billing.run_month(MAY, now=AFTER_MAY)
    usage = billing.tables["UsageTable"]
    register = billing.tables["RegisterTable"]
    invoices = billing.tables["InvoicesTable"]
    assert not [c for c in calls if c[0] == "Scan"]
    # per tenant: one register query, one usage query per monthly meter (period.closed, vpi.active)
    assert calls.count(("Query", usage, None)) == 3 * 2
    assert calls.count(("Query", register, None)) == 3
    assert calls.count(("Query", register, "gsi1")) == 1
    # one transaction issues the batch's three invoices, one counts the batch on the run
    assert calls.count(("TransactWriteItems", "", None)) == 2
    # one record update per invoice (documents stored and announced), one per run step
    assert calls.count(("UpdateItem", invoices, None)) == 3 + 3


# ------------------------------------------------------------------ several runs at once


@pytest.mark.server
def test_concurrent_runs_of_the_same_month_issue_each_invoice_once(server_billing: Billing) -> None:
    given_tenants_with_usage(server_billing)
    summaries = server_billing.run_all(
        [
            ("monthly_invoice", {"time": AFTER_MAY}),  # the schedule
            ("monthly_invoice", {"time": AFTER_MAY}),  # ... delivered twice: the same run
            ("monthly_invoice", {"period": MAY, "time": AFTER_MAY, "tenant_ids": TENANTS}),  # an operator
            ("monthly_invoice", {"period": MAY, "time": AFTER_MAY, "tenant_ids": TENANTS[::-1]}),
        ]
    )
    assert summaries[0]["run_id"] == summaries[1]["run_id"]
    assert summaries[0]["tenants_seen"] == 12  # each tenant counted once although batches went twice
    distinct = [summaries[0], summaries[2], summaries[3]]
    assert sum(s["invoices_issued"] for s in distinct) == 12
    assert all(s["failed_tenants"] == [] for s in summaries)
    assert all(s["invoices_issued"] + s["invoices_already_issued"] == 12 for s in distinct)
    assert_each_tenant_invoiced_once_with_gapless_numbers(server_billing)


@pytest.mark.server
def test_eight_workers_at_once_keep_numbers_gapless_and_complete_the_run_once(
    server_billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenants = [f"w{n:03d}" for n in range(40)]
    given_tenants_with_usage(server_billing, tenants)
    bus = os.environ["EVENT_BUS_NAME"]
    completed_queue = route_to_queue(bus, ["BillingRunCompleted"], "completed-runs")
    monkeypatch.setenv("BILLING_BATCH_SIZE", "2")  # 20 batches for 8 workers
    monkeypatch.setattr(BillingService, "__init__", _chunked(BillingService.__init__, 1))
    started = server_billing.start({"time": AFTER_MAY})
    assert (started["tenants_handed_on"], started["batches"]) == (40, 20)
    reports = server_billing.drain_concurrently(8, batch_size=1)
    assert sum(r.messages_delivered for r in reports) >= 20
    summary = plain(server_billing.run_record(started["run_id"])["summary"])
    assert (summary["invoices_issued"], summary["tenants_seen"], summary["failed_tenants"]) == (40, 40, [])
    assert_each_tenant_invoiced_once_with_gapless_numbers(server_billing, tenants)
    (completed,) = [e["detail"] for e in drain_queue(completed_queue)]
    assert completed["run_id"] == started["run_id"]


@pytest.mark.server
def test_racing_issuers_of_different_tenants_share_one_gapless_sequence(server_billing: Billing) -> None:
    given_tenants_with_usage(server_billing)
    start = threading.Barrier(len(TENANTS))

    def run(tenant: str) -> dict[str, Any]:
        start.wait()
        return server_billing.run({"period": MAY, "time": AFTER_MAY, "tenant_ids": [tenant]})

    with ThreadPoolExecutor(max_workers=len(TENANTS)) as pool:
        summaries = list(pool.map(run, TENANTS))
    assert [s["invoices_issued"] for s in summaries] == [1] * 12
    assert_each_tenant_invoiced_once_with_gapless_numbers(server_billing)
