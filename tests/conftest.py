"""Shared fixtures: an in-process AWS built from template.yaml, and a billing harness."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from periodyear.adapters.items import from_item
from periodyear.billing import wiring
from periodyear_local.sandbox import local_aws
from periodyear_local.seed import batch_put, register_items, usage_item

DATA = Path(__file__).parent / "data"
WORKED_EXAMPLE_CATALOG = DATA / "worked_example_catalog.json"


@dataclass
class LambdaContext:
    function_name: str = "monthly_invoice"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-north-1:123456789012:function:monthly_invoice"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


class Billing:
    """Given/When/Then helpers over the real handler and the template's tables."""

    def __init__(self, aws: dict[str, Any]) -> None:
        self.client = aws["dynamodb"]
        self.tables = aws["tables"]

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
    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        # The handler module reads its Powertools settings from the environment when it is
        # imported, as in Lambda: import it once the template's environment is in place.
        from functions.monthly_invoice import app  # noqa: PLC0415

        result: dict[str, Any] = app.handler(event, LambdaContext())
        return result

    def run_month(self, period: str, *, now: str | None = None, **fields: Any) -> dict[str, Any]:
        event = {"period": period, **fields}
        if now:
            event["time"] = now
        return self.run(event)

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


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with local_aws("MonthlyInvoiceFunction", CATALOG_PATH=str(WORKED_EXAMPLE_CATALOG)) as env:
        wiring.reset()
        yield env
        wiring.reset()


@pytest.fixture
def billing(aws: dict[str, Any]) -> Billing:
    return Billing(aws)


def money(text: str) -> Decimal:
    return Decimal(text)
