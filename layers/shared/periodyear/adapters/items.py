"""Plain Python values ⇄ DynamoDB attribute values (numbers as ``Decimal``, never float)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _value_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, int | Decimal):
        return len(str(value)) // 2 + 2  # DynamoDB: about one byte per two digits, plus one
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, Mapping):
        return 3 + sum(len(str(k).encode()) + 1 + _value_size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return 3 + sum(1 + _value_size(v) for v in value)
    if isinstance(value, set | frozenset):
        return sum(_value_size(v) for v in value)
    raise TypeError(f"no DynamoDB size for {type(value).__name__}")


def item_size(values: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it (names plus values; a slight over-estimate)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in values.items() if value is not None)


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def tenant_partition(
    client: DynamoDBClient, table: str, tenant_id: str, *, consistent: bool = False
) -> Iterator[dict[str, Any]]:
    """Every item of a tenant's partition (``pk = TENANT#<id>``), page by page, as plain values."""
    return partition(client, table, tenant_pk(tenant_id), consistent=consistent)


def partition(
    client: DynamoDBClient, table: str, pk: str, *, consistent: bool = False
) -> Iterator[dict[str, Any]]:
    """Every item of the partition ``pk``, page by page, as plain values."""
    pages = client.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=consistent,
    )
    for page in pages:
        for raw in page["Items"]:
            yield from_item(raw)


def batch_write(
    client: DynamoDBClient,
    table: str,
    items: Iterable[Mapping[str, Any]],
    *,
    max_attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put items 25 at a time, resending what DynamoDB leaves unprocessed with jittered back-off."""
    written = 0
    batch: list[Mapping[str, Any]] = []

    def flush() -> None:
        requests: list[Any] = [{"PutRequest": {"Item": to_item(item)}} for item in batch]
        for attempt in range(max_attempts):
            response = client.batch_write_item(RequestItems={table: requests})
            requests = list(response.get("UnprocessedItems", {}).get(table, []))
            if not requests:
                batch.clear()
                return
            sleep(min(2.0, 0.05 * 2**attempt) * random.random())
        raise RuntimeError(f"{len(requests)} items stayed unprocessed after {max_attempts} attempts")

    for item in items:
        batch.append(item)
        written += 1
        if len(batch) == 25:
            flush()
    if batch:
        flush()
    return written
