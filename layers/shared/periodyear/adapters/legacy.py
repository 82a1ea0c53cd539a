"""The old platform's store (CONTRACT §1): read a tenant, list tenants to move, mark a moved one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from periodyear.adapters.items import tenant_partition, tenant_pk
from periodyear.domain.calendar import format_instant
from periodyear.domain.migration import LegacyClient, LegacyTenant, Person

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _id(item: dict[str, Any], name: str) -> str:
    """An id as text; a missing or non-text id is empty, and the domain refuses it by its item's key."""
    value = item.get(name)
    return value if isinstance(value, str) else ""


def _client(item: dict[str, Any]) -> LegacyClient:
    return LegacyClient(
        _id(item, "client_id"), str(item.get("name", "")), str(item.get("org_number", "")), str(item["sk"])
    )


def legacy_tenant(tenant_id: str, items: Iterable[dict[str, Any]]) -> LegacyTenant:
    """A tenant's legacy items (CONTRACT §1) as the domain reads them; the domain judges them."""
    profile: dict[str, Any] | None = None
    agreement: dict[str, Any] | None = None
    clients: list[LegacyClient] = []
    bureau: LegacyClient | None = None
    users: list[Person] = []
    for item in items:
        sk = item["sk"]
        if sk == "PROFILE":
            profile = item
        elif sk == "AGREEMENT":
            agreement = item
        elif sk == "BUREAU_CLIENT":
            bureau = _client(item)
        elif sk.startswith("CLIENT#"):
            clients.append(_client(item))
        elif sk.startswith("USER#"):
            users.append(
                Person(
                    _id(item, "user_id"),
                    str(item.get("name", "")),
                    str(item.get("email", "")),
                    str(item.get("role", "")),
                    sk,
                )
            )
    interval = agreement.get("interval_months") if agreement else None
    if agreement is not None and isinstance(interval, Decimal) and interval == interval.to_integral_value():
        agreement["interval_months"] = int(interval)  # a DynamoDB Number reads back as Decimal
    return LegacyTenant(tenant_id, profile, agreement, tuple(clients), bureau, tuple(users))


class LegacyRepository:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def load(self, tenant_id: str) -> LegacyTenant:
        """Every item of the tenant, page by page (empty profile/agreement when absent)."""
        return legacy_tenant(
            tenant_id, tenant_partition(self._client, self._table, tenant_id, consistent=True)
        )

    def holds_unmoved(self, tenant_id: str) -> bool:
        """The old platform holds this tenant and has not marked it moved (one GetItem)."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": "PROFILE"}},
            ProjectionExpression="migration_status",
            ConsistentRead=True,
        ).get("Item")
        return item is not None and item.get("migration_status", {}).get("S") != "MIGRATED"

    def tenants_to_move(self) -> Iterator[str]:
        """Tenants whose profile is not marked moved. A scan: planning runs once per wave plan."""
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression=(
                "sk = :profile AND (attribute_not_exists(migration_status) OR migration_status <> :moved)"
            ),
            ExpressionAttributeValues={":profile": {"S": "PROFILE"}, ":moved": {"S": "MIGRATED"}},
            ProjectionExpression="pk",
        )
        for page in pages:
            for item in page["Items"]:
                yield item["pk"]["S"].removeprefix("TENANT#")

    def mark_migrated(self, tenant_id: str, at: datetime) -> None:
        """The only change ever made to legacy data: two attributes on the profile."""
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": "PROFILE"}},
            UpdateExpression="SET migration_status = :moved, migrated_at = :at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":moved": {"S": "MIGRATED"}, ":at": {"S": format_instant(at)}},
        )
