"""The AWS price of one monthly run, from what a run does here and the list prices in
``benchmarks/prices.json`` (region and date stated there; ``../shared/PRICES.md`` is the source).

Run: .venv/bin/python benchmarks/cost.py   (``--tenants N`` for the measured run's size, 40 by default;
``--peppol-price USD`` for the access point's price per PEPPOL message, which is not published)

One fanned-out month is run on moto as Lambda runs it (planner, queue, worker), in the steady
state: the month after a first one, so every tenant's previous invoice is reviewed and late
usage makes a correction line. Counted at botocore, per tenant: each DynamoDB request's
capacity units (from the items' sizes, as DynamoDB counts them: a read unit per 4 KB read
strongly, half eventually; a write unit per KB written, two in a transaction), S3 PUTs and the
bytes stored, SQS requests (the event source mapping's receives and deletes included),
EventBridge entries and the log bytes written. Lambda time is not measurable against moto; it is
modelled as the requests times a per-request latency (stated below) plus the own compute and
the documents' rendering measured in memory. Per-tenant figures are scaled to 10^3, 10^4 and
10^5 tenants (the run scales linearly: benchmarks/scale.py measures the exponent).

The month's invoices are then delivered as the delivery functions do it (CONTRACT §10), metered
the same way: every other tenant is a PEPPOL receiver at the access point's stand-in, the rest
are e-mailed (SES e-mails and their bytes counted), and every delivery is settled (outcomes
collected, SES's events handled). Each provider call is modelled at ``PROVIDER_LATENCY_S``.
"""

from __future__ import annotations

import io
import json
import logging
import math
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Metrics

from periodyear.adapters.clients import Clients
from periodyear.adapters.items import from_item, item_size
from periodyear.billing.job import run_billing_job
from periodyear.billing.worker import handle_batches
from periodyear.domain.calendar import PeriodKind
from periodyear.observability import logger
from periodyear_local import services
from periodyear_local.delivery import deliver
from periodyear_local.sandbox import local_aws
from periodyear_local.seed import batch_put, register_items, usage_item
from periodyear_local.template import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))  # the delivery handlers, imported as Lambda imports them

PRICES = json.loads((Path(__file__).with_name("prices.json")).read_text(encoding="utf-8"))
LATENCY_S = 0.012  # assumed in-region round trip of one DynamoDB, S3, SQS or EventBridge call
PROVIDER_LATENCY_S = 0.3  # assumed round trip of one call to the access point's API over the internet
RECEIVER, NOT_RECEIVER = "999999999", "974760673"  # org numbers: every other tenant receives PEPPOL
MEMORY_GB = 0.5  # template.yaml: MemorySize 512, arm64
RETENTION_MONTHS = 72  # the documents' six years under Object Lock
KB = 1024


class Meter:
    """What the run's AWS calls cost in the units AWS bills."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.read_units = 0.0
        self.write_units = 0.0
        self.s3_bytes = 0
        self.s3_by_type: Counter[str] = Counter()
        self.events = 0
        self.ses_bytes = 0

    @staticmethod
    def before(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["metered_params"] = dict(params)  # the caller's arguments, as boto3 got them

    def after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        params = context.get("metered_params", {})
        service = model.service_model.service_name
        name = model.name
        self.calls[f"{service}:{name}"] += 1
        if service == "dynamodb":
            self._dynamodb(name, params, parsed)
        elif service == "s3" and name == "PutObject":
            self.s3_bytes += len(params.get("Body") or b"")
            self.s3_by_type[str(params.get("Key", "")).rsplit(".", 1)[-1]] += len(params.get("Body") or b"")
        elif service == "events" and name == "PutEvents":
            self.events += len(params.get("Entries", []))
        elif service == "sesv2" and name == "SendEmail":
            self.ses_bytes += len(params.get("Content", {}).get("Raw", {}).get("Data") or b"")

    def _dynamodb(self, name: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        def size(raw: dict[str, Any]) -> int:
            return item_size(from_item(raw))

        factor = 1.0 if params.get("ConsistentRead") else 0.5
        if name == "GetItem":
            self.read_units += factor * max(1, math.ceil(size(parsed.get("Item") or {}) / (4 * KB)))
        elif name in ("Query", "Scan"):
            read = sum(size(i) for i in parsed.get("Items", []))
            self.read_units += factor * max(1, math.ceil(read / (4 * KB)))
        elif name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.read_units += sum(max(1, math.ceil(size(i) / (4 * KB))) for i in items)
        elif name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.write_units += max(1, math.ceil(size(params.get("Item") or {}) / KB))
        elif name == "BatchWriteItem":
            for requests in params.get("RequestItems", {}).values():
                for request in requests:
                    item = request.get("PutRequest", {}).get("Item") or {}
                    self.write_units += max(1, math.ceil(size(item) / KB))
        elif name == "TransactWriteItems":
            for action in params.get("TransactItems", []):
                item = action.get("Put", {}).get("Item") or {}
                self.write_units += 2 * max(1, math.ceil(size(item) / KB))


def _seed(aws: dict[str, Any], tenants: int) -> None:
    for n in range(tenants):
        tenant = f"t{n:05d}"
        clients_ = [(f"c{k}", f"Client {k} AS", "911111111", False) for k in range(3)]
        register = register_items(
            tenant,
            package="KOMPLETT",
            price_switch_date=date(2022, 1, 1),
            clients=clients_,
            org_number=RECEIVER if n % 2 == 0 else NOT_RECEIVER,
        )
        batch_put(aws["dynamodb"], aws["tables"]["RegisterTable"], register)
        usage = [
            usage_item(tenant, "period.closed", f"2022-05-1{k}T10:00:00Z", client_id=f"c{k}")
            for k in range(3)
        ]
        usage.append(usage_item(tenant, "vpi.active", "2022-05-03T09:00:00Z", user_id="u1"))
        batch_put(aws["dynamodb"], aws["tables"]["UsageTable"], usage)


def measure(tenants: int) -> dict[str, float]:
    """Per tenant: the steady-state month's billed units, and the invocations of the run."""
    meter = Meter()
    logged = io.StringIO()
    with local_aws("MonthlyInvoiceFunction") as aws:
        made = Clients.fresh()
        billing = services.billing(clients=made)
        _seed(aws, tenants)
        metrics = Metrics(namespace="bench")
        queue = aws["environment"]["BILLING_QUEUE_URL"]

        def bill(period: str, now: str) -> tuple[int, float]:
            started = time.perf_counter()
            run_billing_job(PeriodKind.MONTHLY, {"period": period, "time": now}, metrics, period, billing)
            report = deliver(queue, lambda e, c: handle_batches(e, c, metrics, billing))
            metrics.clear_metrics()
            return 1 + report.invocations, time.perf_counter() - started

        bill("2022-05", "2022-06-01T02:00:00Z")  # the first month, not counted
        delivery_queue = aws["provisioned"].environment("DeliverInvoiceFunction")["DELIVERY_QUEUE_URL"]
        aws_sqs = made.sqs()
        aws_sqs.purge_queue(QueueUrl=delivery_queue)  # its invoices' deliveries are not counted either
        late = [
            usage_item(f"t{n:05d}", kind, at, **who)
            for n in range(tenants)
            for kind, at, who in (
                ("period.closed", "2022-05-30T10:00:00Z", {"client_id": "c9"}),
                ("period.closed", "2022-06-10T10:00:00Z", {"client_id": "c0"}),
                ("vpi.active", "2022-06-03T09:00:00Z", {"user_id": "u1"}),
            )
        ]
        batch_put(aws["dynamodb"], aws["tables"]["UsageTable"], late)
        for factory in (made.dynamodb, made.s3, made.events, made.sqs):
            factory().meta.events.register("before-parameter-build.*", meter.before)
            factory().meta.events.register("after-call.*", meter.after)
        handler = logging.StreamHandler(logged)
        handler.setFormatter(logger.registered_formatter)  # the JSON lines Lambda would ship
        logger.addHandler(handler)
        logger.setLevel("INFO")
        invocations, _ = bill("2022-06", "2022-07-01T02:00:00Z")
        delivered = deliver_month(aws, meter, aws["provisioned"].environment("DeliverInvoiceFunction"))
        logger._logger.removeHandler(handler)  # Powertools passes addHandler on, not this
        logger.setLevel("ERROR")
        stored = aws["dynamodb"].scan(TableName=aws["tables"]["InvoicesTable"])["Items"]
        invoice_bytes = sum(item_size(from_item(i)) for i in stored) / 2  # two months are stored
        render = render_seconds(aws)
    requests = sum(meter.calls.values())
    return {
        "requests": requests / tenants,
        "read_units": meter.read_units / tenants,
        "write_units": meter.write_units / tenants,
        "s3_puts": meter.calls["s3:PutObject"] / tenants,
        "s3_bytes": meter.s3_bytes / tenants,
        "sqs_requests": sum(v for k, v in meter.calls.items() if k.startswith("sqs:")) / tenants,
        "events": meter.events / tenants,
        # + Lambda's own START, END and REPORT lines, about 350 bytes an invocation
        "log_bytes": (len(logged.getvalue().encode()) + 350 * invocations) / tenants,
        **{f"s3_bytes_{ext}": n / tenants for ext, n in sorted(meter.s3_by_type.items())},
        "invoice_item_bytes": invoice_bytes / tenants,
        "invocations": (invocations + delivered["invocations"]) / tenants,
        "ses_emails": meter.calls["sesv2:SendEmail"] / tenants,
        "ses_bytes": meter.ses_bytes / tenants,
        "peppol_messages": delivered["submissions"] / tenants,
        "provider_calls": delivered["provider_calls"] / tenants,
        "render_seconds": render,
    }


def deliver_month(aws: dict[str, Any], meter: Meter, environment: dict[str, str]) -> dict[str, int]:
    """Deliver the counted month's invoices as the delivery functions do, settlements included."""
    import importlib  # noqa: PLC0415

    from periodyear_local.access_point import AccessPointStandIn  # noqa: PLC0415
    from periodyear_local.delivery import LambdaContext  # noqa: PLC0415
    from periodyear_local.demo_delivery import ses_reports_each_email_delivered  # noqa: PLC0415
    from periodyear_local.sandbox import patched_environ  # noqa: PLC0415
    from periodyear_local.template import LOCAL_ACCESS_POINT_KEY, parameter_values  # noqa: PLC0415

    environment = dict(environment) | {"POWERTOOLS_METRICS_DISABLED": "true"}
    legal_entity = int(parameter_values()["AccessPointLegalEntityId"])
    with AccessPointStandIn(key=LOCAL_ACCESS_POINT_KEY, legal_entity_id=legal_entity) as stand_in:
        stand_in.receivers = {RECEIVER}
        environment["ACCESS_POINT_URL"] = stand_in.url
        with patched_environ(environment):
            made = Clients.fresh()  # the delivery functions' clients, metered like the run's
            built = services.delivery(clients=made)
            for factory in (made.dynamodb, made.s3, made.events, made.sqs, made.sesv2):
                factory().meta.events.register("before-parameter-build.*", meter.before)
                factory().meta.events.register("after-call.*", meter.after)
            function = importlib.import_module("functions.deliver_invoice.app")

            def handler(event: dict[str, Any], context: Any) -> Any:
                return function.handler(event, context, services=built)

            report = deliver(environment["DELIVERY_QUEUE_URL"], handler, batch_size=10)
            collector = importlib.import_module("functions.collect_outcomes.app").handler
            collector({}, LambdaContext(function_name="collect_outcomes", timeout_ms=240_000), services=built)
            ses_reports_each_email_delivered(environment, aws["tables"])
            settled = deliver(environment["DELIVERY_QUEUE_URL"], handler, batch_size=10)
        assert not stand_in.violations, stand_in.violations
        return {
            "invocations": report.invocations + settled.invocations + 1,
            "submissions": len(stand_in.submissions),
            "provider_calls": len(stand_in.requests),
        }


def render_seconds(aws: dict[str, Any]) -> float:
    """The documents of one invoice the run issued (PDF, EHF, CSV), rendered in memory: median of 5."""
    import statistics  # noqa: PLC0415

    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.documents.publisher import documents  # noqa: PLC0415
    from periodyear_local.template import sample_seller  # noqa: PLC0415

    issued = InvoiceRepository(aws["dynamodb"], aws["tables"]["InvoicesTable"]).by_number("t00000", 1)
    assert issued is not None
    buyer = RegisterRepository(aws["dynamodb"], aws["tables"]["RegisterTable"]).account("t00000")
    seller = sample_seller()
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        documents(issued.invoice, buyer, seller)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def cost_table(per_tenant: dict[str, float], render: float, peppol_price: float | None) -> None:
    p = PRICES
    seconds = (
        per_tenant["requests"] * LATENCY_S
        + per_tenant["provider_calls"] * PROVIDER_LATENCY_S
        + render
        + 0.0002  # + own compute (scale.py)
    )
    rows = {
        "Lambda GB-seconds": seconds * MEMORY_GB * p["lambda_arm64_gb_second"],
        "Lambda requests": per_tenant["invocations"] * p["lambda_million_requests"] / 1e6,
        "DynamoDB reads": per_tenant["read_units"] * p["dynamodb_million_read_units"] / 1e6,
        "DynamoDB writes": per_tenant["write_units"] * p["dynamodb_million_write_units"] / 1e6,
        "DynamoDB storage, 6 years": per_tenant["invoice_item_bytes"]
        / 1e9
        * RETENTION_MONTHS
        * p["dynamodb_gb_month"],
        "S3 PUTs": per_tenant["s3_puts"] * p["s3_thousand_puts"] / 1e3,
        "S3 storage, 6 years": per_tenant["s3_bytes"] / 1e9 * RETENTION_MONTHS * p["s3_gb_month"],
        "SQS": per_tenant["sqs_requests"] * p["sqs_million_requests"] / 1e6,
        "EventBridge": per_tenant["events"] * p["eventbridge_million_events"] / 1e6,
        "SES e-mails": per_tenant["ses_emails"] * p["ses_thousand_emails"] / 1e3,
        "SES attachments": per_tenant["ses_bytes"] / 1e9 * p["ses_gb_attachments"],
        "PEPPOL messages": per_tenant["peppol_messages"] * (peppol_price or 0.0),
        "CloudWatch Logs": per_tenant["log_bytes"] / 1e9 * p["cloudwatch_logs_gb"],
    }
    sizes = (1_000, 10_000, 100_000)
    total = sum(rows.values())
    print(f"3. One monthly run, {p['currency']}, {p['region']} list prices ({p['read']})")
    print(f"   {'item':<28}" + "".join(f"{n:>14,}" for n in sizes) + "   share")
    for name, each in sorted(rows.items(), key=lambda r: -r[1]):
        print(f"   {name:<28}" + "".join(f"{each * n:>14.4f}" for n in sizes) + f"   {each / total:6.1%}")
    print(f"   {'total':<28}" + "".join(f"{total * n:>14.4f}" for n in sizes))
    top = max(rows, key=lambda k: rows[k])
    print(f"   largest: {top}; per tenant and month {total * 100:.5f} cents")
    print(
        f"   Lambda time modelled: {seconds * 1000:.0f} ms a tenant ({per_tenant['requests']:.1f} requests × "
        f"{LATENCY_S * 1000:.0f} ms, {per_tenant['provider_calls']:.1f} access point calls × "
        f"{PROVIDER_LATENCY_S * 1000:.0f} ms, documents {render * 1000:.0f} ms)"
    )
    messages = per_tenant["peppol_messages"]
    if peppol_price is None:
        print(
            f"   PEPPOL messages: {messages:.2f} a tenant ({messages * 100_000:,.0f} at 10^5 tenants), "
            f"priced at 0 here: the provider's price is the vendor's contract (--peppol-price USD)"
        )
    else:
        print(
            f"   PEPPOL messages: {messages:.2f} a tenant at {peppol_price} USD each (the operator's figure)"
        )


def main() -> None:
    logger.setLevel("ERROR")
    tenants = int(sys.argv[sys.argv.index("--tenants") + 1]) if "--tenants" in sys.argv else 40
    per_tenant = measure(tenants)
    render = per_tenant.pop("render_seconds")
    print(f"1. Measured per tenant, steady-state month, {tenants} tenants (moto, counted at botocore)")
    for name, value in per_tenant.items():
        print(f"   {name:<20} {value:10.2f}")
    print(f"2. Documents of one invoice rendered in memory: {render * 1000:.0f} ms")
    price = float(sys.argv[sys.argv.index("--peppol-price") + 1]) if "--peppol-price" in sys.argv else None
    cost_table(per_tenant, render, price)


if __name__ == "__main__":
    main()
