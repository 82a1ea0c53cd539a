"""The register's verbs for a tenant's clients, on a store that keeps them (CONTRACT §9).

Every call names the tenant by the caller alone (the token's claims), and every store call takes
that tenant as its key's first part: another tenant's client is not found, never forbidden.
The store holds the rules that concurrent requests could break (one active client per org
number, a version per client) in its conditional writes; this service holds the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from periodyear.domain.calendar import format_instant
from periodyear.domain.client_register import (
    Caller,
    ClientChange,
    Forbidden,
    NotFound,
    RegisterClient,
    RegisterUser,
    Stale,
    check_archivable,
    check_changeable,
    check_id,
    check_member,
    check_version,
    org_number,
    tenant_user,
)
from periodyear.register.ports import ClientStore, Events, TenantList, TenantUsers


@dataclass(frozen=True)
class Page:
    items: list[RegisterClient]
    next_cursor: str | None


class ClientService:
    def __init__(
        self,
        *,
        store: ClientStore,
        events: Events,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:20],
    ) -> None:
        self._store = store
        self._events = events
        self._clock = clock
        self._new_id = new_id

    def _client(self, caller: Caller, client_id: str) -> tuple[str, RegisterClient]:
        tenant_id, user_id = tenant_user(caller)
        member, client = self._store.member_and_client(tenant_id, user_id, check_id("client_id", client_id))
        check_member(member)
        if client is None:
            raise NotFound(f"no client {client_id}")
        return tenant_id, client

    def list_clients(self, caller: Caller, *, limit: int, cursor: str | None, include_archived: bool) -> Page:
        tenant_id, user_id = tenant_user(caller)
        check_member(self._store.member(tenant_id, user_id))
        items, after = self._store.clients(
            tenant_id, limit=limit, after=cursor, include_archived=include_archived
        )
        return Page(items, after)

    def client(self, caller: Caller, client_id: str) -> RegisterClient:
        return self._client(caller, client_id)[1]

    def add_client(self, caller: Caller, *, name: str, org: str, client_id: str | None) -> RegisterClient:
        tenant_id, user_id = tenant_user(caller)
        check_member(self._store.member(tenant_id, user_id))
        now = format_instant(self._clock())
        client = RegisterClient(
            client_id=check_id("client_id", client_id) if client_id is not None else self._new_id(),
            name=name,
            org_number=org_number(org),
            is_bureau_client=False,
            version=1,
            created_at=now,
            updated_at=now,
        )
        self._store.add_client(tenant_id, client)
        self._events.changed(
            "ClientCreated", {"tenant_id": tenant_id, "actor": user_id, "client_id": client.client_id}
        )
        return client

    def change_client(
        self, caller: Caller, client_id: str, change: ClientChange, *, if_match: int | None
    ) -> RegisterClient:
        """Apply the change to the version ``If-Match`` names; without one, to the client as it is
        (a concurrent change in between is read again, never answered 412)."""
        for _ in range(3):
            tenant_id, client = self._client(caller, client_id)
            check_changeable(client)
            check_version(client, if_match)
            changed = replace(
                client,
                name=change.name if change.name is not None else client.name,
                org_number=org_number(change.org_number)
                if change.org_number is not None
                else client.org_number,
            )
            if changed == client:
                return client  # nothing to change: no write, no event
            changed = replace(changed, version=client.version + 1, updated_at=format_instant(self._clock()))
            try:
                self._store.replace_client(tenant_id, client, changed)
            except Stale:
                if if_match is not None:
                    raise
                continue
            actor = str(caller.user_id)
            self._events.changed(
                "ClientUpdated", {"tenant_id": tenant_id, "actor": actor, "client_id": client_id}
            )
            return changed
        raise Stale(f"client {client_id} kept changing while it was changed; try again")

    def archive_client(self, caller: Caller, client_id: str, *, if_match: int | None) -> None:
        """Archive the version ``If-Match`` names; without one, the client as it is."""
        for _ in range(3):
            tenant_id, client = self._client(caller, client_id)
            if client.archived:
                return  # archived already: DELETE repeated, nothing changes
            check_archivable(client)
            check_version(client, if_match)
            try:
                self._store.archive_client(tenant_id, client, format_instant(self._clock()))
            except Stale:
                if if_match is not None:
                    raise
                continue
            actor = str(caller.user_id)
            self._events.changed(
                "ClientArchived", {"tenant_id": tenant_id, "actor": actor, "client_id": client_id}
            )
            return
        raise Stale(f"client {client_id} kept changing while it was archived; try again")


class TenantReads:
    """What a tenant's user reads of its own tenant's users."""

    def __init__(self, *, store: TenantUsers) -> None:
        self._store = store

    def users(
        self, caller: Caller, *, limit: int, cursor: str | None
    ) -> tuple[list[RegisterUser], str | None]:
        tenant_id, user_id = tenant_user(caller)
        check_member(self._store.member(tenant_id, user_id))
        return self._store.users(tenant_id, limit=limit, after=cursor)


class OperatorReads:
    """What an operator reads: every tenant of the register."""

    def __init__(self, *, store: TenantList) -> None:
        self._store = store

    def tenants(
        self, caller: Caller, *, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        if not caller.operator:
            raise Forbidden("this route is for operators")
        return self._store.tenant_page(limit=limit, after=cursor)
