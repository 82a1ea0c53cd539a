"""The client register (CONTRACT §2), as billing reads it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from periodyear.adapters.items import from_item, tenant_pk
from periodyear.domain.errors import TenantDataError, TenantNotFound
from periodyear.domain.tenant import Client, Subscription, TenantAccount

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TENANTS_INDEX = "gsi1"


def _optional_date(tenant_id: str, item: dict[str, Any], name: str) -> date | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise TenantDataError(f"tenant {tenant_id}'s subscription {name} is not an ISO date: {value!r}")


class RegisterRepository:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def tenant_ids(self) -> Iterator[str]:
        """Every tenant, through ``gsi1`` (gsi1pk = "TENANTS"), page by page."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=TENANTS_INDEX,
            KeyConditionExpression="gsi1pk = :tenants",
            ExpressionAttributeValues={":tenants": {"S": "TENANTS"}},
        )
        for page in pages:
            for item in page["Items"]:
                yield item["gsi1sk"]["S"]

    def account(self, tenant_id: str) -> TenantAccount:
        """Profile, subscription and clients in one query of the tenant's partition."""
        profile: dict[str, Any] | None = None
        subscription: dict[str, Any] | None = None
        clients: dict[str, Client] = {}
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": tenant_pk(tenant_id)}},
        )
        for page in pages:
            for raw in page["Items"]:
                item = from_item(raw)
                sk = item["sk"]
                if sk == "PROFILE":
                    profile = item
                elif sk == "SUBSCRIPTION":
                    subscription = item
                elif sk.startswith("CLIENT#"):
                    client_id = str(item.get("client_id") or sk.removeprefix("CLIENT#"))
                    clients[client_id] = Client(
                        client_id=client_id,
                        name=str(item.get("name", "")),
                        org_number=str(item.get("org_number", "")),
                        is_bureau_client=item.get("is_bureau_client") is True,
                    )
        if profile is None:
            raise TenantNotFound(f"tenant {tenant_id} has no profile in the register")
        if subscription is None:
            raise TenantDataError(f"tenant {tenant_id} has no subscription in the register")
        package = subscription.get("package")
        if not isinstance(package, str) or not package:
            raise TenantDataError(f"tenant {tenant_id}'s subscription has no package")
        switch = _optional_date(tenant_id, subscription, "price_switch_date")
        if switch is None:
            raise TenantDataError(f"tenant {tenant_id}'s subscription has no price_switch_date")
        return TenantAccount(
            tenant_id=tenant_id,
            name=str(profile.get("name", "")),
            org_number=str(profile.get("org_number", "")),
            language=str(profile.get("language") or "nb"),
            subscription=Subscription(
                package=package,
                price_switch_date=switch,
                paid_through=_optional_date(tenant_id, subscription, "paid_through"),
                legacy_package=subscription.get("legacy_package"),
            ),
            clients=clients,
        )
