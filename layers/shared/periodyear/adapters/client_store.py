"""A tenant's clients in the register table, as the register API changes them (CONTRACT §9).

Beside ``CLIENT#<id>`` (CONTRACT §2, plus ``version``, ``created_at``, ``updated_at`` and
``archived_at``) each org number in use has a guard item, ``ORGNR#<org_number>``, whose string set
``client_ids`` names the active clients holding it. A client is added or renumbered on
condition that the number's set is empty, and archived by leaving its set, in one transaction
with the client, so two requests at once can never give two active clients one org number.
Clients the migration wrote have no guards yet: before the first change of a tenant's clients
they join their numbers' sets (an org number the old platform gave two clients stays held
until both are archived) and the PROFILE is marked ``org_guards``; every change checks that
mark in its transaction. Billing reads only ``CLIENT#`` items.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import batched
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from periodyear.adapters.errors import Transacted, error_code, transact_write
from periodyear.adapters.items import from_item, tenant_pk, to_item
from periodyear.domain.calendar import format_instant
from periodyear.domain.client_register import (
    Conflict,
    Member,
    NewTenant,
    RegisterClient,
    RegisterUser,
    Stale,
    email_key,
)

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient

_GUARDED = "org_guards"
_USERS_GUARDED = "user_guards"
TENANTS_INDEX = "gsi1"  # CONTRACT §2: gsi1pk = "TENANTS", gsi1sk = <tenant_id>
TRANSACTION_ACTIONS = 100


def _client(item: dict[str, Any]) -> RegisterClient:
    return RegisterClient(
        client_id=str(item.get("client_id") or str(item["sk"]).removeprefix("CLIENT#")),
        name=str(item.get("name", "")),
        org_number=str(item.get("org_number", "")),
        is_bureau_client=item.get("is_bureau_client") is True,
        version=int(item.get("version", 0)),
        archived_at=item.get("archived_at"),
        created_at=item.get("created_at"),
        updated_at=item.get("updated_at"),
    )


def _client_item(tenant_id: str, client: RegisterClient) -> dict[str, Any]:
    return {
        "pk": tenant_pk(tenant_id),
        "sk": f"CLIENT#{client.client_id}",
        "client_id": client.client_id,
        "name": client.name,
        "org_number": client.org_number,
        "is_bureau_client": client.is_bureau_client,
        "version": client.version,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        "archived_at": client.archived_at,
    }


def encode_cursor(client_id: str) -> str:
    """A page's cursor: the last client id it showed, opaque to the caller."""
    return client_id


def decode_cursor(cursor: str) -> str:
    """Where a page starts: after this client id, in the caller's own partition (the partition
    comes from the caller, never from the cursor, so no cursor reaches another tenant's)."""
    return cursor


class ClientStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table
        self._clock = clock
        self._sleep = sleep

    def _key(self, tenant_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": sk}}

    # ------------------------------------------------------------------ reads
    def _get_many_items(self, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """At most 100 items in one BatchGetItem (resending what DynamoDB leaves unprocessed)."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {self._table: {"Keys": list(keys), "ConsistentRead": True}}
        for attempt in range(8):
            response = self._client.batch_get_item(RequestItems=request)
            found += [from_item(raw) for raw in response["Responses"].get(self._table, [])]
            request = dict(response.get("UnprocessedKeys") or {})
            if not request:
                return found
            self._sleep(min(1.0, 0.02 * 2**attempt))
        raise RuntimeError("the register table left keys unread after 8 attempts")

    def _get_many(self, keys: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """One tenant's items by sk, in one BatchGetItem."""
        return {str(item["sk"]): item for item in self._get_many_items(keys)}

    def tenant_page(self, *, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Up to ``limit`` listed tenants in id order after the cursor's (``gsi1``, keys only),
        each its PROFILE's fields with the SUBSCRIPTION's ``package``; and the next cursor."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": TENANTS_INDEX,
            "KeyConditionExpression": "gsi1pk = :tenants",
            "ExpressionAttributeValues": {":tenants": {"S": "TENANTS"}},
            "Limit": limit,
        }
        if after is not None:
            arguments["ExclusiveStartKey"] = {
                "gsi1pk": {"S": "TENANTS"},
                "gsi1sk": {"S": after},
                "pk": {"S": tenant_pk(after)},
                "sk": {"S": "PROFILE"},
            }
        page = self._client.query(**arguments)
        ids = [str(item["gsi1sk"]["S"]) for item in page["Items"]]
        keys = [self._key(t, sk) for t in ids for sk in ("PROFILE", "SUBSCRIPTION")]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), 100):  # BatchGetItem takes 100 keys
            for item in self._get_many_items(keys[start : start + 100]):
                found[(str(item["pk"]), str(item["sk"]))] = item
        tenants = []
        for tenant_id in ids:
            profile = found.get((tenant_pk(tenant_id), "PROFILE"), {})
            subscription = found.get((tenant_pk(tenant_id), "SUBSCRIPTION"), {})
            tenants.append(
                {
                    "tenant_id": tenant_id,
                    "name": profile.get("name"),
                    "org_number": profile.get("org_number"),
                    "status": profile.get("status"),
                    "package": subscription.get("package"),
                }
            )
        more = page.get("LastEvaluatedKey") is not None and bool(ids)
        return tenants, ids[-1] if more else None

    @staticmethod
    def _member(items: dict[str, dict[str, Any]], user_id: str) -> Member:
        profile, user = items.get("PROFILE"), items.get(f"USER#{user_id}")
        active = profile is not None and profile.get("status") == "ACTIVE"
        return Member(tenant_active=active, role=str(user["role"]) if user and user.get("role") else None)

    def member(self, tenant_id: str, user_id: str) -> Member:
        items = self._get_many([self._key(tenant_id, "PROFILE"), self._key(tenant_id, f"USER#{user_id}")])
        return self._member(items, user_id)

    def member_and_client(
        self, tenant_id: str, user_id: str, client_id: str
    ) -> tuple[Member, RegisterClient | None]:
        keys = ["PROFILE", f"USER#{user_id}", f"CLIENT#{client_id}"]
        items = self._get_many([self._key(tenant_id, sk) for sk in keys])
        client = items.get(f"CLIENT#{client_id}")
        return self._member(items, user_id), _client(client) if client else None

    def member_and_tenant(
        self, tenant_id: str, user_id: str
    ) -> tuple[Member, dict[str, Any] | None, dict[str, Any] | None]:
        """The caller's standing, the PROFILE and the SUBSCRIPTION, in one BatchGetItem."""
        keys = ["PROFILE", "SUBSCRIPTION", f"USER#{user_id}"]
        items = self._get_many([self._key(tenant_id, sk) for sk in keys])
        return self._member(items, user_id), items.get("PROFILE"), items.get("SUBSCRIPTION")

    def users(
        self, tenant_id: str, *, limit: int, after: str | None
    ) -> tuple[list[RegisterUser], str | None]:
        """Up to ``limit`` users in user id order after the cursor's, and the next cursor."""
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :user)",
            "ExpressionAttributeValues": {":pk": {"S": tenant_pk(tenant_id)}, ":user": {"S": "USER#"}},
            "Limit": limit,
            "ConsistentRead": True,
        }
        if after is not None:
            arguments["ExclusiveStartKey"] = self._key(tenant_id, f"USER#{decode_cursor(after)}")
        page = self._client.query(**arguments)
        users = [
            RegisterUser(
                user_id=str(item.get("user_id") or str(item["sk"]).removeprefix("USER#")),
                name=str(item.get("name", "")),
                email=str(item.get("email", "")),
                role=str(item.get("role", "")),
            )
            for item in map(from_item, page["Items"])
        ]
        more = page.get("LastEvaluatedKey") is not None and bool(users)
        return users, encode_cursor(users[-1].user_id) if more else None

    def clients(
        self, tenant_id: str, *, limit: int, after: str | None, include_archived: bool
    ) -> tuple[list[RegisterClient], str | None]:
        """Up to ``limit`` clients in client id order after the cursor's, and the next cursor."""
        found: list[RegisterClient] = []
        start: dict[str, Any] | None = (
            self._key(tenant_id, f"CLIENT#{decode_cursor(after)}") if after is not None else None
        )
        while len(found) < limit:
            arguments: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :client)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": tenant_pk(tenant_id)},
                    ":client": {"S": "CLIENT#"},
                },
                "Limit": limit - len(found),
                "ConsistentRead": True,
            }
            if not include_archived:
                arguments["FilterExpression"] = "attribute_not_exists(archived_at)"
            if start is not None:
                arguments["ExclusiveStartKey"] = start
            page = self._client.query(**arguments)
            found += [_client(from_item(raw)) for raw in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if start is None:
                return found, None
        return found, encode_cursor(found[-1].client_id)

    # ------------------------------------------------------------------ writes
    def _guarded(self, tenant_id: str, marker: str = _GUARDED) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": self._key(tenant_id, "PROFILE"),
                "ConditionExpression": f"attribute_exists({marker})",
            }
        }

    def _guard(self, tenant_id: str, client: RegisterClient, *, join: bool) -> dict[str, Any]:
        """Join the org number's holders (on condition it has none) or leave them."""
        action: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(tenant_id, f"ORGNR#{client.org_number}"),
            "UpdateExpression": ("ADD" if join else "DELETE") + " client_ids :id",
            "ExpressionAttributeValues": {":id": {"SS": [client.client_id]}},
        }
        if join:
            action["ConditionExpression"] = "attribute_not_exists(client_ids)"
        return {"Update": action}

    def guard_existing(self, tenant_id: str) -> None:
        """Write the guards of the clients the migration wrote, then mark the tenant guarded
        (a tenant of 50,000 clients: about 500 transactions, once)."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :client)",
            ExpressionAttributeValues={":pk": {"S": tenant_pk(tenant_id)}, ":client": {"S": "CLIENT#"}},
            ConsistentRead=True,
        )
        holders: dict[str, set[str]] = {}
        for raw in (raw for page in pages for raw in page["Items"]):
            client = _client(from_item(raw))
            if not client.archived:  # a number the old platform gave two clients keeps both
                holders.setdefault(client.org_number, set()).add(client.client_id)
        unguarded = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": self._key(tenant_id, "PROFILE"),
                "ConditionExpression": f"attribute_not_exists({_GUARDED})",
            }
        }
        # 99 numbers a transaction, each on condition that the tenant is not yet marked: once a
        # concurrent guarding has marked it (and changes may follow), this one writes no more.
        for chunk in batched(sorted(holders.items()), TRANSACTION_ACTIONS - 1, strict=False):
            joins = [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": self._key(tenant_id, f"ORGNR#{number}"),
                        "UpdateExpression": "ADD client_ids :ids",
                        "ExpressionAttributeValues": {":ids": {"SS": sorted(ids)}},
                    }
                }
                for number, ids in chunk
            ]
            if not transact_write(self._client, [unguarded, *joins], sleep=self._sleep).committed:
                return  # marked meanwhile by another request's guarding
        self._client.update_item(
            TableName=self._table,
            Key=self._key(tenant_id, "PROFILE"),
            UpdateExpression=f"SET {_GUARDED} = if_not_exists({_GUARDED}, :now)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":now": {"S": format_instant(self._clock())}},
        )

    def _write(
        self, tenant_id: str, actions: list[dict[str, Any]], guard: Callable[[str], None] | None = None
    ) -> Transacted:
        """Run a change whose first action is the guard mark's check: committed, or which of its
        actions failed (``Transacted.failed``)."""
        for _ in range(2):
            written = transact_write(self._client, actions, sleep=self._sleep)
            if written.committed or not written.failed(actions[0]):
                return written
            (guard or self.guard_existing)(tenant_id)  # the tenant's first change: guard it, then again
        raise RuntimeError(f"tenant {tenant_id}'s register could not be guarded")

    def add_client(self, tenant_id: str, client: RegisterClient) -> None:
        put = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(_client_item(tenant_id, client)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        holds = self._guard(tenant_id, client, join=True)
        written = self._write(tenant_id, [self._guarded(tenant_id), put, holds])
        if written.failed(put):
            raise Conflict(f"a client {client.client_id} exists already")
        if written.failed(holds):
            raise Conflict(f"another active client has org_number {client.org_number}")

    def _client_update(self, tenant_id: str, before: RegisterClient, after: RegisterClient) -> dict[str, Any]:
        values = {
            k: v for k, v in _client_item(tenant_id, after).items() if k not in ("pk", "sk", "client_id")
        }
        names = {f"#{k}": k for k in values if values[k] is not None}
        return {
            "Update": {
                "TableName": self._table,
                "Key": self._key(tenant_id, f"CLIENT#{before.client_id}"),
                "UpdateExpression": "SET "
                + ", ".join(f"#{k} = :{k}" for k in values if values[k] is not None),
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(archived_at) AND "
                "(#version = :before OR (attribute_not_exists(#version) AND :before = :zero))",
                "ExpressionAttributeNames": {**names, "#version": "version"},
                "ExpressionAttributeValues": to_item(
                    {f":{k}": v for k, v in values.items() if v is not None}
                    | {":before": before.version, ":zero": 0}
                ),
            }
        }

    def replace_client(self, tenant_id: str, before: RegisterClient, after: RegisterClient) -> None:
        update = self._client_update(tenant_id, before, after)
        holds = self._guard(tenant_id, after, join=True)
        actions = [self._guarded(tenant_id), update]
        if after.org_number != before.org_number:
            actions += [self._guard(tenant_id, before, join=False), holds]
        written = self._write(tenant_id, actions)
        if written.failed(update):
            raise Stale(f"client {before.client_id} changed since it was read")
        if written.failed(holds):
            raise Conflict(f"another active client has org_number {after.org_number}")

    def archive_client(self, tenant_id: str, client: RegisterClient, at: str) -> None:
        archived = replace(client, archived_at=at, updated_at=at, version=client.version + 1)
        actions = [
            self._guarded(tenant_id),
            self._client_update(tenant_id, client, archived),
            self._guard(tenant_id, client, join=False),
        ]
        if not self._write(tenant_id, actions).committed:
            raise Stale(f"client {client.client_id} changed since it was read")


# ---------------------------------------------------------------------- users
# ``EMAIL#<address, case folded>`` holds the users with that address (``user_ids``), joined on
# condition it holds none; ``ADMINS`` counts the tenant's admins, and losing one is conditional
# on ``count > 1``: both change in the user's own transaction, so a tenant keeps an admin and
# one address stays one user's however many requests race. Users the migration wrote are
# guarded and counted once, before the tenant's first change of a user (``user_guards``).


def _user(item: dict[str, Any]) -> RegisterUser:
    return RegisterUser(
        user_id=str(item.get("user_id") or str(item["sk"]).removeprefix("USER#")),
        name=str(item.get("name", "")),
        email=str(item.get("email", "")),
        role=str(item.get("role", "")),
        version=int(item.get("version", 0)),
        created_at=item.get("created_at"),
        updated_at=item.get("updated_at"),
    )


class UserStore(ClientStore):
    """The tenant's users beside its clients, in the same table and partition."""

    def member_and_user(
        self, tenant_id: str, caller_id: str, user_id: str
    ) -> tuple[Member, RegisterUser | None]:
        """The caller's standing and the user it names (itself, perhaps), in one BatchGetItem."""
        keys = dict.fromkeys(("PROFILE", f"USER#{caller_id}", f"USER#{user_id}"))  # a key once
        items = self._get_many([self._key(tenant_id, sk) for sk in keys])
        user = items.get(f"USER#{user_id}")
        return self._member(items, caller_id), _user(user) if user else None

    def _email(self, tenant_id: str, user: RegisterUser, *, join: bool) -> dict[str, Any]:
        action: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(tenant_id, f"EMAIL#{email_key(user.email)}"),
            "UpdateExpression": ("ADD" if join else "DELETE") + " user_ids :id",
            "ExpressionAttributeValues": {":id": {"SS": [user.user_id]}},
        }
        if join:
            action["ConditionExpression"] = "attribute_not_exists(user_ids)"
        return {"Update": action}

    def _admins(self, tenant_id: str, change: int) -> dict[str, Any]:
        action: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(tenant_id, "ADMINS"),
            "UpdateExpression": "ADD #count :change",
            "ExpressionAttributeNames": {"#count": "count"},
            "ExpressionAttributeValues": {":change": {"N": str(change)}},
        }
        if change < 0:
            action["ConditionExpression"] = "#count > :one"
            action["ExpressionAttributeValues"][":one"] = {"N": "1"}
        return {"Update": action}

    def guard_users(self, tenant_id: str) -> None:
        """Guard the addresses and count the admins of the users the migration wrote, then mark."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :user)",
            ExpressionAttributeValues={":pk": {"S": tenant_pk(tenant_id)}, ":user": {"S": "USER#"}},
            ConsistentRead=True,
        )
        users = [_user(from_item(raw)) for page in pages for raw in page["Items"]]
        holders: dict[str, set[str]] = {}
        for user in users:
            holders.setdefault(email_key(user.email), set()).add(user.user_id)
        unguarded = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": self._key(tenant_id, "PROFILE"),
                "ConditionExpression": f"attribute_not_exists({_USERS_GUARDED})",
            }
        }
        count = {
            "Update": {
                "TableName": self._table,
                "Key": self._key(tenant_id, "ADMINS"),
                "UpdateExpression": "SET #count = :n",
                "ExpressionAttributeNames": {"#count": "count"},
                "ExpressionAttributeValues": {":n": {"N": str(sum(u.role == "admin" for u in users))}},
            }
        }
        joins = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": self._key(tenant_id, f"EMAIL#{address}"),
                    "UpdateExpression": "ADD user_ids :ids",
                    "ExpressionAttributeValues": {":ids": {"SS": sorted(ids)}},
                }
            }
            for address, ids in sorted(holders.items())
        ]
        for chunk in [[count], *batched(joins, TRANSACTION_ACTIONS - 1, strict=False)]:
            if not transact_write(self._client, [unguarded, *chunk], sleep=self._sleep).committed:
                return  # marked meanwhile by another request's guarding
        self._client.update_item(
            TableName=self._table,
            Key=self._key(tenant_id, "PROFILE"),
            UpdateExpression=f"SET {_USERS_GUARDED} = if_not_exists({_USERS_GUARDED}, :now)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":now": {"S": format_instant(self._clock())}},
        )

    def _user_write(self, tenant_id: str, actions: list[dict[str, Any]]) -> Transacted:
        return self._write(tenant_id, [self._guarded(tenant_id, _USERS_GUARDED), *actions], self.guard_users)

    def add_user(self, tenant_id: str, user: RegisterUser) -> None:
        item = {
            "pk": tenant_pk(tenant_id),
            "sk": f"USER#{user.user_id}",
            "user_id": user.user_id,
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "version": user.version,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        }
        put = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        address = self._email(tenant_id, user, join=True)
        actions = [put, address]
        if user.role == "admin":
            actions.append(self._admins(tenant_id, +1))
        written = self._user_write(tenant_id, actions)
        if written.failed(put):
            raise Conflict(f"a user {user.user_id} exists already")
        if written.failed(address):
            raise Conflict("another user of the tenant has that email")

    def replace_user(self, tenant_id: str, before: RegisterUser, after: RegisterUser) -> None:
        update = {
            "Update": {
                "TableName": self._table,
                "Key": self._key(tenant_id, f"USER#{before.user_id}"),
                "UpdateExpression": "SET #name = :name, email = :email, #role = :role, #version = :version, "
                "updated_at = :at",
                "ConditionExpression": "attribute_exists(pk) AND "
                "(#version = :before OR (attribute_not_exists(#version) AND :before = :zero))",
                "ExpressionAttributeNames": {"#name": "name", "#role": "role", "#version": "version"},
                "ExpressionAttributeValues": to_item(
                    {
                        ":name": after.name,
                        ":email": after.email,
                        ":role": after.role,
                        ":version": after.version,
                        ":at": after.updated_at,
                        ":before": before.version,
                        ":zero": 0,
                    }
                ),
            }
        }
        address = self._email(tenant_id, after, join=True)
        admins = self._admins(tenant_id, +1 if after.role == "admin" else -1)
        actions: list[dict[str, Any]] = [update]
        if email_key(after.email) != email_key(before.email):
            actions += [self._email(tenant_id, before, join=False), address]
        if before.role != after.role:
            actions.append(admins)
        written = self._user_write(tenant_id, actions)
        if written.failed(update):
            raise Stale(f"user {before.user_id} changed since it was read")
        if written.failed(address):
            raise Conflict("another user of the tenant has that email")
        if written.failed(admins):
            raise Conflict("the tenant would have no admin left: make another user admin first")

    def remove_user(self, tenant_id: str, user: RegisterUser) -> None:
        delete = {
            "Delete": {
                "TableName": self._table,
                "Key": self._key(tenant_id, f"USER#{user.user_id}"),
                "ConditionExpression": "attribute_exists(pk) AND "
                "(#version = :before OR (attribute_not_exists(#version) AND :before = :zero))",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": to_item({":before": user.version, ":zero": 0}),
            }
        }
        admins = self._admins(tenant_id, -1)
        actions = [delete, self._email(tenant_id, user, join=False)]
        if user.role == "admin":
            actions.append(admins)
        written = self._user_write(tenant_id, actions)
        if written.failed(delete):
            raise Stale(f"user {user.user_id} changed since it was read")
        if written.failed(admins):
            raise Conflict("the tenant would have no admin left: make another user admin first")


# ---------------------------------------------------------------------- the tenant itself


class RegisterStore(UserStore):
    """A tenant's PROFILE as the API changes it, and a tenant created in the new service."""

    def change_profile(self, tenant_id: str, version: int, changes: dict[str, Any], at: str) -> None:
        """Set (or, for ``None``, remove) the PROFILE's fields, on condition it is still ``version``."""
        sets = {k: v for k, v in changes.items() if v is not None} | {
            "version": version + 1,
            "updated_at": at,
        }
        removes = [k for k, v in changes.items() if v is None]
        names = {f"#{k}": k for k in [*sets, *removes]}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in sets)
        if removes:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in removes)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(tenant_id, "PROFILE"),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk) AND "
                "(#version = :before OR (attribute_not_exists(#version) AND :before = :zero))",
                ExpressionAttributeNames=names | {"#version": "version"},
                ExpressionAttributeValues=to_item(
                    {f":{k}": v for k, v in sets.items()} | {":before": version, ":zero": 0}
                ),
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            raise Stale("the tenant changed since it was read") from None

    def _tenant_items(self, tenant: NewTenant) -> list[dict[str, Any]]:
        from periodyear.domain.migration import TERMS_PROVIDER  # noqa: PLC0415 (creating a tenant only)

        pk, admin = tenant_pk(tenant.tenant_id), tenant.admin
        profile = {
            "pk": pk,
            "sk": "PROFILE",
            "tenant_id": tenant.tenant_id,
            "name": tenant.name,
            "org_number": tenant.org_number,
            "email": tenant.email,
            "language": tenant.language,
            "status": "ACTIVE",
            "terms_provider": TERMS_PROVIDER,
            "terms_effective_from": tenant.terms_effective_from.isoformat(),
            "address": tenant.address,
            "customer_reference": tenant.customer_reference,
            "gsi1pk": "TENANTS",  # listed at once: the next monthly run bills it
            "gsi1sk": tenant.tenant_id,
            "version": 1,
            "created_at": tenant.created_at,
            "updated_at": tenant.created_at,
            _GUARDED: tenant.created_at,  # nothing the migration wrote is left to guard
            _USERS_GUARDED: tenant.created_at,
        }
        subscription = {
            "pk": pk,
            "sk": "SUBSCRIPTION",
            "package": tenant.package,
            "price_switch_date": tenant.price_switch_date.isoformat(),
        }
        user = {
            "pk": pk,
            "sk": f"USER#{admin.user_id}",
            "user_id": admin.user_id,
            "name": admin.name,
            "email": admin.email,
            "role": admin.role,
            "version": admin.version,
            "created_at": admin.created_at,
            "updated_at": admin.updated_at,
        }
        email = {"pk": pk, "sk": f"EMAIL#{email_key(admin.email)}", "user_ids": {admin.user_id}}
        admins = {"pk": pk, "sk": "ADMINS", "count": 1}
        return [profile, subscription, user, email, admins]

    def create_tenant(self, tenant: NewTenant) -> None:
        """Every item of the new tenant in one transaction, on condition its partition holds none
        of them: a tenant in the register already is a ``Conflict``."""
        actions = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for item in self._tenant_items(tenant)
        ]
        if not transact_write(self._client, actions, sleep=self._sleep).committed:
            raise Conflict(f"a tenant {tenant.tenant_id} is in the register already")

    def remove_created_tenant(self, tenant: NewTenant) -> None:
        """Take back a tenant just created whose admin could not get a sign-in (nothing else can
        have been written for it: no one can sign in to it yet)."""
        keys = [self._key(tenant.tenant_id, str(item["sk"])) for item in self._tenant_items(tenant)]
        actions = [{"Delete": {"TableName": self._table, "Key": key}} for key in keys]
        transact_write(self._client, actions, sleep=self._sleep)
