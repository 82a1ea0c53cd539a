"""What the register's services read and write, as they see it; the adapters (and the in-memory
stores of the tests, ``periodyear_local.memory_register``) provide them. Each service takes only
the ports it uses; a port is written once here, however many services use it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from periodyear.domain.calendar import PeriodKind
    from periodyear.domain.client_register import Member, NewTenant, RegisterClient, RegisterUser
    from periodyear.domain.delivery import Delivery
    from periodyear.domain.invoice import IssuedInvoice


class Events(Protocol):
    """One event on the project's bus per change (``source`` periodyear.register)."""

    def changed(self, detail_type: str, detail: dict[str, str]) -> None: ...


class Members(Protocol):
    def member(self, tenant_id: str, user_id: str) -> Member: ...


class ClientStore(Members, Protocol):
    """A tenant's clients; its writes hold one active client per org number and a version each
    (``Conflict``: the id or the org number is taken; ``Stale``: changed since it was read)."""

    def member_and_client(
        self, tenant_id: str, user_id: str, client_id: str
    ) -> tuple[Member, RegisterClient | None]: ...
    def clients(
        self, tenant_id: str, *, limit: int, after: str | None, include_archived: bool
    ) -> tuple[list[RegisterClient], str | None]: ...
    def add_client(self, tenant_id: str, client: RegisterClient) -> None: ...
    def replace_client(self, tenant_id: str, before: RegisterClient, after: RegisterClient) -> None: ...
    def archive_client(self, tenant_id: str, client: RegisterClient, at: str) -> None: ...


class UserPages(Protocol):
    def users(
        self, tenant_id: str, *, limit: int, after: str | None
    ) -> tuple[list[RegisterUser], str | None]: ...


class TenantUsers(Members, UserPages, Protocol):
    """What a tenant's user reads of its own tenant's users: its standing, and the users."""


class UserStore(Protocol):
    """A tenant's users; its writes hold one user an address and an admin always
    (``Conflict``), a version each (``Stale``)."""

    def member_and_user(
        self, tenant_id: str, caller_id: str, user_id: str
    ) -> tuple[Member, RegisterUser | None]: ...
    def add_user(self, tenant_id: str, user: RegisterUser) -> None: ...
    def replace_user(self, tenant_id: str, before: RegisterUser, after: RegisterUser) -> None: ...
    def remove_user(self, tenant_id: str, user: RegisterUser) -> None: ...


class TenantStore(Protocol):
    """The tenant itself: its PROFILE as an admin changes it, a tenant an operator creates."""

    def member_and_tenant(
        self, tenant_id: str, user_id: str
    ) -> tuple[Member, dict[str, Any] | None, dict[str, Any] | None]: ...
    def change_profile(self, tenant_id: str, version: int, changes: dict[str, Any], at: str) -> None: ...
    def create_tenant(self, tenant: NewTenant) -> None: ...  # Conflict: in the register already
    def remove_created_tenant(self, tenant: NewTenant) -> None: ...


class TenantList(Protocol):
    def tenant_page(self, *, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]: ...


class Legacy(Protocol):
    def holds_unmoved(self, tenant_id: str) -> bool: ...


class SignIns(Protocol):
    """The users' sign-ins in the user pool, one an address."""

    def create(self, tenant_id: str, user: RegisterUser) -> None: ...  # Conflict/Invalid: refused
    def owner(self, email: str) -> tuple[str, str] | None: ...  # (tenant_id, user_id) signing in
    def change_email(self, old: str, new: str) -> None: ...
    def disable(self, email: str) -> None: ...


class InvoiceStore(Protocol):
    def newest(
        self, tenant_id: str, kind: PeriodKind, *, limit: int, before: str | None
    ) -> tuple[list[dict[str, Any]], bool]: ...
    def by_number(self, tenant_id: str, number: int) -> IssuedInvoice | None: ...


class Links(Protocol):
    def url(self, key: str, seconds: int) -> str: ...


class DeliveryReads(Protocol):
    def get(self, tenant_id: str, kind: PeriodKind | str, period: str) -> Delivery | None: ...
    def many(self, keys: Any) -> dict[tuple[str, str, str], Delivery]: ...


class Resends(Protocol):
    def request(self, message: Mapping[str, Any]) -> None:
        """Hand a resend request to the delivery queue."""
        ...
