"""Billing at scale, measured side by side in one run (see docs/performance.md).

Run: .venv/bin/python benchmarks/scale.py   (``--quick`` for smaller sizes)

1. Requests per tenant of a fanned-out monthly run (moto, counted at botocore, planner and
   worker together), against the floor: one register query, one query of the tenant's
   invoices for the period and the one before (CONTRACT §5a's review), one usage query per
   billed type, the counter read and the issuing transaction, three document objects, one
   record update, and a tenth of a PutEvents. Measured twice: a first month (nothing to
   review) and the month after it, where every tenant's previous invoice is reviewed and
   late usage makes a correction line. The queue's receive/delete calls are Lambda's event
   source mapping's, listed apart.
2. Own compute per tenant, in memory (no AWS): 10^3, 10^4 and 10^5 tenants, and the scaling
   exponent of time against tenants (1.0 is linear).
3. Each function's cold import (a fresh interpreter, the template's environment set) as a
   ratio to ``import boto3`` in the same kind of interpreter: medians, interleaved.
4. The layer's size as ``sam build`` left it (``make template`` builds it).
"""

from __future__ import annotations

import gc
import math
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools import Metrics
from cold import Snippet, medians

from periodyear.adapters.clients import Clients
from periodyear.billing.fanout import FanOut
from periodyear.billing.job import run_billing_job
from periodyear.billing.request import BillingPlan
from periodyear.billing.service import BillingService
from periodyear.billing.worker import handle_batches
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.catalog import load_catalog
from periodyear.domain.tenant import Client, Subscription, TenantAccount
from periodyear.observability import logger
from periodyear_local import services
from periodyear_local.delivery import deliver
from periodyear_local.memory_billing import (
    MemoryEvents,
    MemoryInvoices,
    MemoryQueue,
    MemoryRegister,
    MemoryRuns,
    MemoryUsage,
)
from periodyear_local.sandbox import local_aws
from periodyear_local.seed import batch_put, register_items, usage_item
from periodyear_local.template import PROJECT_ROOT

FUNCTIONS = {
    "monthly_invoice": "MonthlyInvoiceFunction",
    "annual_invoice": "AnnualInvoiceFunction",
    "billing_worker": "BillingWorkerFunction",
    "migrate_tenant": "MigrateTenantFunction",
}
FLOOR = 1 + 1 + 2 + 1 + 1 + 3 + 1 + 0.1  # KOMPLETT monthly: period.closed and vpi.active are read
ESM_CALLS = ("ReceiveMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "GetQueueAttributes")


def requests_per_tenant(tenants: int, *, review: bool = False) -> tuple[float, Counter[str]]:
    """Every AWS request of a fanned-out run of ``tenants`` KOMPLETT firms with usage, by API.
    With ``review``, May is billed first (not counted) and a late May close arrives for every
    tenant; then June's run is counted: each tenant's May invoice is reviewed and corrected."""
    calls: Counter[str] = Counter()
    with local_aws("MonthlyInvoiceFunction") as aws:
        made = Clients.fresh()
        billing = services.billing(clients=made)
        for n in range(tenants):
            tenant = f"t{n:05d}"
            clients_ = [(f"c{k}", f"Client {k}", "911111111", False) for k in range(3)]
            batch_put(
                aws["dynamodb"],
                aws["tables"]["RegisterTable"],
                register_items(
                    tenant, package="KOMPLETT", price_switch_date=date(2022, 1, 1), clients=clients_
                ),
            )
            batch_put(
                aws["dynamodb"],
                aws["tables"]["UsageTable"],
                [
                    usage_item(tenant, "period.closed", f"2022-05-1{k}T10:00:00Z", client_id=f"c{k}")
                    for k in range(3)
                ]
                + [usage_item(tenant, "vpi.active", "2022-05-03T09:00:00Z", user_id="u1")],
            )

        def count(model: Any, **_: Any) -> None:
            calls[model.name] += 1

        metrics = Metrics(namespace="bench")  # what the handlers do, without their decorators

        def bill(period: str, now: str) -> None:
            event = {"period": period, "time": now}
            handed = run_billing_job(PeriodKind.MONTHLY, event, metrics, f"bench-{period}", billing)
            report = deliver(
                aws["environment"]["BILLING_QUEUE_URL"], lambda e, c: handle_batches(e, c, metrics, billing)
            )
            metrics.clear_metrics()
            assert report.failed_deliveries == 0, report
            assert handed["tenants_handed_on"] == tenants

        if review:
            bill("2022-05", "2022-06-01T02:00:00Z")
            late = [
                item
                for n in range(tenants)
                for item in (
                    usage_item(f"t{n:05d}", "period.closed", "2022-05-30T10:00:00Z", client_id="c9"),
                    usage_item(f"t{n:05d}", "period.closed", "2022-06-10T10:00:00Z", client_id="c0"),
                    usage_item(f"t{n:05d}", "vpi.active", "2022-06-03T09:00:00Z", user_id="u1"),
                )
            ]
            batch_put(aws["dynamodb"], aws["tables"]["UsageTable"], late)
        for factory in (made.dynamodb, made.s3, made.events, made.sqs):
            factory().meta.events.register("before-call.*", count)
        if review:
            bill("2022-06", "2022-07-01T02:00:00Z")
            corrected = aws["dynamodb"].get_item(
                TableName=aws["tables"]["InvoicesTable"],
                Key={"pk": {"S": "TENANT#t00000"}, "sk": {"S": "INVOICE#MONTHLY#2022-06"}},
            )["Item"]
            assert any("correction_of" in line["M"] for line in corrected["lines"]["L"]), corrected
        else:
            bill("2022-05", "2022-06-01T02:00:00Z")
    ours = sum(v for k, v in calls.items() if k not in ESM_CALLS)
    return ours / tenants, calls


def own_compute(tenants: int, *, freeze_inputs: bool = True) -> float:
    """Seconds to bill ``tenants`` (3 clients, 4 usage items each) in memory, documents aside.

    With ``freeze_inputs`` the made-up register and usage are moved out of the garbage
    collector's scans before timing: a worker in Lambda holds one batch, not every tenant's
    data, and without this the collector's walks over 10^5 tenants' inputs are what grows."""
    catalog = load_catalog(PROJECT_ROOT / "tests" / "data" / "worked_example_catalog.json")
    accounts = [
        TenantAccount(
            tenant_id=f"t{n:06d}",
            name=f"Firm {n}",
            org_number="999999999",
            language="nb",
            subscription=Subscription("KOMPLETT", date(2022, 1, 1)),
            clients={f"c{k}": Client(f"c{k}", f"Client {k}", "911111111", False) for k in range(3)},
        )
        for n in range(tenants)
    ]
    usage = MemoryUsage()
    for account in accounts:
        for k in range(3):
            usage.add(
                account.tenant_id, "period.closed", f"2022-05-1{k}T10:00:00Z", f"e{k}", client_id=f"c{k}"
            )
        usage.add(account.tenant_id, "vpi.active", "2022-05-03T09:00:00Z", "v", user_id="u1")
    service = BillingService(
        register=MemoryRegister(accounts), usage=usage, invoices=MemoryInvoices(), catalog=catalog
    )
    fan_out = FanOut(
        tenants=service,
        billing=lambda: service,
        runs=MemoryRuns(),
        queue=MemoryQueue(),
        announcer=MemoryEvents(),
    )
    plan = BillingPlan(
        Period.parse_month("2022-05"),
        date(2022, 6, 1),
        False,
        None,
        "bench",
        datetime(2022, 6, 1, 2, tzinfo=UTC),
    )
    queue = fan_out._queue
    assert isinstance(queue, MemoryQueue)
    started = time.perf_counter()
    fan_out.plan(plan)
    for message in queue.messages:
        fan_out.work(message, last_attempt=True)
    elapsed = time.perf_counter() - started
    gc.unfreeze()
    return elapsed


# What each function does first on a cold start after its import: its settings and its event.
FIRST_USE = {
    "monthly_invoice": "from periodyear.billing.request import plan_run\n"
    "from periodyear.config import BillingSettings, FanOutSettings\n"
    "from periodyear.domain.calendar import PeriodKind\n"
    "import datetime\n"
    "BillingSettings.load(); FanOutSettings.load()\n"
    "plan_run(PeriodKind.MONTHLY, {'time': '2022-06-01T01:00:00Z'},"
    " clock_now=datetime.datetime.now(datetime.UTC), run_id='r')",
    "migrate_tenant": "from periodyear.migration.bootstrap import from_environment\nfrom_environment()",
    "billing_worker": "import json\n"
    "from periodyear.billing.worker import BatchMessage\n"
    "from periodyear.config import FanOutSettings\n"
    "FanOutSettings.load()\n"
    'BatchMessage.model_validate(json.loads(\'{"run_id": "r", "kind": "MONTHLY", "period": "2022-05", '
    '"issue_date": "2022-06-01", "now": "2022-06-01T01:00:00Z", "batch": 1, "tenant_ids": ["t"]}\'))',
}
# The prescribed stack alone: boto3, Powertools' Logger and Metrics, one small pydantic model built.
STACK_FLOOR = (
    "import boto3\nfrom aws_lambda_powertools import Logger, Metrics\n"
    "from pydantic import BaseModel, StrictStr\n"
    "class Event(BaseModel):\n    time: StrictStr | None = None\n    period: StrictStr | None = None"
)
STACK_FLOOR_NAME = "floor: boto3 + Powertools + a pydantic model"
BATCH_FLOOR = STACK_FLOOR + "\nfrom aws_lambda_powertools.utilities.batch import BatchProcessor"
# The migration's first event builds its service, which makes the one client every event uses.
CLIENT_FLOOR = STACK_FLOOR + "\nboto3.client('dynamodb')"
CLIENT_FLOOR_NAME = "floor: the same + a DynamoDB client"


def floor_of(name: str) -> str:
    """The floor a snippet is measured against: what the prescribed stack needs for the same."""
    if "worker" in name:
        return "floor: the same + Powertools batch"
    if name == "migrate_tenant + first event":
        return CLIENT_FLOOR_NAME
    return STACK_FLOOR_NAME


def cold_imports(rounds: int, *, as_lambda: bool = False, compiled: bool = False) -> dict[str, float]:
    """Median seconds a fresh interpreter takes to run each snippet (interleaved rounds)."""
    snippets: dict[str, Snippet] = {
        "import boto3": ("import boto3", None),
        STACK_FLOOR_NAME: (STACK_FLOOR, None),
        "floor: the same + Powertools batch": (BATCH_FLOOR, None),
        CLIENT_FLOOR_NAME: (CLIENT_FLOOR, "MigrateTenantFunction"),
    }
    for name, function in FUNCTIONS.items():
        snippets[name] = (f"import functions.{name}.app", function)
        if name in FIRST_USE:
            snippets[f"{name} + first event"] = (f"import functions.{name}.app\n{FIRST_USE[name]}", function)
    return medians(snippets, rounds, as_lambda=as_lambda, compiled=compiled)


def layer_size() -> str:
    folder = PROJECT_ROOT / "build" / "sam" / "SharedLayer"
    if not folder.is_dir():
        return "not built (run make template)"
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return f"{total / 1e6:.1f} MB unzipped (Lambda allows 250 MB for function and layers)"


def main() -> None:
    quick = "--quick" in sys.argv
    logger.setLevel("ERROR")
    print(f"1. Requests per tenant, fanned-out monthly run (moto), floor {FLOOR:.1f}")
    for review in (False, True):
        print("   the month after, every previous invoice reviewed:" if review else "   a first month:")
        for tenants in (10, 50) if quick else (25, 100):
            per_tenant, calls = requests_per_tenant(tenants, review=review)
            ours = {k: v for k, v in sorted(calls.items()) if k not in ESM_CALLS}
            ratio = per_tenant / FLOOR
            print(f"   {tenants:>4} tenants: {per_tenant:.2f} per tenant = {ratio:.3f} × floor  {ours}")
    print("2. Own compute in memory (documents aside)")
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    first, last = sizes[0], sizes[-1]
    for freeze, label in (
        (True, "inputs kept out of the GC's scans"),
        (False, "every tenant's inputs scanned by the GC"),
    ):
        seconds = {n: own_compute(n, freeze_inputs=freeze) for n in sizes}
        rates = ", ".join(f"{n}: {1000 * taken / n:.3f} ms" for n, taken in seconds.items())
        exponent = math.log(seconds[last] / seconds[first]) / math.log(last / first)
        print(f"   {label}: per tenant {rates}; scaling exponent {exponent:.3f} (target ≤ 1.05)")
    print("3. Cold import (fresh interpreter, template environment), median of interleaved runs,")
    print("   against its floor (the worker's: the stack + Powertools batch; the migration's first")
    print("   event: the stack + the DynamoDB client it makes)")
    rounds = 3 if quick else 9
    for label, options in (
        ("this checkout (bytecode cached)", {}),
        ("as Lambda, our code from source (no bytecode written)", {"as_lambda": True}),
        ("as Lambda, with the layer's compiled bytecode", {"as_lambda": True, "compiled": True}),
    ):
        found = cold_imports(rounds, **options)
        print(f"   {label}:")
        for name, median in found.items():
            ratio = median / found[floor_of(name)]
            print(f"     {name:<46} {1000 * median:6.0f} ms = {ratio:.2f} × floor")
    print(f"4. Layer: {layer_size()}")


if __name__ == "__main__":
    main()
