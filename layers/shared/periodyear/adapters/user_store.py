"""A tenant's users in the register table, as the register API changes them (CONTRACT §9).

``EMAIL#<address, case folded>`` holds the users with that address (``user_ids``), joined on
condition it holds none; ``ADMINS`` counts the tenant's admins, and losing one is conditional
on ``count > 1``: both change in the user's own transaction, so a tenant keeps an admin and
one address stays one user's however many requests race. Users the migration wrote are
guarded and counted once, before the tenant's first change of a user (``user_guards``).
"""

from __future__ import annotations

from itertools import batched
from typing import TYPE_CHECKING, Any

from periodyear.adapters.register_items import (
    ADMIN_COUNT,
    ADMINS,
    USER_GUARDS,
    USER_HOLDERS,
    USER_PREFIX,
    email_sk,
    key,
    register_user,
    user_changes,
    user_sk,
    versioned_user_item,
)
from periodyear.adapters.register_table import TRANSACTION_ACTIONS, AtVersion, decode_cursor, encode_cursor
from periodyear.domain.client_register import Conflict, Stale

if TYPE_CHECKING:
    from periodyear.adapters.errors import Transacted
    from periodyear.adapters.register_table import RegisterTable
    from periodyear.domain.client_register import Member, RegisterUser

NO_ADMIN_LEFT = "the tenant would have no admin left: make another user admin first"


class UserStore:
    def __init__(self, table: RegisterTable) -> None:
        self._table = table

    # ------------------------------------------------------------------ reads
    def member(self, tenant_id: str, user_id: str) -> Member:
        return self._table.member(tenant_id, user_id)

    def member_and_user(
        self, tenant_id: str, caller_id: str, user_id: str
    ) -> tuple[Member, RegisterUser | None]:
        """The caller's standing and the user it names (itself, perhaps), in one BatchGetItem."""
        member, items = self._table.standing(tenant_id, caller_id, user_sk(user_id))
        user = items.get(user_sk(user_id))
        return member, register_user(user) if user else None

    def users(
        self, tenant_id: str, *, limit: int, after: str | None
    ) -> tuple[list[RegisterUser], str | None]:
        """Up to ``limit`` users in user id order after the cursor's, and the next cursor."""
        start = user_sk(decode_cursor(after)) if after is not None else None
        page, more = self._table.page(tenant_id, USER_PREFIX, limit=limit, after=start)
        users = [register_user(item) for item in page]
        return users, encode_cursor(users[-1].user_id) if more is not None and users else None

    # ------------------------------------------------------------------ writes
    def _email(self, tenant_id: str, user: RegisterUser, *, join: bool) -> dict[str, Any]:
        """Join the address's holders (on condition it has none) or leave them."""
        sk = email_sk(user.email)
        return self._table.holders(tenant_id, sk, USER_HOLDERS, [user.user_id], join=join, alone=join)

    def _admins(self, tenant_id: str, change: int) -> dict[str, Any]:
        """Count an admin more or less (one less on condition that one is left)."""
        action: dict[str, Any] = {
            "TableName": self._table.name,
            "Key": key(tenant_id, ADMINS),
            "UpdateExpression": "ADD #count :change",
            "ExpressionAttributeNames": {"#count": ADMIN_COUNT},
            "ExpressionAttributeValues": {":change": {"N": str(change)}},
        }
        if change < 0:
            action["ConditionExpression"] = "#count > :one"
            action["ExpressionAttributeValues"][":one"] = {"N": "1"}
        return {"Update": action}

    def guard_users(self, tenant_id: str) -> None:
        """Guard the addresses and count the admins of the users the migration wrote, then mark."""
        users = [register_user(item) for item in self._table.every(tenant_id, USER_PREFIX)]
        holders: dict[str, set[str]] = {}
        for user in users:
            holders.setdefault(email_sk(user.email), set()).add(user.user_id)
        admins = str(sum(user.role == "admin" for user in users))
        count = {
            "Update": {
                "TableName": self._table.name,
                "Key": key(tenant_id, ADMINS),
                "UpdateExpression": "SET #count = :n",
                "ExpressionAttributeNames": {"#count": ADMIN_COUNT},
                "ExpressionAttributeValues": {":n": {"N": admins}},
            }
        }
        joins = [
            self._table.holders(tenant_id, sk, USER_HOLDERS, ids, join=True)
            for sk, ids in sorted(holders.items())
        ]
        chunks = [[count], *batched(joins, TRANSACTION_ACTIONS - 1, strict=False)]
        self._table.guard(tenant_id, USER_GUARDS, chunks)

    def _write(self, tenant_id: str, actions: list[dict[str, Any]]) -> Transacted:
        return self._table.write(tenant_id, actions, mark=USER_GUARDS, guard=self.guard_users)

    def add_user(self, tenant_id: str, user: RegisterUser) -> None:
        put = self._table.put_new(versioned_user_item(tenant_id, user))
        address = self._email(tenant_id, user, join=True)
        actions = [put, address]
        if user.role == "admin":
            actions.append(self._admins(tenant_id, +1))
        written = self._write(tenant_id, actions)
        if written.failed(put):
            raise Conflict(f"a user {user.user_id} exists already")
        if written.failed(address):
            raise Conflict("another user of the tenant has that email")

    def replace_user(self, tenant_id: str, before: RegisterUser, after: RegisterUser) -> None:
        sets, at = user_changes(after), AtVersion(before.version)
        update = {"Update": self._table.update(tenant_id, user_sk(before.user_id), sets, at=at)}
        address = self._email(tenant_id, after, join=True)
        admins = self._admins(tenant_id, +1 if after.role == "admin" else -1)
        actions: list[dict[str, Any]] = [update]
        if email_sk(after.email) != email_sk(before.email):
            actions += [self._email(tenant_id, before, join=False), address]
        if before.role != after.role:
            actions.append(admins)
        written = self._write(tenant_id, actions)
        if written.failed(update):
            raise Stale(f"user {before.user_id} changed since it was read")
        if written.failed(address):
            raise Conflict("another user of the tenant has that email")
        if written.failed(admins):
            raise Conflict(NO_ADMIN_LEFT)

    def remove_user(self, tenant_id: str, user: RegisterUser) -> None:
        delete = self._table.delete(tenant_id, user_sk(user.user_id), at=AtVersion(user.version))
        admins = self._admins(tenant_id, -1)
        actions = [delete, self._email(tenant_id, user, join=False)]
        if user.role == "admin":
            actions.append(admins)
        written = self._write(tenant_id, actions)
        if written.failed(delete):
            raise Stale(f"user {user.user_id} changed since it was read")
        if written.failed(admins):
            raise Conflict(NO_ADMIN_LEFT)
