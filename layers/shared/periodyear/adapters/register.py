"""The client register (CONTRACT §2): billing reads it, the migration writes it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from periodyear.adapters import items as dynamo_items
from periodyear.adapters.items import from_item, tenant_partition, tenant_pk
from periodyear.domain.calendar import format_instant, parse_date
from periodyear.domain.errors import InvalidDate, TenantDataError, TenantNotFound
from periodyear.domain.migration import TERMS_PROVIDER, RegisterProfile, RegisterTenant
from periodyear.domain.tenant import (
    Client,
    Subscription,
    TenantAccount,
    address_item,
    parse_address,
    parse_reference,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TENANTS_INDEX = "gsi1"


def _optional_date(tenant_id: str, item: Mapping[str, Any], name: str) -> date | None:
    value = item.get(name)
    if value is None:
        return None
    try:
        return parse_date(value)
    except InvalidDate:
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
        for item in tenant_partition(self._client, self._table, tenant_id):
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
        if profile.get("gsi1pk") != "TENANTS":  # listed by a move's last write, once verified
            raise TenantNotFound(f"tenant {tenant_id} is not listed for billing: its move is not complete")
        if subscription is None:
            raise TenantDataError(f"tenant {tenant_id} has no subscription in the register")
        terms = _subscription(tenant_id, subscription)
        try:
            address = parse_address(profile.get("address"))
            reference = parse_reference(profile.get("customer_reference"))
        except ValueError as problem:
            raise TenantDataError(f"tenant {tenant_id}'s profile {problem}") from None
        return TenantAccount(
            tenant_id=tenant_id,
            name=str(profile.get("name", "")),
            org_number=str(profile.get("org_number", "")),
            language=str(profile.get("language") or "nb"),
            subscription=terms,
            clients=clients,
            address=address,
            customer_reference=reference,
        )


def _subscription(tenant_id: str, item: Mapping[str, Any]) -> Subscription:
    package = item.get("package")
    if not isinstance(package, str) or not package:
        raise TenantDataError(f"tenant {tenant_id}'s subscription has no package")
    switch = _optional_date(tenant_id, item, "price_switch_date")
    if switch is None:
        raise TenantDataError(f"tenant {tenant_id}'s subscription has no price_switch_date")
    return Subscription(
        package=package,
        price_switch_date=switch,
        paid_through=_optional_date(tenant_id, item, "paid_through"),
        legacy_package=item.get("legacy_package"),
    )


def register_items(tenant: RegisterTenant) -> list[dict[str, Any]]:
    """The register items of a moved tenant, exactly as CONTRACT §2 writes them.

    Long by design: every item a move writes, in the contract's order, on one screen, so that
    it reads beside CONTRACT §2's table and a reviewer checks it attribute by attribute.
    """
    pk = tenant_pk(tenant.tenant_id)
    terms = tenant.terms
    items: list[dict[str, Any]] = [
        {
            "pk": pk,
            "sk": "PROFILE",
            "tenant_id": tenant.tenant_id,
            "name": tenant.name,
            "org_number": tenant.org_number,
            "email": tenant.email,
            "language": tenant.language,
            "status": "ACTIVE",
            "terms_provider": TERMS_PROVIDER,
            "terms_effective_from": terms.terms_effective_from.isoformat(),
            "migrated_at": format_instant(tenant.migrated_at),
            "gsi1pk": "TENANTS",
            "gsi1sk": tenant.tenant_id,
        }
        | ({"address": address_item(tenant.address)} if tenant.address else {})
        | ({"customer_reference": tenant.customer_reference} if tenant.customer_reference else {}),
        {
            "pk": pk,
            "sk": "SUBSCRIPTION",
            "package": terms.package,
            "legacy_package": terms.legacy_package,
            "paid_through": terms.paid_through.isoformat(),
            "price_switch_date": terms.price_switch_date.isoformat(),
        },
    ]
    items += [
        {
            "pk": pk,
            "sk": f"CLIENT#{c.client_id}",
            "client_id": c.client_id,
            "name": c.name,
            "org_number": c.org_number,
            "is_bureau_client": c.is_bureau_client,
        }
        for c in tenant.clients
    ]
    items += [
        {
            "pk": pk,
            "sk": f"USER#{u.user_id}",
            "user_id": u.user_id,
            "name": u.name,
            "email": u.email,
            "role": u.role,
        }
        for u in tenant.users
    ]
    return items


LISTING = ("gsi1pk", "gsi1sk")  # the PROFILE's keys in ``gsi1``, through which billing lists tenants


def unlisted(item: dict[str, Any]) -> dict[str, Any]:
    """A register item without the ``gsi1`` keys (a PROFILE that billing cannot list yet)."""
    return {k: v for k, v in item.items() if k not in LISTING}


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
        raw = self._client.get_item(
            TableName=self._table,
            Key={"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": "PROFILE"}},
            ConsistentRead=True,
        ).get("Item")
        if not raw:
            return None
        item = from_item(raw)
        return RegisterProfile(tenant_id, str(item.get("name", "")), str(item.get("org_number", "")))

    def put_tenant(self, tenant: RegisterTenant) -> int:
        """Every item of the tenant, its PROFILE unlisted; returns the number of items written."""
        profile, *rest = register_items(tenant)
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
        absent = [k for k in ("address", "customer_reference") if k not in values]
        names |= {f"#r{n}": k for n, k in enumerate(absent)}
        removes = f" REMOVE {', '.join(f'#r{n}' for n in range(len(absent)))}" if absent else ""
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": profile["pk"]}, "sk": {"S": "PROFILE"}},
            UpdateExpression=f"SET {sets}{removes}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=dynamo_items.to_item(
                {f":a{n}": v for n, v in enumerate(values.values())}
            ),
        )

    def list_tenant(self, tenant: RegisterTenant) -> None:
        """List the verified tenant in ``gsi1``: the move's last register write, conditional on
        the PROFILE this move wrote (its ``migrated_at``)."""
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": tenant_pk(tenant.tenant_id)}, "sk": {"S": "PROFILE"}},
            UpdateExpression="SET gsi1pk = :tenants, gsi1sk = :tenant",
            ConditionExpression="attribute_exists(pk) AND migrated_at = :migrated_at",
            ExpressionAttributeValues={
                ":tenants": {"S": "TENANTS"},
                ":tenant": {"S": tenant.tenant_id},
                ":migrated_at": {"S": format_instant(tenant.migrated_at)},
            },
        )

    def differences(self, tenant: RegisterTenant) -> list[str]:
        """What the register holds that differs from ``tenant``: empty when the copy is exact
        (listed or not yet listed)."""
        held = tenant_partition(self._client, self._table, tenant.tenant_id, consistent=True)
        return register_differences(tenant, held)


def register_differences(tenant: RegisterTenant, held: Iterable[dict[str, Any]]) -> list[str]:
    """How the items ``held`` for a tenant differ from what ``register_items`` writes for it.

    The PROFILE may be unlisted (no ``gsi1`` keys yet) or listed exactly; nothing in between."""
    expected = {item["sk"]: item for item in register_items(tenant)}
    actual = {item["sk"]: dict(item) for item in held}
    profile = actual.get("PROFILE")
    if profile is not None and not any(k in profile for k in LISTING):
        expected["PROFILE"] = unlisted(expected["PROFILE"])
    problems = [f"{sk} is missing" for sk in sorted(expected.keys() - actual.keys())]
    problems += [f"{sk} is not on the old platform" for sk in sorted(actual.keys() - expected.keys())]
    for sk in sorted(expected.keys() & actual.keys()):
        differing = sorted(
            k for k in expected[sk].keys() | actual[sk].keys() if expected[sk].get(k) != actual[sk].get(k)
        )
        if differing:
            problems.append(f"{sk} differs in {', '.join(differing)}")
    for prefix in ("CLIENT#", "USER#"):
        want = sum(1 for sk in expected if sk.startswith(prefix))
        have = sum(1 for sk in actual if sk.startswith(prefix))
        if want != have:
            problems.append(f"{want} {prefix.rstrip('#')} items expected, {have} found")
    return problems
