"""The integration tests' harness: Given/When/Then over the real handlers and the template's tables."""

from __future__ import annotations

import importlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

from periodyear.adapters.clients import Clients
from periodyear.adapters.items import from_item
from periodyear.billing.bootstrap import BillingServices, bootstrap
from periodyear.config import BillingSettings
from periodyear_local.delivery import QUEUE_CLOCK, DeliveryReport, LambdaContext, deliver
from periodyear_local.seed import batch_put, register_items, usage_item


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
        self.clients = Clients.fresh()  # the clients of the functions this test runs (hooks go on them)
        self._services: BillingServices | None = None

    def services(self) -> BillingServices:
        """Billing's services over this test's AWS, built once in its environment as a process
        would; its processing clock is the queue's, which skips the visibility timeouts."""
        if self._services is None:
            self._services = bootstrap(BillingSettings.load(), clients=self.clients, clock=QUEUE_CLOCK.now)
        return self._services

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
        result: dict[str, Any] = module.handler(
            event, LambdaContext(function_name=job), services=self.services()
        )
        return result

    def drain(self, **options: Any) -> DeliveryReport:
        """Deliver the billing queue to the worker, as its event source mapping would."""
        worker = importlib.import_module("functions.billing_worker.app")
        services = self.services()
        return deliver(
            os.environ["BILLING_QUEUE_URL"],
            lambda event, context: worker.handler(event, context, services=services),
            **options,
        )

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
