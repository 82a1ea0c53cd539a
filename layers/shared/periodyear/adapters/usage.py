"""The usage table (CONTRACT §3): one sort-key range query per meter, over the billed period and
the period it reviews (CONTRACT §5a)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise
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

    def read(
        self, tenant_id: str, meter: Meter, periods: Sequence[Period]
    ) -> Iterator[tuple[Period, str, dict[str, Any]]]:
        """``(period, reference, attributes)`` of the items of the meter's type in ``periods``
        (adjacent, ascending: the reviewed period and the billed one), read by one range query.

        sk = ``<type>#<occurred_at>#<event_id>``. The range is BETWEEN ``<type>#<start>``
        and ``<type>#<end>``: an item at exactly ``end`` sorts after ``<type>#<end>``
        (its sk continues with ``#<event_id>``), so the end stays exclusive. Each item is
        given the period its sort key falls in, by the same bounds.
        """
        if not periods or any(a.end != b.start for a, b in pairwise(periods)):
            raise ValueError("usage is read over adjacent periods, in order")
        usage_type = METER_SOURCES[meter].usage_type
        ends = [(period, f"{usage_type}#{period.utc_bounds()[1]}") for period in periods]
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": tenant_pk(tenant_id)},
                ":low": {"S": f"{usage_type}#{periods[0].utc_bounds()[0]}"},
                ":high": {"S": ends[-1][1]},
            },
        )
        for page in pages:
            for raw in page["Items"]:
                item = from_item(raw)
                sk = str(item.get("sk"))
                yield next(period for period, end in ends if sk <= end), sk, item
