"""Shared fixtures: an in-process AWS built from template.yaml, and a billing harness."""

from __future__ import annotations

import importlib
import os
import socket
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from lxml import etree
from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from periodyear.adapters.items import from_item
from periodyear.billing import wiring
from periodyear_local.delivery import QUEUE_CLOCK, DeliveryReport, LambdaContext, deliver
from periodyear_local.sandbox import (
    FAKE_CREDENTIALS,
    REGION,
    Provisioned,
    local_aws,
    patched_environ,
    provision,
)
from periodyear_local.schematron import Finding, Validator
from periodyear_local.seed import batch_put, register_items, usage_item

DATA = Path(__file__).parent / "data"
# The EHF schemas and rules are data beside the project (../shared/ehf), read where they are.
EHF_DIR = Path(os.environ.get("EHF_DIR", Path(__file__).resolve().parents[2] / "shared" / "ehf"))
WORKED_EXAMPLE_CATALOG = DATA / "worked_example_catalog.json"


def plain(value: Any) -> Any:
    """DynamoDB's numbers as the JSON summary has them (whole numbers as int)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


class Billing:
    """Given/When/Then helpers over the real handler and the template's tables."""

    def __init__(self, aws: dict[str, Any]) -> None:
        self.client = aws["dynamodb"]
        self.tables = aws["tables"]
        self.last_delivery = DeliveryReport()  # how the last fanned-out run's queue was delivered
        self.completed_queue = ""  # a queue that receives BillingRunCompleted, where a test routes one

    # Given
    def tenant(
        self,
        tenant_id: str,
        *,
        package: str = "KOMPLETT",
        price_switch_date: date = date(2022, 3, 1),
        paid_through: date | None = None,
        clients: tuple[str, ...] = (),
        **extra: Any,
    ) -> None:
        batch_put(
            self.client,
            self.tables["RegisterTable"],
            register_items(
                tenant_id,
                package=package,
                price_switch_date=price_switch_date,
                paid_through=paid_through,
                clients=[(c, f"Client {c}", "911111111", False) for c in clients],
                **extra,
            ),
        )

    def usage(self, tenant_id: str, usage_type: str, occurred_at: str, **attributes: Any) -> None:
        batch_put(
            self.client,
            self.tables["UsageTable"],
            [usage_item(tenant_id, usage_type, occurred_at, **attributes)],
        )

    def raw_usage(self, item: dict[str, Any]) -> None:
        batch_put(self.client, self.tables["UsageTable"], [item])

    # When
    def start(self, event: dict[str, Any], job: str = "monthly_invoice") -> dict[str, Any]:
        """What the job's handler returns: a fanned-out run's plan, or an inline run's summary."""
        # A handler module reads its Powertools settings from the environment when it is
        # imported, as in Lambda: import it once the template's environment is in place.
        module = importlib.import_module(f"functions.{job}.app")
        result: dict[str, Any] = module.handler(event, LambdaContext(function_name=job))
        return result

    def drain(self, **options: Any) -> DeliveryReport:
        """Deliver the billing queue to the worker, as its event source mapping would."""
        worker = importlib.import_module("functions.billing_worker.app")
        return deliver(os.environ["BILLING_QUEUE_URL"], worker.handler, **options)

    def run_record(self, run_id: str) -> dict[str, Any]:
        item = self.client.get_item(
            TableName=self.tables["InvoicesTable"], Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": "RUN"}}
        )["Item"]
        return from_item(item)

    def drain_concurrently(self, workers: int, **options: Any) -> list[DeliveryReport]:
        """``workers`` worker processes at once, as the event source mapping's concurrency gives,
        until a whole round finds the queue empty (a failed message comes back after a round)."""
        reports: list[DeliveryReport] = []
        while True:
            start = threading.Barrier(workers)

            def work(_: int, start: threading.Barrier = start) -> DeliveryReport:
                start.wait()
                return self.drain(**options)

            with ThreadPoolExecutor(max_workers=workers) as pool:
                round_ = list(pool.map(work, range(workers)))
            reports += round_
            if not any(r.invocations for r in round_):
                return reports

    def run_all(self, jobs: list[tuple[str, dict[str, Any]]], workers: int = 4) -> list[dict[str, Any]]:
        """Start the jobs at once, then let ``workers`` workers drain the queue; each job's summary."""
        start = threading.Barrier(len(jobs))

        def plan(job: tuple[str, dict[str, Any]]) -> dict[str, Any]:
            start.wait()
            return self.start(job[1], job[0])

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            started = list(pool.map(plan, jobs))
        self.drain_concurrently(workers)
        return [
            plain(self.run_record(s["run_id"])["summary"]) if "tenants_handed_on" in s else s for s in started
        ]

    def run(self, event: dict[str, Any], job: str = "monthly_invoice") -> dict[str, Any]:
        """A whole run: a fanned-out one is delivered to the worker, and its stored summary returned."""
        result = self.start(event, job)
        if "tenants_handed_on" not in result:
            return result
        self.last_delivery = self.drain()
        summary: dict[str, Any] = plain(self.run_record(result["run_id"])["summary"])
        return summary

    def run_month(self, period: str, *, now: str | None = None, **fields: Any) -> dict[str, Any]:
        event = {"period": period, **fields}
        if now:
            event["time"] = now
        return self.run(event)

    def run_year(self, year: int, *, now: str | None = None, **fields: Any) -> dict[str, Any]:
        event = {"year": year, **fields}
        if now:
            event["time"] = now
        return self.run(event, "annual_invoice")

    # Then
    def invoice(self, tenant_id: str, sk: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.tables["InvoicesTable"], Key={"pk": {"S": f"TENANT#{tenant_id}"}, "sk": {"S": sk}}
        ).get("Item")
        return from_item(item) if item else None

    def invoices(self) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("scan").paginate(TableName=self.tables["InvoicesTable"])
        items = [from_item(i) for page in pages for i in page["Items"]]
        return sorted((i for i in items if i["sk"].startswith("INVOICE#")), key=lambda i: i["invoice_number"])

    def item_count(self, table: str) -> int:
        return int(self.client.scan(TableName=self.tables[table], Select="COUNT")["Count"])


@pytest.fixture(autouse=True)
def _queue_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Billing's processing clock is the delivery harness's, which skips visibility timeouts."""
    monkeypatch.setattr(QUEUE_CLOCK, "skipped", timedelta(0))
    monkeypatch.setattr(wiring, "processing_clock", QUEUE_CLOCK.now)


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with local_aws("MonthlyInvoiceFunction", CATALOG_PATH=str(WORKED_EXAMPLE_CATALOG)) as env:
        wiring.reset()
        yield env
        wiring.reset()


@pytest.fixture
def billing(aws: dict[str, Any]) -> Billing:
    return Billing(aws)


# ------------------------------------------------------------------ several clients at once


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _reset(endpoint: str) -> None:
    urllib.request.urlopen(
        urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10
    ).close()


def _serialize_moto_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give moto the isolation DynamoDB documents: each request, transactions included, is atomic.

    moto 5.2.5 runs a transaction by snapshotting whole tables and, when a condition fails,
    putting the snapshot back, which erases what concurrent requests committed in between
    (seen here as two invoices with one number). DynamoDB's transactions are serializable,
    so the harness, not the product, holds one lock around moto's item operations.
    """
    lock = threading.RLock()
    for name in (
        "put_item",
        "get_item",
        "query",
        "scan",
        "update_item",
        "delete_item",
        "transact_write_items",
    ):
        original = getattr(DynamoDBBackend, name)

        def serialized(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, serialized)


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provisioned]:
    """The template's resources on moto's threaded server, so that concurrent clients share one state."""
    _serialize_moto_dynamodb(monkeypatch)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    _reset(endpoint)  # moto's backends live in this process and outlive a server
    try:
        with patched_environ({**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}):
            yield provision()
    finally:
        _reset(endpoint)
        server.stop()


@pytest.fixture
def server_billing(moto_server: Provisioned) -> Iterator[Billing]:
    environment = moto_server.environment("MonthlyInvoiceFunction")
    with patched_environ({**environment, "CATALOG_PATH": str(WORKED_EXAMPLE_CATALOG)}):
        wiring.reset()
        yield Billing({"dynamodb": boto3.client("dynamodb", region_name=REGION), "tables": moto_server.names})
        wiring.reset()


@dataclass(frozen=True)
class EhfCheck:
    schema_errors: list[str]
    findings: list[Finding]

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.flag == "fatal"]


class EhfValidator:
    """UBL 2.1 XSD (lxml) and the PEPPOL BIS 3 / EN 16931 Schematron rules (converted, run by Saxon-HE).

    The XSD is the one of the document's root element: ``Invoice`` or ``CreditNote``; the rule
    files cover both. Any other root is a schema error."""

    def __init__(self) -> None:
        maindoc = EHF_DIR / "ubl-2.1/xsd/maindoc"
        ubl = "urn:oasis:names:specification:ubl:schema:xsd"
        self._schemas = {
            f"{{{ubl}:{name}-2}}{name}": etree.XMLSchema(etree.parse(str(maindoc / f"UBL-{name}-2.1.xsd")))
            for name in ("Invoice", "CreditNote")
        }
        rules = EHF_DIR / "peppol-bis-3"
        self._rules = Validator(rules / "CEN-EN16931-UBL.sch", rules / "PEPPOL-EN16931-UBL.sch")

    def check(self, document: bytes) -> EhfCheck:
        root = etree.fromstring(document)
        schema = self._schemas.get(root.tag)
        if schema is None:
            return EhfCheck([f"not a UBL Invoice or CreditNote: {root.tag}"], self._rules.findings(document))
        errors = [] if schema.validate(root) else [str(schema.error_log)]
        return EhfCheck(errors, self._rules.findings(document))


@pytest.fixture(scope="session")
def ehf() -> EhfValidator:
    if not (EHF_DIR / "peppol-bis-3").is_dir():
        pytest.fail(
            f"the EHF schemas and rules are not at {EHF_DIR} (../shared/ehf); set EHF_DIR to where they are"
        )
    return EhfValidator()
