"""The demo's delivery chapter: every invoice the demo issued reaches its firm (CONTRACT §10).

The access point is a local stand-in that validates every request against the provider's
published OpenAPI document (``../shared/accesspoint``); every third firm receives through
PEPPOL. The delivery queue is delivered to the real function, as Lambda's event source mapping
would; the outcome collector runs as its schedule would; and since moto does not publish SES's
events, the chapter puts on the default bus what SES's configuration set would: each e-mail
delivered. The e-mails are written as ``invoice-mail/*.eml`` as their readers get them.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from rich.console import Console

from periodyear.adapters.deliveries import DeliveryRecords
from periodyear.adapters.register import RegisterRepository
from periodyear.delivery.service import tags
from periodyear.domain.delivery import Channel, Delivery, Status
from periodyear_local import services
from periodyear_local.access_point import AccessPointStandIn
from periodyear_local.delivery import LambdaContext, deliver
from periodyear_local.demo_context import DemoContext
from periodyear_local.sandbox import REGION, patched_environ
from periodyear_local.template import LOCAL_ACCESS_POINT_KEY, parameter_values

RECEIVER_EVERY = 3  # every third firm (by tenant id) receives its invoices through PEPPOL


@dataclass(frozen=True)
class Delivered:
    by_channel: dict[str, int]
    not_delivered: list[str]  # "<tenant> invoice <number>: <status>"
    emails: list[Path]
    submissions: int
    violations: list[str]


def delivery_chapter(context: DemoContext, already_sent: int) -> Delivered:
    """Deliver every invoice on the delivery queue; ``already_sent``: SES messages sent before
    (the notices), which are not invoices."""
    names = context.provisioned.names
    dynamodb = context.clients.dynamodb()
    tenants = sorted(RegisterRepository(dynamodb, names["RegisterTable"]).tenant_ids())
    legal_entity = int(parameter_values()["AccessPointLegalEntityId"])
    with AccessPointStandIn(key=LOCAL_ACCESS_POINT_KEY, legal_entity_id=legal_entity) as stand_in:
        stand_in.receivers = _receivers(dynamodb, names["RegisterTable"], tenants[::RECEIVER_EVERY])
        environment = context.provisioned.environment("DeliverInvoiceFunction") | {
            "ACCESS_POINT_URL": stand_in.url,
            "POWERTOOLS_METRICS_DISABLED": "true",  # the chapter prints its own summary
        }
        with patched_environ(environment):
            built = services.delivery()  # the functions' services in their environment
            function = importlib.import_module("functions.deliver_invoice.app")

            def handler(event: dict[str, Any], context: Any) -> Any:
                return function.handler(event, context, services=built)

            deliver(
                environment["DELIVERY_QUEUE_URL"], handler, batch_size=10, function_name="deliver_invoice"
            )
            collector = importlib.import_module("functions.collect_outcomes.app").handler
            collector({}, LambdaContext(function_name="collect_outcomes", timeout_ms=240_000), services=built)
            ses_reports_each_email_delivered(environment, names)
            deliver(
                environment["DELIVERY_QUEUE_URL"], handler, batch_size=10, function_name="deliver_invoice"
            )
            found = every_delivery(names)
        emails = _write_emails(context.out / "invoice-mail", already_sent)
        return Delivered(
            by_channel=dict(
                Counter(d.channel.value for d in found if d.status is Status.DELIVERED and d.channel)
            ),
            not_delivered=[
                f"{d.ref.tenant_id} invoice {d.ref.invoice_number}: {d.status.value}"
                for d in found
                if d.status is not Status.DELIVERED
            ],
            emails=emails,
            submissions=len(stand_in.submissions),
            violations=list(stand_in.violations),
        )


def _receivers(dynamodb: Any, table: str, tenants: list[str]) -> set[str]:
    register = RegisterRepository(dynamodb, table)
    return {register.account(t).org_number for t in tenants}


def _issued(dynamodb: Any, names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Every invoice in the table, as (tenant, kind, period): the demo's table is small."""
    found = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=names["InvoicesTable"],
        FilterExpression="begins_with(sk, :invoice)",
        ExpressionAttributeValues={":invoice": {"S": "INVOICE#"}},
        ProjectionExpression="tenant_id, sk",
    ):
        for item in page["Items"]:
            _, kind, period = item["sk"]["S"].split("#")
            found.append((item["tenant_id"]["S"], kind, period))
    return found


def every_delivery(names: Mapping[str, str]) -> list[Delivery]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    records = DeliveryRecords(dynamodb, names["InvoicesTable"])
    return list(records.many(_issued(dynamodb, names)).values())


def ses_reports_each_email_delivered(environment: Mapping[str, str], names: Mapping[str, str]) -> None:
    """What SES's configuration set puts on the default bus once a mail server took each e-mail
    (moto publishes no SES events)."""
    configuration_set = environment["INVOICE_CONFIGURATION_SET"]
    entries = []
    for delivery in every_delivery(names):
        send = delivery.sends.get(delivery.current or "")
        if delivery.channel is not Channel.EMAIL or send is None or not send.reference:
            continue
        named = tags(delivery.ref, delivery.current or "") | {"ses:configuration-set": configuration_set}
        detail = {
            "eventType": "Delivery",
            "mail": {"messageId": send.reference, "tags": {k: [v] for k, v in named.items()}},
            "delivery": {"recipients": [send.recipient]},
        }
        entries.append({"Source": "aws.ses", "DetailType": "Email Delivered", "Detail": json.dumps(detail)})
    events = boto3.client("events", region_name=REGION)
    for start in range(0, len(entries), 10):
        events.put_events(Entries=entries[start : start + 10])  # type: ignore[arg-type]


def _write_emails(folder: Path, already_sent: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages[already_sent:]
    paths = []
    for number, message in enumerate(sent, start=1):
        path = folder / f"{number:03d}.eml"
        path.write_bytes(message.raw_data.encode())
        paths.append(path)
    return paths


def sent_count() -> int:
    return len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def report_delivery(console: Console, delivered: Delivered) -> None:
    total = sum(delivered.by_channel.values()) + len(delivered.not_delivered)
    peppol = delivered.by_channel.get("peppol", 0)
    console.print(
        f"{total} invoices and credit notes: {peppol} delivered through PEPPOL "
        f"({delivered.submissions} submissions to the access point's stand-in, every request checked against "
        f"its OpenAPI document: {len(delivered.violations)} violations), "
        f"{delivered.by_channel.get('email', 0)} by e-mail ({len(delivered.emails)} e-mails), "
        f"{len(delivered.not_delivered)} not delivered",
        highlight=False,
    )
    for line in delivered.not_delivered:
        console.print(f"  [yellow]not delivered[/] {line}")
    if delivered.emails:
        console.print(f"E-mails written as .eml files under {delivered.emails[0].parent}")
