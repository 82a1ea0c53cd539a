"""A fanned-out billing run's record, kept in the invoices table beside the invoices.

``pk = RUN#<run_id>``: ``sk = RUN`` holds the plan, the counters and, once complete, the
summary; ``sk = BATCH#<nnnnnn>`` marks a counted batch and keeps what it came to (its failures,
pending documents and invoice numbers). No sk here begins with ``INVOICE#`` (CONTRACT §6).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.items import from_item, to_item
from periodyear.domain.calendar import format_instant
from periodyear.domain.runs import BatchReport, RunRecord, RunStatus, Tally

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_COUNTERS = [f.name for f in fields(Tally)]
_HEADER = ("run_id", "kind", "period", "issue_date", "dry_run")


def _pk(run_id: str) -> str:
    return f"RUN#{run_id}"


def _tally(values: Mapping[str, Any]) -> Tally:
    counts: dict[str, Any] = {name: int(values.get(name, 0)) for name in _COUNTERS if name != "total_billed"}
    return Tally(**counts, total_billed=Decimal(values.get("total_billed", 0)).quantize(Decimal("0.01")))


def _plain(value: Any) -> Any:
    """A stored summary as JSON has it: DynamoDB gives every number back as a Decimal."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


def _failed_condition(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class RunRepository:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, run_id: str) -> dict[str, Any]:
        return {"pk": {"S": _pk(run_id)}, "sk": {"S": "RUN"}}

    def get(self, run_id: str) -> RunRecord | None:
        raw = self._client.get_item(TableName=self._table, Key=self._key(run_id), ConsistentRead=True).get(
            "Item"
        )
        if not raw:
            return None
        item = from_item(raw)
        return RunRecord(
            header={name: item[name] for name in _HEADER},
            tenants_planned=int(item["tenants_planned"]),
            batches_planned=int(item["batches_planned"]),
            batches_done=int(item.get("batches_done", 0)),
            tally=_tally(item),
            status=RunStatus(item["status"]),
            batches_sent="batches_sent_at" in item,
            summary=_plain(item["summary"]) if "summary" in item else None,
            announced="announced_at" in item,
        )

    def start(self, header: Mapping[str, Any], *, tenants: int, batches: int, at: datetime) -> RunRecord:
        """Create the run record; a run that exists already is returned as it is."""
        run_id = str(header["run_id"])
        item = {
            "pk": _pk(run_id),
            "sk": "RUN",
            **{name: header[name] for name in _HEADER},
            "tenants_planned": tenants,
            "batches_planned": batches,
            "batches_done": 0,
            **{name: 0 for name in _COUNTERS},
            "status": RunStatus.PLANNED.value,
            "planned_at": format_instant(at),
        }
        try:
            self._client.put_item(
                TableName=self._table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise
        record = self.get(run_id)
        if record is None:  # pragma: no cover - written or found just above
            raise RuntimeError(f"run {run_id} vanished")
        return record

    def batches_sent(self, run_id: str, at: datetime) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=self._key(run_id),
            UpdateExpression="SET batches_sent_at = :at",
            ExpressionAttributeValues={":at": {"S": format_instant(at)}},
        )

    def record_batch(self, run_id: str, report: BatchReport) -> bool:
        """Count the batch on the run, once: False when it was counted already."""
        marker = {
            "pk": _pk(run_id),
            "sk": f"BATCH#{report.batch:06d}",
            "tally": report.tally.as_dict(),
            "failed": report.failed,
            "pending": report.pending,
            "invoice_numbers": report.invoice_numbers,
            "held": report.held,
        }
        additions = {f":{name}": to_item({"v": value})["v"] for name, value in report.tally.as_dict().items()}
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(marker),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": self._key(run_id),
                            "UpdateExpression": "ADD batches_done :one, "
                            + ", ".join(f"{name} :{name}" for name in _COUNTERS),
                            "ConditionExpression": "attribute_exists(pk)",
                            "ExpressionAttributeValues": {":one": {"N": "1"}, **additions},
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def batch_reports(self, run_id: str) -> Iterator[BatchReport]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :batch)",
            ExpressionAttributeValues={":pk": {"S": _pk(run_id)}, ":batch": {"S": "BATCH#"}},
            ConsistentRead=True,
        )
        for page in pages:
            for raw in page["Items"]:
                item = from_item(raw)
                yield BatchReport(
                    batch=int(item["sk"].removeprefix("BATCH#")),
                    tally=_tally(item["tally"]),
                    failed=list(item.get("failed", [])),
                    pending=list(item.get("pending", [])),
                    invoice_numbers=[int(n) for n in item.get("invoice_numbers", [])],
                    held=list(item.get("held", [])),
                )

    def complete(self, run_id: str, summary: Mapping[str, Any], at: datetime) -> bool:
        """Claim the run's completion: True for the one caller that stores its summary."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(run_id),
                UpdateExpression="SET #status = :completed, summary = :summary, completed_at = :at",
                ConditionExpression="#status = :planned AND batches_done >= batches_planned",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":completed": {"S": RunStatus.COMPLETED.value},
                    ":planned": {"S": RunStatus.PLANNED.value},
                    ":summary": to_item({"v": dict(summary)})["v"],
                    ":at": {"S": format_instant(at)},
                },
            )
        except ClientError as error:
            if _failed_condition(error):
                return False
            raise
        return True

    def announced(self, run_id: str, at: datetime) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=self._key(run_id),
            UpdateExpression="SET announced_at = :at",
            ExpressionAttributeValues={":at": {"S": format_instant(at)}},
        )
