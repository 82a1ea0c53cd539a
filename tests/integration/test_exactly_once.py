"""One invoice per tenant, kind and period, ever; numbers 1..N without gaps."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from periodyear.adapters import clients
from periodyear.adapters.invoices import InvoiceRepository
from tests.conftest import Billing

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


@pytest.mark.parametrize("crash_after", [0, 1, 5, 11])
def test_a_run_that_dies_midway_is_completed_by_the_next(
    billing: Billing, monkeypatch: pytest.MonkeyPatch, crash_after: int
) -> None:
    given_tenants_with_usage(billing)
    real_issue = InvoiceRepository.issue
    calls = 0

    def issue_then_die(self: InvoiceRepository, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > crash_after:
            raise Crash
        return real_issue(self, *args, **kwargs)

    monkeypatch.setattr(InvoiceRepository, "issue", issue_then_die)
    with pytest.raises(Crash):
        billing.run_month(MAY, now=AFTER_MAY)
    assert len(billing.invoices()) == crash_after
    monkeypatch.setattr(InvoiceRepository, "issue", real_issue)
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert (summary["invoices_issued"], summary["invoices_already_issued"]) == (12 - crash_after, crash_after)
    assert_each_tenant_invoiced_once_with_gapless_numbers(billing)


def test_a_committed_invoice_whose_response_was_lost_is_not_issued_again(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    given_tenants_with_usage(billing, ["t01", "t02"])
    client = clients.dynamodb()
    real_transact = client.transact_write_items
    lost: list[bool] = []

    def commit_then_lose_response(**kwargs: Any) -> Any:
        response = real_transact(**kwargs)
        if not lost:
            lost.append(True)
            raise EndpointConnectionError(endpoint_url="https://dynamodb.eu-north-1.amazonaws.com")
        return response

    monkeypatch.setattr(client, "transact_write_items", commit_then_lose_response)
    first = billing.run_month(MAY, now=AFTER_MAY)
    assert first["invoices_issued"] == 1
    assert [f["tenant_id"] for f in first["failed_tenants"]] == ["t01"]
    second = billing.run_month(MAY, now=AFTER_MAY)
    assert (second["invoices_issued"], second["invoices_already_issued"], second["failed_tenants"]) == (
        0,
        2,
        [],
    )
    assert_each_tenant_invoiced_once_with_gapless_numbers(billing, ["t01", "t02"])


def test_billing_reads_by_key_ranges_and_never_scans(billing: Billing) -> None:
    given_tenants_with_usage(billing, ["t01", "t02", "t03"])
    calls: list[tuple[str, str, str | None]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, params.get("TableName", ""), params.get("IndexName")))

    clients.dynamodb().meta.events.register("before-parameter-build.dynamodb", record)
    billing.run_month(MAY, now=AFTER_MAY)
    usage = billing.tables["UsageTable"]
    register = billing.tables["RegisterTable"]
    assert not [c for c in calls if c[0] == "Scan"]
    # per tenant: one register query, one usage query per monthly meter (period.closed, vpi.active)
    assert calls.count(("Query", usage, None)) == 3 * 2
    assert calls.count(("Query", register, None)) == 3
    assert calls.count(("Query", register, "gsi1")) == 1
    assert calls.count(("TransactWriteItems", "", None)) == 3


# ------------------------------------------------------------------ several runs at once


@pytest.mark.server
def test_concurrent_runs_of_the_same_month_issue_each_invoice_once(server_billing: Billing) -> None:
    given_tenants_with_usage(server_billing)
    start = threading.Barrier(4)

    def run(event: dict[str, Any]) -> dict[str, Any]:
        start.wait()
        return server_billing.run(event)

    events: list[dict[str, Any]] = [
        {"time": AFTER_MAY},  # the schedule
        {"time": AFTER_MAY},  # ... delivered twice
        {"period": MAY, "time": AFTER_MAY, "tenant_ids": TENANTS},  # an operator, front to back
        {"period": MAY, "time": AFTER_MAY, "tenant_ids": TENANTS[::-1]},  # and back to front
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        summaries = list(pool.map(run, events))
    assert sum(s["invoices_issued"] for s in summaries) == 12
    assert all(s["failed_tenants"] == [] for s in summaries)
    assert all(s["invoices_issued"] + s["invoices_already_issued"] == 12 for s in summaries)
    assert_each_tenant_invoiced_once_with_gapless_numbers(server_billing)


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
