"""The register API's stores in memory, under the conditions of the adapters: a tenant's clients
(``adapters.client_store``: one active client per org number, a version per client, archived
clients read-only), its users (``adapters.user_store``: one user an address, whatever its case, an
admin always, a version per user), the tenant itself (``adapters.tenant_store``: a version per
PROFILE, a tenant created once), the user pool's sign-ins and the legacy platform's tenants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from periodyear.adapters.register_table import decode_cursor, encode_cursor
from periodyear.domain.client_register import (
    Conflict,
    Invalid,
    Member,
    NewTenant,
    RegisterClient,
    RegisterUser,
    Stale,
    email_key,
)
from periodyear.register.tenants import profile_of


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


@dataclass
class MemoryFirm:
    """A tenant as the user and tenant stores keep it: its PROFILE, its SUBSCRIPTION, its users."""

    profile: dict[str, Any]
    subscription: dict[str, Any] | None = None
    users: dict[str, RegisterUser] = field(default_factory=dict)

    def admins(self) -> int:
        return sum(user.role == "admin" for user in self.users.values())

    def holder(self, address: str) -> str | None:
        """The user whose address this is, whatever its case."""
        holders = (u.user_id for u in self.users.values() if email_key(u.email) == email_key(address))
        return next(holders, None)


@dataclass
class MemoryTenants:
    """The users' and the tenant's stores over one register of firms (``tenant_id`` → firm)."""

    firms: dict[str, MemoryFirm] = field(default_factory=dict)

    def member(self, tenant_id: str, user_id: str) -> Member:
        firm = self.firms.get(tenant_id)
        if firm is None:
            return Member(False, None)
        user = firm.users.get(user_id)
        return Member(firm.profile.get("status") == "ACTIVE", user.role if user else None)

    # ------------------------------------------------------------------ users
    def member_and_user(
        self, tenant_id: str, caller_id: str, user_id: str
    ) -> tuple[Member, RegisterUser | None]:
        firm = self.firms.get(tenant_id)
        return self.member(tenant_id, caller_id), firm.users.get(user_id) if firm else None

    def users(
        self, tenant_id: str, *, limit: int, after: str | None
    ) -> tuple[list[RegisterUser], str | None]:
        start = decode_cursor(after) if after is not None else ""
        firm = self.firms.get(tenant_id)
        ordered = [u for _, u in sorted(firm.users.items()) if u.user_id > start] if firm else []
        page = ordered[:limit]
        return page, encode_cursor(page[-1].user_id) if len(ordered) > limit else None

    def add_user(self, tenant_id: str, user: RegisterUser) -> None:
        firm = self.firms[tenant_id]
        if user.user_id in firm.users:
            raise Conflict(f"a user {user.user_id} exists already")
        if firm.holder(user.email) is not None:
            raise Conflict("another user of the tenant has that email")
        firm.users[user.user_id] = user

    def _held(self, firm: MemoryFirm, user: RegisterUser) -> None:
        held = firm.users.get(user.user_id)
        if held is None or held.version != user.version:
            raise Stale(f"user {user.user_id} changed since it was read")

    def replace_user(self, tenant_id: str, before: RegisterUser, after: RegisterUser) -> None:
        firm = self.firms[tenant_id]
        self._held(firm, before)
        if firm.holder(after.email) not in (None, before.user_id):
            raise Conflict("another user of the tenant has that email")
        if before.role == "admin" and after.role != "admin" and firm.admins() <= 1:
            raise Conflict("the tenant would have no admin left: make another user admin first")
        firm.users[before.user_id] = after

    def remove_user(self, tenant_id: str, user: RegisterUser) -> None:
        firm = self.firms[tenant_id]
        self._held(firm, user)
        if user.role == "admin" and firm.admins() <= 1:
            raise Conflict("the tenant would have no admin left: make another user admin first")
        del firm.users[user.user_id]

    # ------------------------------------------------------------------ the tenant itself
    def member_and_tenant(
        self, tenant_id: str, user_id: str
    ) -> tuple[Member, dict[str, Any] | None, dict[str, Any] | None]:
        firm = self.firms.get(tenant_id)
        if firm is None:
            return self.member(tenant_id, user_id), None, None
        subscription = dict(firm.subscription) if firm.subscription is not None else None
        return self.member(tenant_id, user_id), dict(firm.profile), subscription

    def change_profile(self, tenant_id: str, version: int, changes: dict[str, Any], at: str) -> None:
        firm = self.firms.get(tenant_id)
        if firm is None or int(firm.profile.get("version", 0)) != version:
            raise Stale("the tenant changed since it was read")
        profile = {**firm.profile, **{k: v for k, v in changes.items() if v is not None}}
        firm.profile = {k: v for k, v in profile.items() if k not in changes or changes[k] is not None}
        firm.profile |= {"version": version + 1, "updated_at": at}

    def create_tenant(self, tenant: NewTenant) -> None:
        if tenant.tenant_id in self.firms:
            raise Conflict(f"a tenant {tenant.tenant_id} is in the register already")
        profile = profile_of(tenant) | {"version": 1, "created_at": tenant.created_at}
        subscription = {"package": tenant.package, "price_switch_date": tenant.price_switch_date.isoformat()}
        admin = tenant.admin
        self.firms[tenant.tenant_id] = MemoryFirm(
            {k: v for k, v in profile.items() if v is not None}, subscription, {admin.user_id: admin}
        )

    def remove_created_tenant(self, tenant: NewTenant) -> None:
        self.firms.pop(tenant.tenant_id, None)

    def tenant_page(self, *, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        ids = sorted(t for t in self.firms if after is None or t > after)
        page = [
            {**{k: self.firms[t].profile.get(k) for k in ("tenant_id", "name", "org_number", "status")},
             "package": (self.firms[t].subscription or {}).get("package")}
            for t in ids[:limit]
        ]  # fmt: skip
        return page, ids[limit - 1] if len(ids) > limit else None


@dataclass
class MemorySignIns:
    """The user pool: one sign-in an address (``email`` → (tenant_id, user_id, enabled)); an
    address in ``refused`` is one the pool cannot take."""

    held: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)

    def create(self, tenant_id: str, user: RegisterUser) -> None:
        if user.email in self.refused:
            raise Invalid("the user pool cannot take that email", fields={"email": "refused by the pool"})
        if user.email.casefold() in {address.casefold() for address in self.held}:
            raise Conflict("that email signs in to the service already (one sign-in an address)")
        self.held[user.email] = (tenant_id, user.user_id, True)

    def owner(self, email: str) -> tuple[str, str] | None:
        held = self.held.get(email)
        return (held[0], held[1]) if held else None

    def change_email(self, old: str, new: str) -> None:
        if old in self.held:
            self.held[new] = self.held.pop(old)

    def disable(self, email: str) -> None:
        if email in self.held:
            tenant_id, user_id, _ = self.held[email]
            self.held[email] = (tenant_id, user_id, False)


@dataclass
class MemoryLegacy:
    """The old platform's tenants not yet moved."""

    unmoved: set[str] = field(default_factory=set)

    def holds_unmoved(self, tenant_id: str) -> bool:
        return tenant_id in self.unmoved
