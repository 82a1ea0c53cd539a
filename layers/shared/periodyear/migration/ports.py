"""What the migration's steps read and write, as each step sees it; the adapters (and the
in-memory repositories of ``periodyear_local.memory``) provide them.

Each step takes only what it uses: requesting a move reads the old platform and the register's
profile, keeps the notice's state, sends the notice and sets its schedules; moving reads and
marks the old platform, writes the register, keeps the move's state, sets its resume and
announces the move; planning lists the tenants to move and requests their moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from email.message import EmailMessage

    from periodyear.domain.migration import LegacyTenant, RegisterProfile, RegisterTenant
    from periodyear.domain.migration_state import Lease, MigrationState, PromisedTerms


# ------------------------------------------------------------------ the old platform
class Legacy(Protocol):
    def load(self, tenant_id: str) -> LegacyTenant: ...


class LegacyMarked(Legacy, Protocol):
    def mark_migrated(self, tenant_id: str, at: datetime) -> None: ...


class TenantsToMove(Protocol):
    def tenants_to_move(self) -> Iterable[str]: ...


# ------------------------------------------------------------------ the client register
class RegisterProfiles(Protocol):
    def profile(self, tenant_id: str) -> RegisterProfile | None: ...


class RegisterWrites(Protocol):
    def put_tenant(self, tenant: RegisterTenant) -> int: ...  # every item, the PROFILE unlisted
    def differences(self, tenant: RegisterTenant) -> list[str]: ...
    def list_tenant(self, tenant: RegisterTenant) -> None: ...  # gsi1 keys: the last register write


# ------------------------------------------------------------------ the per-tenant state
class NoticeStates(Protocol):
    def get(self, tenant_id: str) -> MigrationState | None: ...
    def claim_notice(
        self,
        tenant_id: str,
        *,
        move_at: datetime,
        now: datetime,
        expected: MigrationState | None,
        terms: PromisedTerms,
    ) -> Lease: ...
    def notice_sent(self, lease: Lease, *, message_id: str, recipients: int, now: datetime) -> None: ...
    def release(self, lease: Lease, *, reason: str, now: datetime) -> None: ...
    def schedule_set(self, tenant_id: str, *, move_at: datetime, now: datetime) -> None: ...


class MoveStates(Protocol):
    def get(self, tenant_id: str) -> MigrationState | None: ...
    def claim_move(self, state: MigrationState, *, now: datetime) -> Lease: ...
    def moved(self, lease: Lease, *, now: datetime, clients: int, users: int) -> None: ...
    def failed(self, lease: Lease, *, reason: str, now: datetime) -> None: ...


# ------------------------------------------------------------------ mail, schedules, the bus
class Mail(Protocol):
    def send(self, message: EmailMessage, recipients: Iterable[str]) -> str: ...


class NoticeSchedules(Protocol):
    def set_move(self, tenant_id: str, move_at: datetime) -> None: ...  # TenantMigrationDue
    def set_notice_resume(self, tenant_id: str, at: datetime) -> None: ...  # ...Requested, resume


class MoveResumes(Protocol):
    def set_resume(self, tenant_id: str, at: datetime) -> None: ...  # TenantMigrationDue, resume


class MoveRequests(Protocol):
    def request_moves(self, moves: Iterable[Mapping[str, str]]) -> int: ...  # TenantMigrationRequested


class Announcer(Protocol):
    def tenant_migrated(self, tenant_id: str, migrated_at: str) -> None: ...  # TenantMigrated
