"""A fanned-out run under the faults of a second adversarial read: a planner that dies while
handing out batches, and transactions cancelled by conflicts on the items every worker shares.
Each run ends as it would without the fault: every tenant billed once, the summary counting
every tenant, ``BillingRunCompleted`` once, nothing in the dead-letter queue."""

from __future__ import annotations

import importlib
import json
import os
from datetime import date
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto.core.models import botocore_stubber

from periodyear.adapters.messaging import BillingQueue
from periodyear.adapters.runs import RunRepository
from periodyear_local.delivery import LambdaContext
from periodyear_local.sandbox import drain_queue, route_to_queue
from tests.integration.harness import Billing, plain
from tests.integration.test_exactly_once import (
    AFTER_MAY,
    MAY,
    Crash,
    _die_after,
    assert_each_tenant_invoiced_once_with_gapless_numbers,
    given_tenants_with_usage,
)
from tests.integration.test_faults import _Raw, _restore


@pytest.fixture
def completed(billing: Billing) -> str:
    return route_to_queue(os.environ["EVENT_BUS_NAME"], ["BillingRunCompleted"], "completed-runs")


def dead_letters(billing: Billing) -> list[Any]:
    sqs = billing.clients.sqs()
    urls = [u for u in sqs.list_queues()["QueueUrls"] if "dead" in u.lower() or "dlq" in u.lower()]
    return [
        m
        for url in urls
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ]


PLANNER_CRASHES = {
    "after the plan is stored": (RunRepository, "start"),
    "after the batches are sent": (BillingQueue, "send"),
}


@pytest.mark.parametrize("crash", PLANNER_CRASHES)
def test_a_planner_that_dies_handing_out_batches_is_retried_into_the_same_run(
    billing: Billing, completed: str, monkeypatch: pytest.MonkeyPatch, crash: str
) -> None:
    given_tenants_with_usage(billing)
    monkeypatch.setenv("BILLING_BATCH_SIZE", "4")  # 3 batches of 4 tenants
    owner, name = PLANNER_CRASHES[crash]
    _die_after(monkeypatch, owner, name)
    monthly = importlib.import_module("functions.monthly_invoice.app")
    context = LambdaContext(function_name="monthly_invoice")  # a retried event keeps its request id
    event = {"period": MAY, "time": AFTER_MAY}
    with pytest.raises(Crash):
        monthly.handler(event, context, services=billing.services())
    # Meanwhile a tenant is added that sorts first: a fresh listing would shift every batch
    given_tenants_with_usage(billing, ["t00"])
    handed = monthly.handler(event, context, services=billing.services())
    assert (handed["tenants_handed_on"], handed["batches"]) == (12, 3)
    billing.drain()
    summary = plain(billing.run_record(handed["run_id"])["summary"])
    assert (summary["tenants_seen"], summary["invoices_issued"], summary["failed_tenants"]) == (12, 12, [])
    assert summary["invoice_numbers"] == ["1-12"]
    assert_each_tenant_invoiced_once_with_gapless_numbers(billing)  # t00 waits for the next run
    (announced,) = drain_queue(completed)
    assert announced["detail"]["tenants_seen"] == 12


class RefuseEveryThird:
    """Cancels every third ``TransactWriteItems`` (the 2nd, 5th, …: issuing and counting
    transactions alternate, so both meet it) as DynamoDB does when another transaction holds
    one of its items: ``TransactionCanceledException`` with a ``TransactionConflict`` reason."""

    def __init__(self) -> None:
        self.calls = 0
        self.refused = 0

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        if not str(kwargs.get("event_name", "")).endswith(".TransactWriteItems"):
            return None
        self.calls += 1
        if self.calls % 3 != 2:
            return None
        self.refused += 1
        actions = len(json.loads(request.body)["TransactItems"])
        reasons = [{"Code": "None"}] * (actions - 1) + [
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
        ]
        body = {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
            "CancellationReasons": reasons,
        }
        botocore_stubber.enabled = False  # the request never reaches moto (see _restore)
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, 400, headers, _Raw(json.dumps(body).encode()))


def test_every_third_transaction_refused_by_a_conflict_loses_nothing(
    billing: Billing, completed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenants = [f"t{n:02d}" for n in range(1, 25)]
    given_tenants_with_usage(billing, tenants)
    monkeypatch.setenv("BILLING_BATCH_SIZE", "2")  # 12 batches, each counted on the one run record
    monkeypatch.setattr(
        botocore.endpoint, "time", type("NoSleep", (), {"sleep": staticmethod(lambda _: None)})
    )
    refuse = RefuseEveryThird()
    billing.clients.dynamodb().meta.events.register_first("before-send", refuse)  # type: ignore[arg-type]
    billing.clients.dynamodb().meta.events.register_last("before-send", _restore)
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert refuse.refused >= 8  # of the issuing and counting transactions
    assert billing.last_delivery.failed_deliveries == 0  # no batch had to come again
    assert (summary["tenants_seen"], summary["invoices_issued"], summary["failed_tenants"]) == (24, 24, [])
    assert summary["batches"] == 12
    assert_each_tenant_invoiced_once_with_gapless_numbers(billing, tenants)
    assert len(drain_queue(completed)) == 1
    assert dead_letters(billing) == []
    assert date(2022, 6, 1).isoformat() == summary["issue_date"]
