"""A fanned-out billing run's record, kept in the invoices table beside the invoices.

``pk = RUN#<run_id>``: ``sk = RUN`` holds the plan's size, the counters and, once complete,
the summary; ``sk = PLAN#<plan_id>#<nnnn>`` hold the planning attempt's batches (their tenant
ids, in order), written before the run record names that attempt, so a retried planner hands
on exactly the batches of the first; ``sk = BATCH#<nnnnnn>`` marks a counted batch and keeps
what it came to (its failures, pending documents and invoice numbers). No sk here begins with
``INVOICE#`` (CONTRACT §6).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import error_code, transact_write
from periodyear.adapters.items import from_item, item_size, to_item
from periodyear.domain.calendar import format_instant, parse_instant
from periodyear.domain.runs import ANNOUNCE_LEASE, BatchReport, RunRecord, RunStatus, Tally

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_COUNTERS = [f.name for f in fields(Tally)]
_HEADER = ("run_id", "kind", "period", "issue_date", "dry_run")
PLAN_ITEM_BYTES = 300_000  # of tenant ids in one PLAN# item (DynamoDB holds 400 KB)


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
    return error_code(error) == "ConditionalCheckFailedException"


def _plan_chunks(batches: Sequence[Sequence[str]]) -> Iterator[list[list[str]]]:
    """The batches in runs of at most ``PLAN_ITEM_BYTES``, in order."""
    chunk: list[list[str]] = []
    size = 0
    for batch in batches:
        batch_bytes = item_size({"b": list(batch)})
        if chunk and size + batch_bytes > PLAN_ITEM_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(list(batch))
        size += batch_bytes
    if chunk:
        yield chunk


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
            plan_id=str(item.get("plan_id", "")),
            announcing_until=parse_instant(item["announcing_until"]) if "announcing_until" in item else None,
        )

    def start(
        self, header: Mapping[str, Any], *, batches: Sequence[Sequence[str]], plan_id: str, at: datetime
    ) -> RunRecord:
        """Store this planning attempt's batches, then create the run record naming it; a run
        that exists already is returned as it is (its own attempt's batches stand)."""
        run_id = str(header["run_id"])
        chunks = list(_plan_chunks(batches))
        # A few items a run (300 KB each), put one by one: the role has no BatchWrite grant. The
        # plan id is this attempt's own, so a put repeated after a lost answer writes the same item.
        for n, chunk in enumerate(chunks, 1):
            self._client.put_item(
                TableName=self._table,
                Item=to_item({"pk": _pk(run_id), "sk": f"PLAN#{plan_id}#{n:04d}", "batches": chunk}),
            )
        item = {
            "pk": _pk(run_id),
            "sk": "RUN",
            **{name: header[name] for name in _HEADER},
            "tenants_planned": sum(len(b) for b in batches),
            "batches_planned": len(batches),
            "batches_done": 0,
            **{name: 0 for name in _COUNTERS},
            "status": RunStatus.PLANNED.value,
            "planned_at": format_instant(at),
            "plan_id": plan_id,
            "plan_items": len(chunks),
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

    def planned_batches(self, record: RunRecord) -> list[list[str]]:
        """The batches the run's planning attempt stored, in order."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :plan)",
            ExpressionAttributeValues={
                ":pk": {"S": _pk(record.run_id)},
                ":plan": {"S": f"PLAN#{record.plan_id}#"},
            },
            ConsistentRead=True,
        )
        items = sorted((from_item(raw) for page in pages for raw in page["Items"]), key=lambda i: i["sk"])
        batches = [[str(t) for t in batch] for item in items for batch in item["batches"]]
        if len(batches) != record.batches_planned:
            raise RuntimeError(
                f"run {record.run_id}: {len(batches)} batches stored, {record.batches_planned} planned"
            )
        return batches

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
        mark = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(marker),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        counted = transact_write(
            self._client,
            [
                mark,
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
            ],
        )
        if counted.failed(mark):
            return False  # the batch's marker exists: counted by an earlier delivery
        counted.raise_for_conditions()
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
        """Claim the run's completion, and with it the announcement until ``at`` + the lease:
        True for the one caller that stores its summary and then puts it on the bus."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(run_id),
                UpdateExpression="SET #status = :completed, summary = :summary, completed_at = :at, "
                "announcing_until = :until",
                ConditionExpression="#status = :planned AND batches_done >= batches_planned",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":completed": {"S": RunStatus.COMPLETED.value},
                    ":planned": {"S": RunStatus.PLANNED.value},
                    ":summary": to_item({"v": dict(summary)})["v"],
                    ":at": {"S": format_instant(at)},
                    ":until": {"S": format_instant(at + ANNOUNCE_LEASE)},
                },
            )
        except ClientError as error:
            if _failed_condition(error):
                return False
            raise
        return True

    def claim_announcement(self, run_id: str, at: datetime) -> bool:
        """Take over a completed run's announcement whose claim has run out (its holder died)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(run_id),
                UpdateExpression="SET announcing_until = :until",
                ConditionExpression="#status = :completed AND attribute_not_exists(announced_at) "
                "AND (attribute_not_exists(announcing_until) OR announcing_until <= :at)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":completed": {"S": RunStatus.COMPLETED.value},
                    ":at": {"S": format_instant(at)},
                    ":until": {"S": format_instant(at + ANNOUNCE_LEASE)},
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
            UpdateExpression="SET announced_at = :at REMOVE announcing_until",
            ExpressionAttributeValues={":at": {"S": format_instant(at)}},
        )
