"""The register table as the register API's stores share it: one client, the table's name, the
clock of the guard marks, and the reads and guarded writes every store makes.

``ClientStore``, ``UserStore`` and ``TenantStore`` each hold one ``RegisterTable`` (composed, not
inherited), so a service is given the store of the aggregate it changes. The items' keys and
attributes come from ``register_items``.

Guards: a change of a tenant's clients (or users) runs in one transaction with a check that the
tenant's PROFILE carries the mark ``org_guards`` (``user_guards``), set once its guard items hold
what the migration wrote; a tenant's first change therefore writes them first (``write``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from periodyear.adapters.errors import Transacted, transact_write
from periodyear.adapters.items import from_item, to_item
from periodyear.adapters.register_items import PROFILE, VERSION, key, member, tenant_pk, user_sk
from periodyear.domain.calendar import format_instant

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient

    from periodyear.domain.client_register import Member

TRANSACTION_ACTIONS = 100


def encode_cursor(last_id: str) -> str:
    """A page's cursor: the last client (or user) id it showed, opaque to the caller."""
    return last_id


def decode_cursor(cursor: str) -> str:
    """Where a page starts: after this id, in the caller's own partition (the partition comes
    from the caller, never from the cursor, so no cursor reaches another tenant's)."""
    return cursor


@dataclass(frozen=True)
class AtVersion:
    """The condition that an item exists at ``before`` (0: written by the migration, with no
    version), with its names and its values (plain, ``to_item`` makes them DynamoDB's)."""

    before: int
    expression: str = (
        "attribute_exists(pk) AND "
        "(#version = :before OR (attribute_not_exists(#version) AND :before = :zero))"
    )

    @property
    def names(self) -> dict[str, str]:
        return {"#version": VERSION}

    @property
    def values(self) -> dict[str, int]:
        return {":before": self.before, ":zero": 0}


class RegisterTable:
    def __init__(
        self,
        client: DynamoDBClient,
        name: str,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.name = name
        self._clock = clock
        self._sleep = sleep

    # ------------------------------------------------------------------ reads
    def get_many(self, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """At most 100 items in one BatchGetItem (resending what DynamoDB leaves unprocessed)."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {self.name: {"Keys": list(keys), "ConsistentRead": True}}
        for attempt in range(8):
            response = self.client.batch_get_item(RequestItems=request)
            found += [from_item(raw) for raw in response["Responses"].get(self.name, [])]
            request = dict(response.get("UnprocessedKeys") or {})
            if not request:
                return found
            self._sleep(min(1.0, 0.02 * 2**attempt))
        raise RuntimeError("the register table left keys unread after 8 attempts")

    def items(self, tenant_id: str, *sks: str) -> dict[str, dict[str, Any]]:
        """One tenant's items by sk (each asked once), in one BatchGetItem."""
        found = self.get_many([key(tenant_id, sk) for sk in dict.fromkeys(sks)])
        return {str(item["sk"]): item for item in found}

    def standing(self, tenant_id: str, user_id: str, *sks: str) -> tuple[Member, dict[str, dict[str, Any]]]:
        """The caller's standing in its tenant and the tenant's items ``sks``, in one BatchGetItem."""
        found = self.items(tenant_id, PROFILE, user_sk(user_id), *sks)
        return member(found.get(PROFILE), found.get(user_sk(user_id))), found

    def member(self, tenant_id: str, user_id: str) -> Member:
        return self.standing(tenant_id, user_id)[0]

    def page(
        self, tenant_id: str, prefix: str, *, limit: int, after: str | None, only: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the tenant's items whose sk begins with ``prefix``, after the sk ``after``
        (``only``: a filter), and the sk the next page starts after (None: no more)."""
        arguments: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": tenant_pk(tenant_id)}, ":prefix": {"S": prefix}},
            "Limit": limit,
            "ConsistentRead": True,
        }
        if only is not None:
            arguments["FilterExpression"] = only
        if after is not None:
            arguments["ExclusiveStartKey"] = key(tenant_id, after)
        page = self.client.query(**arguments)
        last = page.get("LastEvaluatedKey")
        return [from_item(raw) for raw in page["Items"]], str(last["sk"]["S"]) if last else None

    def every(self, tenant_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        """All of the tenant's items whose sk begins with ``prefix``, page by page."""
        pages = self.client.get_paginator("query").paginate(
            TableName=self.name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": tenant_pk(tenant_id)}, ":prefix": {"S": prefix}},
            ConsistentRead=True,
        )
        for page in pages:
            yield from (from_item(raw) for raw in page["Items"])

    # ------------------------------------------------------------------ writes
    def transact(self, actions: Sequence[dict[str, Any]]) -> Transacted:
        return transact_write(self.client, actions, sleep=self._sleep)

    def put_new(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A ``Put`` of an item on condition that its key holds none."""
        condition = "attribute_not_exists(pk)"
        return {"Put": {"TableName": self.name, "Item": to_item(item), "ConditionExpression": condition}}

    def update(
        self,
        tenant_id: str,
        sk: str,
        sets: Mapping[str, Any],
        *,
        at: AtVersion,
        removes: Iterable[str] = (),
        condition: str | None = None,
    ) -> dict[str, Any]:
        """An ``Update`` setting ``sets`` (``None``: left as it is) and removing ``removes`` on
        condition the item is still at its version (and ``condition``)."""
        present = {name: value for name, value in sets.items() if value is not None}
        gone = list(removes)
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in present)
        expression += " REMOVE " + ", ".join(f"#{name}" for name in gone) if gone else ""
        return {
            "TableName": self.name,
            "Key": key(tenant_id, sk),
            "UpdateExpression": expression,
            "ConditionExpression": at.expression + (f" AND {condition}" if condition else ""),
            "ExpressionAttributeNames": {f"#{name}": name for name in [*present, *gone]} | at.names,
            "ExpressionAttributeValues": to_item({f":{n}": v for n, v in present.items()} | at.values),
        }

    def delete(self, tenant_id: str, sk: str, *, at: AtVersion) -> dict[str, Any]:
        """A ``Delete`` on condition the item is still at its version."""
        return {
            "Delete": {
                "TableName": self.name,
                "Key": key(tenant_id, sk),
                "ConditionExpression": at.expression,
                "ExpressionAttributeNames": at.names,
                "ExpressionAttributeValues": to_item(at.values),
            }
        }

    def holders(
        self, tenant_id: str, sk: str, attribute: str, ids: Iterable[str], *, join: bool, alone: bool = False
    ) -> dict[str, Any]:
        """Add ``ids`` to a guard item's set (``alone``: on condition it holds none) or take them out."""
        action: dict[str, Any] = {
            "TableName": self.name,
            "Key": key(tenant_id, sk),
            "UpdateExpression": f"{'ADD' if join else 'DELETE'} {attribute} :ids",
            "ExpressionAttributeValues": {":ids": {"SS": sorted(ids)}},
        }
        if alone:
            action["ConditionExpression"] = f"attribute_not_exists({attribute})"
        return {"Update": action}

    def check_mark(self, tenant_id: str, mark: str, *, present: bool) -> dict[str, Any]:
        """A ``ConditionCheck`` that the tenant's PROFILE carries (or lacks) a guard mark."""
        condition = f"attribute_exists({mark})" if present else f"attribute_not_exists({mark})"
        return {
            "ConditionCheck": {
                "TableName": self.name,
                "Key": key(tenant_id, PROFILE),
                "ConditionExpression": condition,
            }
        }

    def mark(self, tenant_id: str, mark: str) -> None:
        """Mark the tenant's PROFILE: its guard items hold what the migration wrote."""
        self.client.update_item(
            TableName=self.name,
            Key=key(tenant_id, PROFILE),
            UpdateExpression=f"SET {mark} = if_not_exists({mark}, :now)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":now": {"S": format_instant(self._clock())}},
        )

    def guard(self, tenant_id: str, mark: str, chunks: Iterable[Sequence[dict[str, Any]]]) -> None:
        """Write guard items a chunk (at most 99 actions) to a transaction, each on condition that
        the tenant is not yet marked, then mark it: once a concurrent guarding has marked it (and
        changes may follow), this one writes no more."""
        unmarked = self.check_mark(tenant_id, mark, present=False)
        for chunk in chunks:
            if not self.transact([unmarked, *chunk]).committed:
                return  # marked meanwhile by another request's guarding
        self.mark(tenant_id, mark)

    def write(
        self, tenant_id: str, actions: Sequence[dict[str, Any]], *, mark: str, guard: Callable[[str], None]
    ) -> Transacted:
        """Run a change on condition that the tenant carries ``mark``: committed, or which of its
        actions failed (``Transacted.failed``). The tenant's first change guards it, then runs again."""
        checked = [self.check_mark(tenant_id, mark, present=True), *actions]
        for _ in range(2):
            written = self.transact(checked)
            if written.committed or not written.failed(checked[0]):
                return written
            guard(tenant_id)
        raise RuntimeError(f"tenant {tenant_id}'s register could not be guarded")
