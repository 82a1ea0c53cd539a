"""Faults at every AWS call site of a billing run: throttling, 5xx, timeouts, a committed write
whose answer is lost, and failures that outlast every retry. Each ends in a retry that
converges or a clear failure; never a second invoice, a gap in the numbers, or a lost one.

Faults are injected at botocore's ``before-send`` (before the request leaves, as the network
would fail it), so botocore's own retry mode (``adapters/clients.py``: standard, 5 attempts)
handles them as it would in AWS. Its back-off pauses are recorded instead of slept.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ReadTimeoutError
from moto.core.models import botocore_stubber

from periodyear.adapters.clients import Clients
from periodyear.adapters.items import batch_write
from periodyear.adapters.register import RegisterRepository
from periodyear.domain.errors import NoticeNotSent
from periodyear_local.delivery import LambdaContext
from periodyear_local.sandbox import REGION, drain_queue, local_aws, route_to_queue
from tests.integration.harness import Billing, plain
from tests.integration.test_migration import DEFAULT_MOVE, Migration

TENANTS = [f"f{n}" for n in range(6)]
MAY = "2022-05"
AFTER_MAY = "2022-06-01T02:00:00Z"
ATTEMPTS = 6  # botocore standard mode as configured: the first call and max_attempts (5) retries


@dataclass
class Faults:
    """Fails the next ``count`` calls of one operation with ``kind``; counts what it did."""

    service: str = ""
    operation: str = ""
    kind: str = ""
    count: int = 0
    injected: int = 0
    pauses: list[float] = field(default_factory=list)

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.injected >= self.count:
            return None
        self.injected += 1
        if self.kind == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if self.kind == "lost answer":  # the write lands, its answer does not
            botocore_stubber(event_name="before-send", request=request)
            raise ReadTimeoutError(endpoint_url=request.url)
        botocore_stubber.enabled = False  # the request never reaches the service (see _restore)
        if self.kind == "throttle":
            status, body = 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
            if self.service == "dynamodb":
                body["__type"] = "com.amazonaws.dynamodb.v20120810#ThrottlingException"
            if self.service == "s3":
                xml = b"<Error><Code>SlowDown</Code></Error>"
                return AWSResponse(request.url, 503, HTTPHeaders(), _Raw(xml))
        else:  # "server"
            status, body = (
                500,
                {"__type": "InternalServerError", "message": "We encountered an internal error"},
            )
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, status, headers, _Raw(json.dumps(body).encode()))


class _Raw:
    """The raw body botocore reads a response from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


@pytest.fixture
def faults(billing: Billing, monkeypatch: pytest.MonkeyPatch) -> Faults:
    injector = Faults()
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=injector.pauses.append))
    made = billing.clients  # the clients the functions under test are built over
    for factory in (made.dynamodb, made.s3, made.events, made.sqs):
        factory().meta.events.register_first("before-send", _dispatch(injector, factory().meta.service_model))
        factory().meta.events.register_last("before-send", _restore)
    return injector


def _restore(**_: Any) -> None:
    """botocore calls every before-send handler: moto's, after ours, skipped the failed request;
    this one, last, lets the next request through to moto again."""
    botocore_stubber.enabled = True


def _dispatch(injector: Faults, model: Any) -> Any:
    def handler(request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = request.context.get("operation_name") or kwargs.get("event_name", "").split(".")[-1]
        if model.service_name == injector.service and operation == injector.operation:
            return injector(request, **kwargs)
        return None

    return handler


def given_firms(billing: Billing) -> str:
    for n, tenant in enumerate(TENANTS):
        billing.tenant(tenant, price_switch_date=date(2022, 1, 1), clients=("c1", "c2"))
        billing.usage(tenant, "period.closed", f"2022-05-1{n}T10:00:00Z", client_id="c1")
        billing.usage(tenant, "period.closed", f"2022-05-1{n}T11:00:00Z", client_id="c2")
    return route_to_queue(os.environ["EVENT_BUS_NAME"], ["InvoiceIssued", "BillingRunCompleted"], "watch")


def assert_billed_once_and_whole(billing: Billing, watched: str, runs: int = 1) -> None:
    invoices = billing.invoices()
    assert sorted(i["tenant_id"] for i in invoices) == TENANTS
    assert [i["invoice_number"] for i in invoices] == list(range(1, len(TENANTS) + 1))
    assert all(
        "documents_pending" not in i and set(i["documents"]) == {"xml", "pdf", "csv"} for i in invoices
    )
    events = drain_queue(watched)
    announced = sorted(e["detail"]["invoice_number"] for e in events if e["detail-type"] == "InvoiceIssued")
    assert announced == list(range(1, len(TENANTS) + 1))  # each once (no crash between send and record here)
    assert len([e for e in events if e["detail-type"] == "BillingRunCompleted"]) == runs  # one a run


CALL_SITES = [
    ("dynamodb", "Query"),  # the tenants (gsi1), each register partition, each usage range
    ("dynamodb", "GetItem"),  # the counter, the run record
    ("dynamodb", "PutItem"),  # the run record
    ("dynamodb", "TransactWriteItems"),  # issuing a chunk, counting a batch
    ("dynamodb", "UpdateItem"),  # an invoice's documents, the run's steps
    ("s3", "PutObject"),  # the documents
    ("events", "PutEvents"),  # InvoiceIssued, BillingRunCompleted
    ("sqs", "SendMessageBatch"),  # the batches
]


@pytest.mark.parametrize("kind", ["throttle", "server", "timeout"])
@pytest.mark.parametrize(("service", "operation"), CALL_SITES)
def test_a_passing_fault_at_any_call_site_is_retried_and_the_run_converges(
    billing: Billing, faults: Faults, service: str, operation: str, kind: str
) -> None:
    watched = given_firms(billing)
    faults.service, faults.operation, faults.kind, faults.count = service, operation, kind, ATTEMPTS - 1
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert faults.injected == ATTEMPTS - 1  # every fault was met, and retried past
    assert len(faults.pauses) >= ATTEMPTS - 1  # with back-off
    assert (summary["invoices_issued"], summary["failed_tenants"], summary["documents_pending"]) == (
        6,
        [],
        [],
    )
    assert_billed_once_and_whole(billing, watched)


@pytest.mark.parametrize("operation", ["TransactWriteItems", "UpdateItem", "PutItem"])
def test_a_write_that_landed_but_whose_answer_was_lost_is_not_done_twice(
    billing: Billing, faults: Faults, operation: str
) -> None:
    watched = given_firms(billing)
    faults.service, faults.operation, faults.kind, faults.count = "dynamodb", operation, "lost answer", 1
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert faults.injected == 1
    assert (summary["invoices_issued"], summary["tenants_seen"], summary["failed_tenants"]) == (6, 6, [])
    assert_billed_once_and_whole(billing, watched)


def test_documents_that_fail_past_every_retry_stay_pending_and_a_rerun_completes_them(
    billing: Billing, faults: Faults
) -> None:
    watched = given_firms(billing)
    # A tenant's documents stop at its first put that fails past its retries: two tenants' worth.
    faults.service, faults.operation, faults.kind, faults.count = "s3", "PutObject", "server", 2 * ATTEMPTS
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert summary["invoices_issued"] == 6  # the invoices stand, numbered
    assert sorted(p["tenant_id"] for p in summary["documents_pending"]) == TENANTS[:2]
    assert all(
        "InternalServerError" in p["error"] or "500" in p["error"] for p in summary["documents_pending"]
    )
    faults.count = 0
    again = billing.run_month(MAY, now=AFTER_MAY)
    assert (again["invoices_issued"], again["invoices_already_issued"], again["documents_pending"]) == (
        0,
        6,
        [],
    )
    assert_billed_once_and_whole(billing, watched, runs=2)


def test_an_issuing_transaction_that_fails_past_every_retry_is_tried_again_and_converges(
    billing: Billing, faults: Faults
) -> None:
    watched = given_firms(billing)
    # One whole call (6 attempts) fails: the chunk is then issued one invoice at a time.
    faults.service, faults.operation, faults.kind, faults.count = (
        "dynamodb",
        "TransactWriteItems",
        "throttle",
        ATTEMPTS,
    )
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert (summary["invoices_issued"], summary["failed_tenants"]) == (6, [])
    assert_billed_once_and_whole(billing, watched)


def test_a_planner_that_cannot_queue_fails_and_its_retry_continues_the_same_run(
    billing: Billing, faults: Faults
) -> None:
    watched = given_firms(billing)
    faults.service, faults.operation, faults.kind, faults.count = (
        "sqs",
        "SendMessageBatch",
        "server",
        ATTEMPTS,
    )
    monthly = importlib.import_module("functions.monthly_invoice.app")
    context = LambdaContext(
        function_name="monthly_invoice"
    )  # Lambda retries an async event with its request id
    event = {"period": MAY, "time": AFTER_MAY}
    with pytest.raises(Exception, match=r"InternalServerError|500"):
        monthly.handler(event, context, services=billing.services())
    handed = monthly.handler(event, context, services=billing.services())
    assert handed["tenants_handed_on"] == 6
    billing.drain()
    summary = plain(billing.run_record(handed["run_id"])["summary"])
    assert (summary["invoices_issued"], summary["tenants_seen"]) == (6, 6)
    assert_billed_once_and_whole(billing, watched)


def test_unprocessed_items_are_sent_again_and_a_table_that_never_takes_them_is_a_clear_failure(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    table = aws["tables"]["RegisterTable"]
    real = client.batch_write_item
    left: list[int] = [2]

    def leave_some(**kwargs: Any) -> Any:
        requests = kwargs["RequestItems"][table]
        if left[0] > 0:  # DynamoDB takes the first half, hands back the rest
            left[0] -= 1
            half = len(requests) // 2
            if half:
                real(RequestItems={table: requests[:half]})
            return {"UnprocessedItems": {table: requests[half:]}}
        return real(**kwargs)

    monkeypatch.setattr(client, "batch_write_item", leave_some)
    items = [{"pk": "TENANT#t", "sk": f"CLIENT#{n:02d}", "client_id": f"{n:02d}"} for n in range(20)]
    assert batch_write(client, table, items, sleep=lambda _: None) == 20
    stored = client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "TENANT#t"}},
    )
    assert stored["Count"] == 20  # every item, once
    left[0] = 10**6  # the table never takes the rest
    with pytest.raises(RuntimeError, match="stayed unprocessed"):
        batch_write(client, table, items, sleep=lambda _: None)


# ------------------------------------------------------------------ the migration's call sites


@pytest.fixture
def moving(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Migration, Faults]]:
    with local_aws("MigrateTenantFunction") as aws:
        injector = Faults()
        monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=injector.pauses.append))
        function = Clients.fresh()  # the clients the migration's services are built over
        for factory in (function.dynamodb, function.sesv2, function.scheduler, function.events):
            factory().meta.events.register_first(
                "before-send", _dispatch(injector, factory().meta.service_model)
            )
            factory().meta.events.register_last("before-send", _restore)
        yield Migration(aws["tables"], function), injector


MIGRATION_CALL_SITES = [
    ("dynamodb", "Query"),  # the legacy partition, the register's verification
    ("dynamodb", "GetItem"),  # the migration state, the register PROFILE
    ("dynamodb", "UpdateItem"),  # state transitions, the legacy marker, the PROFILE and its listing
    ("dynamodb", "BatchWriteItem"),  # the register's items
    ("sesv2", "SendEmail"),  # the notice
    ("scheduler", "CreateSchedule"),  # the move, and the resume of a crashed move
]


@pytest.mark.parametrize("kind", ["throttle", "server", "timeout"])
@pytest.mark.parametrize(("service", "operation"), MIGRATION_CALL_SITES)
def test_a_passing_fault_at_any_migration_call_site_is_retried_and_the_tenant_moves_once(
    moving: tuple[Migration, Faults], service: str, operation: str, kind: str
) -> None:
    migration, faults = moving
    migration.legacy("t1", name="Fjord Regnskap AS", email="post@fjord.example")
    faults.service, faults.operation, faults.kind, faults.count = service, operation, kind, ATTEMPTS - 1
    assert migration.request("t1")["outcome"] == "notified"
    assert migration.due("t1", at=DEFAULT_MOVE)["outcome"] == "moved"
    assert faults.injected == ATTEMPTS - 1  # every fault was met, and retried past
    assert len(migration.notices()) == 1  # one notice, however often SES was asked
    assert migration.items("LegacyTable", "t1")["PROFILE"]["migration_status"] == "MIGRATED"
    account = RegisterRepository(migration.clients.dynamodb(), migration.names["RegisterTable"]).account("t1")
    assert (
        len(account.clients)
        == len([k for k in migration.items("LegacyTable", "t1") if k.startswith("CLIENT#")]) + 1
    )


def test_a_notice_ses_refuses_past_every_retry_is_a_clear_failure_and_the_retry_sends_it_once(
    moving: tuple[Migration, Faults],
) -> None:
    migration, faults = moving
    migration.legacy("t1", name="Fjord Regnskap AS", email="post@fjord.example")
    faults.service, faults.operation, faults.kind, faults.count = "sesv2", "SendEmail", "server", ATTEMPTS
    with pytest.raises(NoticeNotSent):  # the invocation fails: Lambda retries the event
        migration.request("t1")
    assert migration.notices() == []
    assert migration.items("RegisterTable", "t1") == {}
    assert migration.request("t1")["outcome"] == "notified"  # the retry
    assert len(migration.notices()) == 1
