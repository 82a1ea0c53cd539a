"""The register API's client store in memory, under the conditions of ``adapters.client_store``:
one active client per org number, a version per client, archived clients read-only."""

from __future__ import annotations

from dataclasses import dataclass, field

from periodyear.adapters.client_store import decode_cursor, encode_cursor
from periodyear.domain.client_register import Conflict, Member, RegisterClient, Stale


@dataclass
class MemoryTenant:
    active: bool = True
    users: dict[str, str] = field(default_factory=dict)  # user_id → role
    clients: dict[str, RegisterClient] = field(default_factory=dict)


@dataclass
class MemoryClientStore:
    tenants: dict[str, MemoryTenant] = field(default_factory=dict)
    reads: int = 0  # requests a DynamoDB store would make to read (a BatchGetItem or a Query page)

    def member(self, tenant_id: str, user_id: str) -> Member:
        self.reads += 1
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            return Member(False, None)
        return Member(tenant.active, tenant.users.get(user_id))

    def member_and_client(
        self, tenant_id: str, user_id: str, client_id: str
    ) -> tuple[Member, RegisterClient | None]:
        member = self.member(tenant_id, user_id)
        tenant = self.tenants.get(tenant_id)
        return member, tenant.clients.get(client_id) if tenant else None

    def clients(
        self, tenant_id: str, *, limit: int, after: str | None, include_archived: bool
    ) -> tuple[list[RegisterClient], str | None]:
        self.reads += 1
        start = decode_cursor(after) if after is not None else ""
        tenant = self.tenants.get(tenant_id, MemoryTenant())
        ordered = [c for _, c in sorted(tenant.clients.items()) if c.client_id > start]
        shown = [c for c in ordered if include_archived or not c.archived]
        page = shown[:limit]
        more = len(shown) > limit
        return page, encode_cursor(page[-1].client_id) if more else None

    def _org_taken(self, tenant: MemoryTenant, client: RegisterClient) -> bool:
        return any(
            c.org_number == client.org_number and not c.archived and c.client_id != client.client_id
            for c in tenant.clients.values()
        )

    def add_client(self, tenant_id: str, client: RegisterClient) -> None:
        tenant = self.tenants[tenant_id]
        if client.client_id in tenant.clients:
            raise Conflict(f"a client {client.client_id} exists already")
        if self._org_taken(tenant, client):
            raise Conflict(f"another active client has org_number {client.org_number}")
        tenant.clients[client.client_id] = client

    def replace_client(self, tenant_id: str, before: RegisterClient, after: RegisterClient) -> None:
        tenant = self.tenants[tenant_id]
        if tenant.clients.get(before.client_id) != before:
            raise Stale(f"client {before.client_id} changed since it was read")
        if after.org_number != before.org_number and self._org_taken(tenant, after):
            raise Conflict(f"another active client has org_number {after.org_number}")
        tenant.clients[before.client_id] = after

    def archive_client(self, tenant_id: str, client: RegisterClient, at: str) -> None:
        from dataclasses import replace  # noqa: PLC0415

        tenant = self.tenants[tenant_id]
        if tenant.clients.get(client.client_id) != client:
            raise Stale(f"client {client.client_id} changed since it was read")
        tenant.clients[client.client_id] = replace(
            client, archived_at=at, updated_at=at, version=client.version + 1
        )


@dataclass
class MemoryRegisterEvents:
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def changed(self, detail_type: str, detail: dict[str, str]) -> None:
        self.sent.append((detail_type, dict(detail)))
