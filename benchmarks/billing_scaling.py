"""How billing's cost grows: DynamoDB requests per tenant, and the domain's time per usage item.

Run: .venv/bin/python benchmarks/billing_scaling.py

In AWS a run costs its requests plus its own compute, so this counts requests (moto's wall
time says more about moto than about us) and times only the pure domain. It prints ratios
measured side by side in one run; linear growth shows as ratios near 1.0.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from periodyear.adapters import clients
from periodyear.billing import wiring
from periodyear.billing.request import plan_run
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.catalog import load_catalog
from periodyear.domain.invoice import compose_invoice
from periodyear.domain.meters import Meter
from periodyear.domain.tenant import Subscription
from periodyear.domain.usage import UsageRecord
from periodyear.observability import logger
from periodyear_local.sandbox import local_aws
from periodyear_local.seed import batch_put, register_items, usage_item


def requests_for(tenants: int, clients_per_tenant: int) -> Counter[str]:
    with local_aws("MonthlyInvoiceFunction") as aws:
        wiring.reset()
        for n in range(tenants):
            tenant = f"t{n:05d}"
            batch_put(
                aws["dynamodb"],
                aws["tables"]["RegisterTable"],
                register_items(tenant, package="KOMPLETT", price_switch_date=date(2022, 1, 1)),
            )
            batch_put(
                aws["dynamodb"],
                aws["tables"]["UsageTable"],
                [
                    usage_item(
                        tenant, "period.closed", f"2022-05-{1 + c % 28:02d}T10:00:00Z", client_id=f"c{c}"
                    )
                    for c in range(clients_per_tenant)
                ],
            )
        counted: Counter[str] = Counter()

        def count(model: Any, **_: Any) -> None:
            counted[model.name] += 1

        clients.dynamodb().meta.events.register("before-parameter-build.dynamodb", count)
        event = {"period": "2022-05", "time": "2022-06-01T01:00:00Z"}
        plan = plan_run(PeriodKind.MONTHLY, event, clock_now=datetime.now(UTC), run_id="bench")
        summary = wiring.billing_service().run(plan).summary()
        assert summary["invoices_issued"] == tenants, summary
        wiring.reset()
        return counted


def domain_seconds_per_item(items: int, repeats: int = 5) -> float:
    catalog = load_catalog()
    month = Period.parse_month("2022-05")
    records = [
        UsageRecord(
            Meter.PERIOD_ACTIVE_CLIENTS, f"c{i % max(1, items // 2)}", month.start + timedelta(days=i % 31)
        )
        for i in range(items)
    ]
    subscription = Subscription("KOMPLETT", date(2022, 1, 1))
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        compose_invoice(
            tenant_id="t",
            subscription=subscription,
            period=month,
            usage=records,
            catalog=catalog,
            issue_date=date(2022, 6, 1),
        )
        best = min(best, time.perf_counter() - started)
    return best / items


def main() -> None:
    logger.setLevel("ERROR")
    small, wide, deep = requests_for(10, 5), requests_for(40, 5), requests_for(10, 200)
    per_tenant = {
        name: sum(c.values()) / n
        for name, c, n in (("10x5", small, 10), ("40x5", wide, 40), ("10x200", deep, 10))
    }
    print(
        "DynamoDB requests per tenant (tenants x clients):", {k: round(v, 2) for k, v in per_tenant.items()}
    )
    print("  by operation, 40x5:", dict(wide))
    print(f"  ratio 40 tenants / 10 tenants: {per_tenant['40x5'] / per_tenant['10x5']:.2f}")
    print(f"  ratio 200 clients / 5 clients: {per_tenant['10x200'] / per_tenant['10x5']:.2f}")
    print(f"  Scan requests: {small['Scan'] + wide['Scan'] + deep['Scan']}")
    few, many = domain_seconds_per_item(1_000), domain_seconds_per_item(100_000)
    print(
        f"Domain time per usage item: 1k items {few * 1e6:.2f} µs, 100k items {many * 1e6:.2f} µs, "
        f"ratio {many / few:.2f}"
    )


if __name__ == "__main__":
    main()
