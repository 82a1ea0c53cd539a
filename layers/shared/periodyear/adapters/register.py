"""The client register (CONTRACT §2): billing reads it, the migration writes it.

The items' keys and attributes are ``register_items``'s; this module reads and writes them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from periodyear.adapters import items as dynamo_items
from periodyear.adapters.items import from_item, partition
from periodyear.adapters.register_items import (
    CLIENT_PREFIX,
    LISTING,
    MIGRATED_AT,
    MOVED_OPTIONAL,
    PROFILE,
    USER_PREFIX,
    key,
    listed_query,
    listed_tenant_id,
    listing,
    moved_tenant_items,
    register_profile,
    tenant_account,
    tenant_pk,
    unlisted,
)
from periodyear.domain.calendar import format_instant

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from periodyear.domain.migration import RegisterProfile, RegisterTenant
    from periodyear.domain.tenant import TenantAccount


class RegisterRepository:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def tenant_ids(self) -> Iterator[str]:
        """Every tenant, through ``gsi1`` (gsi1pk = "TENANTS"), page by page."""
        pages = self._client.get_paginator("query").paginate(TableName=self._table, **listed_query())
        for page in pages:
            yield from map(listed_tenant_id, page["Items"])

    def account(self, tenant_id: str) -> TenantAccount:
        """Profile, subscription and clients in one query of the tenant's partition."""
        return tenant_account(tenant_id, partition(self._client, self._table, tenant_pk(tenant_id)))


class RegisterWriter:
    """What the migration writes to the register, and how it checks what is there.

    A tenant is written unlisted (its PROFILE without ``gsi1pk``/``gsi1sk``), verified, and only
    then listed by one conditional update, the last register write of a move: a crash at any
    point before it leaves nothing billing can see."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def profile(self, tenant_id: str) -> RegisterProfile | None:
        """The tenant's PROFILE when the register already holds one."""
        raw = self._client.get_item(TableName=self._table, Key=key(tenant_id, PROFILE), ConsistentRead=True)
        item = raw.get("Item")
        return register_profile(tenant_id, from_item(item)) if item else None

    def put_tenant(self, tenant: RegisterTenant) -> int:
        """Every item of the tenant, its PROFILE unlisted; returns the number of items written."""
        profile, *rest = moved_tenant_items(tenant)
        self.write_profile(unlisted(profile))
        return 1 + dynamo_items.batch_write(self._client, self._table, rest)

    def write_profile(self, profile: dict[str, Any]) -> None:
        """The PROFILE's attributes, set by an update that leaves its ``gsi1`` keys as they are.

        A first move creates it unlisted; a retry after a crash that followed the listing refreshes
        it without taking the tenant out of billing's list. Optional attributes absent from
        ``profile`` are removed."""
        values = {k: v for k, v in profile.items() if k not in ("pk", "sk")}
        names = {f"#a{n}": k for n, k in enumerate(values)}
        sets = ", ".join(f"{name} = :a{n}" for n, name in enumerate(names))
        absent = [k for k in MOVED_OPTIONAL if k not in values]
        names |= {f"#r{n}": k for n, k in enumerate(absent)}
        removes = f" REMOVE {', '.join(f'#r{n}' for n in range(len(absent)))}" if absent else ""
        self._client.update_item(
            TableName=self._table,
            Key=key(str(profile["tenant_id"]), PROFILE),
            UpdateExpression=f"SET {sets}{removes}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=dynamo_items.to_item(
                {f":a{n}": v for n, v in enumerate(values.values())}
            ),
        )

    def list_tenant(self, tenant: RegisterTenant) -> None:
        """List the verified tenant in ``gsi1``: the move's last register write, conditional on
        the PROFILE this move wrote (its ``migrated_at``)."""
        keys = listing(tenant.tenant_id)
        self._client.update_item(
            TableName=self._table,
            Key=key(tenant.tenant_id, PROFILE),
            UpdateExpression="SET " + ", ".join(f"{name} = :{name}" for name in LISTING),
            ConditionExpression=f"attribute_exists(pk) AND {MIGRATED_AT} = :migrated_at",
            ExpressionAttributeValues={f":{name}": {"S": value} for name, value in keys.items()}
            | {":migrated_at": {"S": format_instant(tenant.migrated_at)}},
        )

    def differences(self, tenant: RegisterTenant) -> list[str]:
        """What the register holds that differs from ``tenant``: empty when the copy is exact
        (listed or not yet listed)."""
        held = partition(self._client, self._table, tenant_pk(tenant.tenant_id), consistent=True)
        return register_differences(tenant, held)


def register_differences(tenant: RegisterTenant, held: Iterable[Mapping[str, Any]]) -> list[str]:
    """How the items ``held`` for a tenant differ from what ``moved_tenant_items`` writes for it.

    The PROFILE may be unlisted (no ``gsi1`` keys yet) or listed exactly; nothing in between."""
    expected = {item["sk"]: item for item in moved_tenant_items(tenant)}
    actual = {item["sk"]: dict(item) for item in held}
    profile = actual.get(PROFILE)
    if profile is not None and not any(k in profile for k in LISTING):
        expected[PROFILE] = unlisted(expected[PROFILE])
    problems = [f"{sk} is missing" for sk in sorted(expected.keys() - actual.keys())]
    problems += [f"{sk} is not on the old platform" for sk in sorted(actual.keys() - expected.keys())]
    for sk in sorted(expected.keys() & actual.keys()):
        differing = sorted(
            k for k in expected[sk].keys() | actual[sk].keys() if expected[sk].get(k) != actual[sk].get(k)
        )
        if differing:
            problems.append(f"{sk} differs in {', '.join(differing)}")
    for prefix in (CLIENT_PREFIX, USER_PREFIX):
        want = sum(1 for sk in expected if sk.startswith(prefix))
        have = sum(1 for sk in actual if sk.startswith(prefix))
        if want != have:
            problems.append(f"{want} {prefix.rstrip('#')} items expected, {have} found")
    return problems
