"""The usage table (CONTRACT §3): one sort-key range query per meter and period."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from periodyear.adapters.items import from_item, tenant_pk
from periodyear.domain.calendar import Period
from periodyear.domain.meters import METER_SOURCES, Meter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class UsageRepository:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def read(self, tenant_id: str, meter: Meter, period: Period) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(reference, attributes)`` of the items of the meter's type in the period.

        sk = ``<type>#<occurred_at>#<event_id>``. The range is BETWEEN ``<type>#<start>``
        and ``<type>#<end>``: an item at exactly ``end`` sorts after ``<type>#<end>``
        (its sk continues with ``#<event_id>``), so the end stays exclusive.
        """
        usage_type = METER_SOURCES[meter].usage_type
        start, end = period.utc_bounds()
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": tenant_pk(tenant_id)},
                ":low": {"S": f"{usage_type}#{start}"},
                ":high": {"S": f"{usage_type}#{end}"},
            },
        )
        for page in pages:
            for raw in page["Items"]:
                item = from_item(raw)
                yield str(item.get("sk")), item
