"""Delivery measured side by side in one run (see docs/performance.md).

Run: .venv/bin/python benchmarks/delivery.py   (``--quick`` for fewer cold-import rounds)

1. Requests per delivered invoice, through the real functions on moto and the access point's
   stand-in, counted at botocore and at the stand-in, against the floor: what delivering one
   invoice must do at the least (the SQS calls of the event source mapping are Lambda's, left out).
   - PEPPOL: one discovery and one submission; one read of the stored EHF; the record and the
     buyer read; the claim and the "taken" writes; then its outcome: one GET and one DELETE of
     the provider's queue, one read to find its invoice, the record read, settled (one write)
     and announced (one PutEvents).
   - E-mail: the record and the buyer read, the three documents read, one SendEmail, the claim
     and the "taken" writes; then SES's event: the record read, settled, announced.
2. The functions' cold import, and import plus first message, against the prescribed stack's
   floor, in fresh interpreters, interleaved, medians, as Lambda runs them (layer bytecode).
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from datetime import date
from typing import Any

from cold import Snippet, medians
from register_api import counted
from stdnum.no import orgnr

from periodyear.observability import logger
from periodyear_local import services
from periodyear_local.access_point import AccessPointStandIn
from periodyear_local.delivery import LambdaContext, deliver
from periodyear_local.demo_delivery import ses_reports_each_email_delivered
from periodyear_local.sandbox import local_aws, patched_environ
from periodyear_local.seed import batch_put, register_items, usage_item
from periodyear_local.template import LOCAL_ACCESS_POINT_KEY, PROJECT_ROOT, parameter_values

sys.path.insert(0, str(PROJECT_ROOT))  # the handlers, imported here as Lambda imports them

INVOICES = 20  # of each channel
SERVICES = ("dynamodb", "s3", "sesv2", "events", "secretsmanager", "provider")
FLOOR = {
    "peppol": {
        "dynamodb": 2 + 2 + 1 + 2,
        "s3": 1,
        "sesv2": 0,
        "events": 1,
        "secretsmanager": 0,
        "provider": 4,
    },
    "email": {
        "dynamodb": 2 + 2 + 1 + 1,
        "s3": 3,
        "sesv2": 1,
        "events": 1,
        "secretsmanager": 0,
        "provider": 1,
    },
}


def org_numbers(count: int) -> list[str]:
    """Valid (MOD11) organisation numbers, none of them real firms' as far as this data goes."""
    candidates = (str(n) for n in range(910_000_000, 920_000_000))
    found = [n for n, _ in zip((c for c in candidates if orgnr.is_valid(c)), range(count), strict=False)]
    assert len(found) == count
    return found


def _issue(aws: dict[str, Any], orgs: list[str]) -> None:
    tenants = [f"firm-{n:03d}" for n in range(len(orgs))]
    items = []
    for tenant, org in zip(tenants, orgs, strict=True):
        items += register_items(
            tenant,
            package="KOMPLETT",
            price_switch_date=date(2022, 1, 1),
            org_number=org,
            clients=[("c1", "Bakeri AS", "974760673", False)],
        )
    batch_put(aws["dynamodb"], aws["tables"]["RegisterTable"], items)
    usage = [usage_item(t, "period.closed", "2022-05-10T10:00:00Z", client_id="c1") for t in tenants]
    batch_put(aws["dynamodb"], aws["tables"]["UsageTable"], usage)
    monthly = importlib.import_module("functions.monthly_invoice.app")
    event = {"period": "2022-05", "time": "2022-06-01T02:00:00Z", "tenant_ids": tenants}
    summary = monthly.handler(
        event, LambdaContext(function_name="monthly_invoice"), services=services.billing()
    )
    assert summary["invoices_issued"] == len(tenants), summary


def measure(channel: str) -> Counter[str]:
    """Every request delivering ``INVOICES`` invoices by ``channel`` made, settlements included."""
    orgs = org_numbers(INVOICES)
    legal_entity = int(parameter_values()["AccessPointLegalEntityId"])
    with (
        local_aws("MonthlyInvoiceFunction") as aws,
        AccessPointStandIn(key=LOCAL_ACCESS_POINT_KEY, legal_entity_id=legal_entity) as stand_in,
    ):
        _issue(aws, orgs)
        stand_in.receivers = set(orgs) if channel == "peppol" else set()
        environment = aws["provisioned"].environment("DeliverInvoiceFunction") | {
            "ACCESS_POINT_URL": stand_in.url,
            "POWERTOOLS_METRICS_DISABLED": "true",  # the figures are the requests, not the EMF lines
        }
        with patched_environ(environment):
            built = services.delivery()
            function = importlib.import_module("functions.deliver_invoice.app")

            def handler(event: dict[str, Any], context: Any) -> Any:
                return function.handler(event, context, services=built)

            def collector(event: dict[str, Any], context: Any) -> Any:
                return importlib.import_module("functions.collect_outcomes.app").handler(
                    event, context, services=built
                )

            queue = environment["DELIVERY_QUEUE_URL"]
            with counted() as calls:
                deliver(queue, handler, batch_size=10, function_name="deliver_invoice")
                if channel == "peppol":
                    collector({}, LambdaContext(function_name="collect_outcomes", timeout_ms=240_000))
            if channel == "email":  # SES's events (not the project's requests), then their handling
                ses_reports_each_email_delivered(environment, aws["tables"])
                with counted() as settling:
                    deliver(queue, handler, batch_size=10, function_name="deliver_invoice")
                calls.update(settling)
        found: Counter[str] = Counter()
        for name, count in calls.items():
            service = name.split(":", 1)[0]
            if service != "sqs":
                found[service] += count
        found["provider"] = len(stand_in.requests)
        assert not stand_in.violations, stand_in.violations
        return found


def requests_per_invoice() -> None:
    print(
        f"1. Requests per delivered invoice ({INVOICES} invoices a channel; moto and the provider's stand-in)"
    )
    for channel in ("peppol", "email"):
        found = measure(channel)
        total = sum(found[s] for s in SERVICES) / INVOICES
        floor = sum(FLOOR[channel].values())
        parts = ", ".join(
            f"{s} {found[s] / INVOICES:.2f}/{FLOOR[channel][s]}"
            for s in SERVICES
            if found[s] or FLOOR[channel][s]
        )
        print(f"   {channel:<6} {total:5.2f} requests / floor {floor} = {total / floor:.2f} ×   ({parts})")


STACK_FLOOR = (
    "import boto3\nfrom aws_lambda_powertools import Logger, Metrics\n"
    "from aws_lambda_powertools.utilities.batch import BatchProcessor\n"
    "from pydantic import BaseModel, StrictStr\n"
    "class Event(BaseModel):\n    time: StrictStr | None = None"
)
# A first message as the queue hands it on: the service is built (settings, seller, clients), then
# the message, malformed, is refused before any AWS call.
FIRST_MESSAGE = (
    "import functions.deliver_invoice.app as app\nfrom types import SimpleNamespace\n"
    "context = SimpleNamespace(function_name='f', memory_limit_in_mb=512, aws_request_id='r',"
    " invoked_function_arn='arn:aws:lambda:eu-north-1:1:function:f',"
    " get_remaining_time_in_millis=lambda: 1000)\n"
    "record = {'messageId': 'm', 'receiptHandle': 'h', 'body': '{}',"
    " 'attributes': {'ApproximateReceiveCount': '1'}, 'messageAttributes': {}, 'md5OfBody': '',"
    " 'eventSource': 'aws:sqs',"
    " 'eventSourceARN': 'arn:aws:sqs:eu-north-1:1:q', 'awsRegion': 'eu-north-1'}\n"
    "try:\n    app.handler({'Records': [record]}, context)\n"
    "except Exception:\n    pass  # refused, as every record of the batch: Powertools raises"
)


CLIENT_FLOOR = STACK_FLOOR + "\nboto3.client('dynamodb')"
CLIENT_FLOOR_NAME = "floor + a DynamoDB client (every message reads its record)"


def cold(rounds: int) -> None:
    print(
        f"2. Cold start, fresh interpreter, as Lambda runs it with the layer's bytecode, median of {rounds}"
    )
    snippets: dict[str, Snippet] = {
        "floor: boto3 + Powertools (Logger, Metrics, batch) + pydantic": (STACK_FLOOR, None),
        CLIENT_FLOOR_NAME: (CLIENT_FLOOR, None),
        "deliver_invoice": ("import functions.deliver_invoice.app", "DeliverInvoiceFunction"),
        "deliver_invoice + a first message": (FIRST_MESSAGE, "DeliverInvoiceFunction"),
        "collect_outcomes": ("import functions.collect_outcomes.app", "CollectOutcomesFunction"),
    }
    found = medians(snippets, rounds, as_lambda=True, compiled=True)
    floor = found["floor: boto3 + Powertools (Logger, Metrics, batch) + pydantic"]
    for name, seconds in found.items():
        against, which = (
            (found[CLIENT_FLOOR_NAME], "floor + client") if "message" in name else (floor, "floor")
        )
        print(f"   {name:<62} {1000 * seconds:6.0f} ms = {seconds / against:.2f} × {which}")


def main() -> None:
    logger.setLevel("ERROR")
    requests_per_invoice()
    cold(3 if "--quick" in sys.argv else 9)


if __name__ == "__main__":
    main()
