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

from dataclasses import replace
from itertools import batched
from typing import TYPE_CHECKING, Any

from periodyear.adapters.register_items import (
    ARCHIVED,
    CLIENT_HOLDERS,
    CLIENT_PREFIX,
    ORG_GUARDS,
    client_changes,
    client_sk,
    org_number_sk,
    register_client,
    versioned_client_item,
)
from periodyear.adapters.register_table import TRANSACTION_ACTIONS, AtVersion, decode_cursor, encode_cursor
from periodyear.domain.client_register import Conflict, Stale

if TYPE_CHECKING:
    from periodyear.adapters.errors import Transacted
    from periodyear.adapters.register_table import RegisterTable
    from periodyear.domain.client_register import Member, RegisterClient


class ClientStore:
    def __init__(self, table: RegisterTable) -> None:
        self._table = table

    # ------------------------------------------------------------------ reads
    def member(self, tenant_id: str, user_id: str) -> Member:
        return self._table.member(tenant_id, user_id)

    def member_and_client(
        self, tenant_id: str, user_id: str, client_id: str
    ) -> tuple[Member, RegisterClient | None]:
        member, items = self._table.standing(tenant_id, user_id, client_sk(client_id))
        client = items.get(client_sk(client_id))
        return member, register_client(client) if client else None

    def clients(
        self, tenant_id: str, *, limit: int, after: str | None, include_archived: bool
    ) -> tuple[list[RegisterClient], str | None]:
        """Up to ``limit`` clients in client id order after the cursor's, and the next cursor."""
        found: list[RegisterClient] = []
        start = client_sk(decode_cursor(after)) if after is not None else None
        only = None if include_archived else f"attribute_not_exists({ARCHIVED})"
        while len(found) < limit:
            page, start = self._table.page(
                tenant_id, CLIENT_PREFIX, limit=limit - len(found), after=start, only=only
            )
            found += [register_client(item) for item in page]
            if start is None:
                return found, None
        return found, encode_cursor(found[-1].client_id)

    # ------------------------------------------------------------------ writes
    def _holds(self, tenant_id: str, client: RegisterClient, *, join: bool) -> dict[str, Any]:
        """Join the org number's holders (on condition it has none) or leave them."""
        sk = org_number_sk(client.org_number)
        return self._table.holders(tenant_id, sk, CLIENT_HOLDERS, [client.client_id], join=join, alone=join)

    def guard_existing(self, tenant_id: str) -> None:
        """Write the guards of the clients the migration wrote, then mark the tenant guarded
        (a tenant of 50,000 clients: about 500 transactions, once)."""
        holders: dict[str, set[str]] = {}
        for client in map(register_client, self._table.every(tenant_id, CLIENT_PREFIX)):
            if not client.archived:  # a number the old platform gave two clients keeps both
                holders.setdefault(client.org_number, set()).add(client.client_id)
        joins = [
            self._table.holders(tenant_id, org_number_sk(number), CLIENT_HOLDERS, ids, join=True)
            for number, ids in sorted(holders.items())
        ]
        self._table.guard(tenant_id, ORG_GUARDS, batched(joins, TRANSACTION_ACTIONS - 1, strict=False))

    def _write(self, tenant_id: str, actions: list[dict[str, Any]]) -> Transacted:
        return self._table.write(tenant_id, actions, mark=ORG_GUARDS, guard=self.guard_existing)

    def add_client(self, tenant_id: str, client: RegisterClient) -> None:
        put = self._table.put_new(versioned_client_item(tenant_id, client))
        holds = self._holds(tenant_id, client, join=True)
        written = self._write(tenant_id, [put, holds])
        if written.failed(put):
            raise Conflict(f"a client {client.client_id} exists already")
        if written.failed(holds):
            raise Conflict(f"another active client has org_number {client.org_number}")

    def _update(self, tenant_id: str, before: RegisterClient, after: RegisterClient) -> dict[str, Any]:
        """The client's attributes set to ``after``'s, on condition it is still ``before``'s
        version and not archived."""
        sets, at = client_changes(after), AtVersion(before.version)
        sk, condition = client_sk(before.client_id), f"attribute_not_exists({ARCHIVED})"
        return {"Update": self._table.update(tenant_id, sk, sets, at=at, condition=condition)}

    def replace_client(self, tenant_id: str, before: RegisterClient, after: RegisterClient) -> None:
        update = self._update(tenant_id, before, after)
        holds = self._holds(tenant_id, after, join=True)
        actions = [update]
        if after.org_number != before.org_number:
            actions += [self._holds(tenant_id, before, join=False), holds]
        written = self._write(tenant_id, actions)
        if written.failed(update):
            raise Stale(f"client {before.client_id} changed since it was read")
        if written.failed(holds):
            raise Conflict(f"another active client has org_number {after.org_number}")

    def archive_client(self, tenant_id: str, client: RegisterClient, at: str) -> None:
        archived = replace(client, archived_at=at, updated_at=at, version=client.version + 1)
        actions = [self._update(tenant_id, client, archived), self._holds(tenant_id, client, join=False)]
        if not self._write(tenant_id, actions).committed:
            raise Stale(f"client {client.client_id} changed since it was read")
