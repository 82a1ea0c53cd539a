"""Delivery records in the invoices table, the buyer's addresses from the register, and the
stored documents read back from S3 (CONTRACT §10).

A delivery is one item beside its invoice: ``pk`` = ``TENANT#<id>``, ``sk`` =
``DELIVERY#<KIND>#<period>`` (CONTRACT §6: the project's own items never begin with
``INVOICE#``). Every change is a put conditioned on the version it was read at, so two workers
never both claim one cause; the loser reads again (``Moved``). A submission's guid points back
to its invoice through an item ``pk`` = ``SUBMISSION#<guid>``, ``sk`` = ``SUBMISSION``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters import register_items
from periodyear.adapters.errors import error_code
from periodyear.adapters.items import from_item, tenant_pk, to_item
from periodyear.domain.calendar import PeriodKind, format_instant, parse_instant
from periodyear.domain.delivery import Attempt, Buyer, Channel, Delivery, InvoiceRef, Send, Status
from periodyear.domain.sending import Moved

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

SUBMISSION_SK = "SUBMISSION"


def delivery_sk(kind: PeriodKind | str, period: str) -> str:
    return f"DELIVERY#{PeriodKind(kind).value}#{period}"


def _instant(value: datetime | None) -> str | None:
    return format_instant(value) if value is not None else None


def _optional_instant(value: Any) -> datetime | None:
    return parse_instant(value) if value else None


def delivery_item(delivery: Delivery) -> dict[str, Any]:
    ref = delivery.ref
    return {
        "pk": tenant_pk(ref.tenant_id),
        "sk": delivery_sk(ref.kind, ref.period),
        "tenant_id": ref.tenant_id,
        "kind": ref.kind.value,
        "period": ref.period,
        "invoice_number": ref.invoice_number,
        "facts": dict(delivery.facts),
        "status": delivery.status.value,
        "channel": delivery.channel.value if delivery.channel else None,
        "recipient": delivery.recipient,
        "current": delivery.current,
        "sends": {
            cause: {
                k: v
                for k, v in {
                    "channel": s.channel.value,
                    "recipient": s.recipient,
                    "claimed_at": format_instant(s.claimed_at),
                    "sent_at": _instant(s.sent_at),
                    "reference": s.reference,
                    "settled": s.settled,
                }.items()
                if v is not None
            }
            for cause, s in delivery.sends.items()
        },
        "attempts": [
            {
                k: v
                for k, v in {
                    "channel": a.channel.value,
                    "at": format_instant(a.at),
                    "outcome": a.outcome,
                    "detail": a.detail,
                }.items()
                if v is not None
            }
            for a in delivery.attempts
        ],
        "announce": dict(delivery.announce) if delivery.announce else None,
        "updated_at": format_instant(delivery.updated_at),
        "version": delivery.version,
    }


def delivery_from_item(item: Mapping[str, Any]) -> Delivery:
    ref = InvoiceRef(
        tenant_id=str(item["tenant_id"]),
        kind=PeriodKind(item["kind"]),
        period=str(item["period"]),
        invoice_number=int(item["invoice_number"]),
    )
    sends = {
        str(cause): Send(
            channel=Channel(s["channel"]),
            recipient=str(s["recipient"]),
            claimed_at=parse_instant(s["claimed_at"]),
            sent_at=_optional_instant(s.get("sent_at")),
            reference=s.get("reference"),
            settled=s.get("settled"),
        )
        for cause, s in dict(item.get("sends", {})).items()
    }
    attempts = tuple(
        Attempt(Channel(a["channel"]), parse_instant(a["at"]), str(a["outcome"]), a.get("detail"))
        for a in item.get("attempts", [])
    )
    return Delivery(
        ref=ref,
        facts=_plain(item.get("facts", {})),
        status=Status(item["status"]),
        updated_at=parse_instant(item["updated_at"]),
        channel=Channel(item["channel"]) if item.get("channel") else None,
        recipient=item.get("recipient"),
        current=item.get("current"),
        sends=sends,
        attempts=attempts,
        announce=_plain(item["announce"]) if item.get("announce") else None,
        version=int(item["version"]),
    )


def _plain(value: Any) -> Any:
    """Numbers read back as Decimal: whole ones as int (an invoice number), others kept."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if not isinstance(value, bool) and hasattr(value, "as_integer_ratio") and value == int(value):
        return int(value)
    return value


class DeliveryRecords:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, tenant_id: str, kind: PeriodKind | str, period: str) -> dict[str, Any]:
        return {"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": delivery_sk(kind, period)}}

    def get(self, tenant_id: str, kind: PeriodKind | str, period: str) -> Delivery | None:
        raw = self._client.get_item(
            TableName=self._table, Key=self._key(tenant_id, kind, period), ConsistentRead=True
        ).get("Item")
        return delivery_from_item(from_item(raw)) if raw else None

    def save(self, delivery: Delivery) -> Delivery:
        """Write the delivery if it is still at the version it was read at (a new one: absent);
        returns it at its new version. ``Moved`` when another worker changed it first."""
        saved = _next_version(delivery)
        condition = "attribute_not_exists(pk)" if delivery.version == 0 else "version = :version"
        values = {":version": {"N": str(delivery.version)}} if delivery.version else None
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(delivery_item(saved)),
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),  # type: ignore[arg-type]
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise Moved(f"delivery of invoice {delivery.ref.invoice_number} changed") from None
            raise
        return saved

    def link_submission(self, guid: str, ref: InvoiceRef) -> None:
        """Where the access point's outcomes for ``guid`` belong (the same put, however often)."""
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": f"SUBMISSION#{guid}",
                    "sk": SUBMISSION_SK,
                    "tenant_id": ref.tenant_id,
                    "kind": ref.kind.value,
                    "period": ref.period,
                    "invoice_number": ref.invoice_number,
                }
            ),
        )

    def submission(self, guid: str) -> InvoiceRef | None:
        raw = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": f"SUBMISSION#{guid}"}, "sk": {"S": SUBMISSION_SK}},
            ConsistentRead=True,
        ).get("Item")
        if not raw:
            return None
        item = from_item(raw)
        return InvoiceRef(
            str(item["tenant_id"]), PeriodKind(item["kind"]), str(item["period"]), int(item["invoice_number"])
        )

    def invoice_numbers(self, tenant_ids: Iterable[str], kind: PeriodKind, period: str) -> dict[str, int]:
        """Which of these tenants has an invoice for the period, and its number (for the
        operator's list of what is not delivered), 100 to a ``BatchGetItem``."""
        keys = [
            {"pk": {"S": tenant_pk(t)}, "sk": {"S": f"INVOICE#{kind.value}#{period}"}} for t in tenant_ids
        ]
        found: dict[str, int] = {}
        for raw in self._batch_get(keys, "tenant_id, invoice_number"):
            item = from_item(raw)
            found[str(item["tenant_id"])] = int(item["invoice_number"])
        return found

    def _batch_get(
        self, keys: Sequence[dict[str, Any]], projection: str | None = None
    ) -> Iterator[dict[str, Any]]:
        for start in range(0, len(keys), 100):
            pending: Sequence[dict[str, Any]] = keys[start : start + 100]
            while pending:
                request: dict[str, Any] = {"Keys": list(pending), "ConsistentRead": True}
                if projection:
                    request["ProjectionExpression"] = projection
                response = self._client.batch_get_item(RequestItems={self._table: request})  # type: ignore[dict-item]
                yield from response.get("Responses", {}).get(self._table, [])
                unprocessed: Any = response.get("UnprocessedKeys", {})
                pending = list(unprocessed.get(self._table, {}).get("Keys", []))

    def many(self, keys: Iterable[tuple[str, PeriodKind | str, str]]) -> dict[tuple[str, str, str], Delivery]:
        """The deliveries of these invoices (tenant, kind, period) that exist, 100 to a
        ``BatchGetItem``, keyed by (tenant, kind, period)."""
        wanted = [self._key(*key) for key in dict.fromkeys((t, PeriodKind(k).value, p) for t, k, p in keys)]
        found: dict[tuple[str, str, str], Delivery] = {}
        for raw in self._batch_get(wanted):
            delivery = delivery_from_item(from_item(raw))
            ref = delivery.ref
            found[(ref.tenant_id, ref.kind.value, ref.period)] = delivery
        return found


def _next_version(delivery: Delivery) -> Delivery:
    return replace(delivery, version=delivery.version + 1)


class Buyers:
    """Where a tenant's invoices go, read from its PROFILE in the register table."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def buyer(self, tenant_id: str) -> Buyer | None:
        raw = self._client.get_item(
            TableName=self._table,
            Key=register_items.key(tenant_id, register_items.PROFILE),
            ConsistentRead=True,
            **register_items.BUYER_READ,
        ).get("Item")
        return register_items.buyer(tenant_id, from_item(raw)) if raw else None


class QueuedResends:
    """Requests for the delivery function on its queue: a resend (``{"resend": …}``) and the
    e-mail instead of a refused submission (``{"fallback": …}``)."""

    def __init__(self, client: SQSClient, url: str) -> None:
        self._client = client
        self._url = url

    def request(self, message: Mapping[str, Any]) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps({"resend": dict(message)}))

    def fallback(self, ref: InvoiceRef) -> None:
        body = {
            "tenant_id": ref.tenant_id,
            "kind": ref.kind.value,
            "period": ref.period,
            "invoice_number": ref.invoice_number,
        }
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps({"fallback": body}))


class StoredDocuments:
    """The invoice documents as stored (the delivery function may read them, never write)."""

    def __init__(self, client: S3Client) -> None:
        self._client = client

    def read(self, bucket: str, key: str) -> bytes:
        return self._client.get_object(Bucket=bucket, Key=key)["Body"].read()
