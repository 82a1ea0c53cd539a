"""In-memory repositories behind the services' protocols, for fast service-level tests and benchmarks.

Each keeps the promises of the adapter it stands in for (the same conditions, the same
stored shapes where a test reads them) without any AWS, so a service's rules can be run
in milliseconds. The adapters themselves are tested against moto.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from periodyear.adapters.register import register_differences
from periodyear.adapters.register_items import (
    LISTING,
    MIGRATED_AT,
    PROFILE,
    is_listed,
    listing,
    moved_tenant_items,
    register_profile,
    unlisted,
)
from periodyear.domain.calendar import format_instant, parse_instant
from periodyear.domain.errors import Conflict
from periodyear.domain.migration import LegacyTenant, RegisterProfile, RegisterTenant
from periodyear.domain.migration_state import LEASE, Lease, MigrationState, PromisedTerms, Status

# ====================================================================== migration
# Fakes of the ports in ``periodyear.migration.ports``: the old platform, the register's
# profiles and writes, the notice's and the move's states, mail, schedules, the bus.


class MemoryLegacy:
    """The old platform (CONTRACT §1): tenants as ``LegacyRepository.load`` returns them.

    A move changes nothing but the profile's ``migration_status`` and ``migrated_at``."""

    def __init__(self, tenants: Iterable[LegacyTenant] = ()) -> None:
        self._tenants: dict[str, LegacyTenant] = {}
        for tenant in tenants:
            self.add(tenant)

    def add(self, tenant: LegacyTenant) -> None:
        self._tenants[tenant.tenant_id] = copy.deepcopy(tenant)

    def load(self, tenant_id: str) -> LegacyTenant:
        """The tenant; one the old platform does not hold has no profile and no agreement."""
        return copy.deepcopy(self._tenants.get(tenant_id, LegacyTenant(tenant_id, None, None)))

    def tenants_to_move(self) -> Iterator[str]:
        """Tenants with a profile not marked moved (as the adapter's scan filters them)."""
        for tenant in list(self._tenants.values()):
            if tenant.profile is not None and not tenant.migrated:
                yield tenant.tenant_id

    def mark_migrated(self, tenant_id: str, at: datetime) -> None:
        tenant = self._tenants.get(tenant_id)
        if tenant is None or tenant.profile is None:  # the adapter's attribute_exists(pk)
            raise Conflict(f"{tenant_id} has no legacy PROFILE to mark")
        profile = dict(tenant.profile) | {"migration_status": "MIGRATED", "migrated_at": format_instant(at)}
        self._tenants[tenant_id] = replace(tenant, profile=profile)


class MemoryRegister:
    """The client register (CONTRACT §2) as the migration writes it: items by tenant and sort key.

    Written as ``RegisterWriter`` writes it: the PROFILE first, by an update that keeps its
    ``gsi1`` keys, the other items 25 a batch, and the listing last, conditionally.
    ``before_write`` is called with each write's name ("PROFILE", "batch 1", …, "list") before
    it happens, so a test can crash the move at any of them."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict[str, Any]]] = {}  # tenant_id → sk → item
        self.before_write: Callable[[str], None] = lambda _write: None

    def add_items(self, tenant_id: str, items: Iterable[Mapping[str, Any]]) -> None:
        """Items already there (a tenant created in the new service, or a tampered copy)."""
        partition = self.items.setdefault(tenant_id, {})
        for item in items:
            partition[str(item["sk"])] = dict(item)

    def profile(self, tenant_id: str) -> RegisterProfile | None:
        item = self.items.get(tenant_id, {}).get(PROFILE)
        return register_profile(tenant_id, item) if item is not None else None

    def tenant_ids(self) -> Iterator[str]:
        """Every listed tenant, as ``RegisterRepository.tenant_ids`` queries ``gsi1``."""
        for partition in list(self.items.values()):
            profile = partition.get(PROFILE, {})
            if is_listed(profile):
                yield str(profile[LISTING[1]])

    def put_tenant(self, tenant: RegisterTenant) -> int:
        profile, *rest = moved_tenant_items(tenant)
        self.before_write("PROFILE")
        partition = self.items.setdefault(tenant.tenant_id, {})
        held = partition.get(PROFILE, {})
        partition[PROFILE] = unlisted(profile) | {k: held[k] for k in LISTING if k in held}
        for start in range(0, len(rest), 25):
            self.before_write(f"batch {start // 25 + 1}")
            self.add_items(tenant.tenant_id, rest[start : start + 25])
        return 1 + len(rest)

    def list_tenant(self, tenant: RegisterTenant) -> None:
        self.before_write("list")
        profile = self.items.get(tenant.tenant_id, {}).get(PROFILE)
        if profile is None or profile.get(MIGRATED_AT) != format_instant(tenant.migrated_at):
            raise Conflict(f"{tenant.tenant_id}'s PROFILE is not the one this move wrote")
        profile |= listing(tenant.tenant_id)

    def differences(self, tenant: RegisterTenant) -> list[str]:
        return register_differences(tenant, self.items.get(tenant.tenant_id, {}).values())


@dataclass
class _Stored:
    """One MIGRATION item: the state the service reads and the bookkeeping the adapter keeps beside it."""

    state: MigrationState
    lease_token: str | None = None
    notice_message_id: str | None = None
    notice_recipients: int | None = None
    last_error: str | None = None
    moved_at: datetime | None = None
    clients_moved: int | None = None
    users_moved: int | None = None


def _instant(moment: datetime) -> datetime:
    """An instant as the table holds it: whole seconds, UTC (leases compare at that precision)."""
    return parse_instant(format_instant(moment))


class MemoryStates:
    """Migration states under the conditions of ``MigrationStateRepository``'s conditional writes.

    A stale version, a lease still held, a lost lease token or a reset move raise ``Conflict``,
    exactly where DynamoDB would refuse the adapter's update."""

    def __init__(self) -> None:
        self._stored: dict[str, _Stored] = {}

    def get(self, tenant_id: str) -> MigrationState | None:
        stored = self._stored.get(tenant_id)
        return stored.state if stored else None

    def stored(self, tenant_id: str) -> _Stored | None:
        """What a test may check beyond the state: the notice's message id, the counts moved."""
        return self._stored.get(tenant_id)

    @staticmethod
    def _free(state: MigrationState, now: datetime) -> bool:
        return state.lease_until is None or state.lease_until <= _instant(now)

    def _held(self, lease: Lease) -> _Stored:
        stored = self._stored.get(lease.tenant_id)
        if stored is None or stored.lease_token != lease.token:
            raise Conflict(lease.tenant_id)
        return stored

    def _settle(self, stored: _Stored, **changes: Any) -> None:
        """Apply a change that ends the lease and counts a version, as every finishing update does."""
        stored.state = replace(stored.state, lease_until=None, version=stored.state.version + 1, **changes)
        stored.lease_token = None

    def claim_notice(
        self,
        tenant_id: str,
        *,
        move_at: datetime,
        now: datetime,
        expected: MigrationState | None,
        terms: PromisedTerms,
    ) -> Lease:
        token = uuid.uuid4().hex
        current = self._stored.get(tenant_id)
        lease_until = _instant(now + LEASE)
        if expected is None:
            if current is not None:  # attribute_not_exists(pk)
                raise Conflict(tenant_id)
            state = MigrationState(
                tenant_id, Status.REQUESTED, _instant(move_at), 1, 0, False, lease_until, None, terms
            )
            self._stored[tenant_id] = _Stored(state, lease_token=token)
            return Lease(tenant_id, token)
        if current is None or current.state.version != expected.version or not self._free(current.state, now):
            raise Conflict(tenant_id)
        current.state = replace(
            current.state,
            status=Status.REQUESTED,
            move_at=_instant(move_at),
            lease_until=lease_until,
            version=current.state.version + 1,
            schedule_set=False,
            terms=terms,
            failure_reason=None,
        )
        current.lease_token = token
        return Lease(tenant_id, token)

    def notice_sent(self, lease: Lease, *, message_id: str, recipients: int, now: datetime) -> None:
        stored = self._held(lease)
        self._settle(stored, status=Status.NOTIFIED, notices_sent=stored.state.notices_sent + 1)
        stored.notice_message_id, stored.notice_recipients = message_id, recipients

    def release(self, lease: Lease, *, reason: str, now: datetime) -> None:
        stored = self._held(lease)
        self._settle(stored)
        stored.last_error = reason

    def schedule_set(self, tenant_id: str, *, move_at: datetime, now: datetime) -> None:
        stored = self._stored.get(tenant_id)
        if stored is None or stored.state.move_at != _instant(move_at):  # the move was reset meanwhile
            raise Conflict(tenant_id)
        stored.state = replace(stored.state, schedule_set=True, version=stored.state.version + 1)

    def claim_move(self, state: MigrationState, *, now: datetime) -> Lease:
        current = self._stored.get(state.tenant_id)
        if (
            current is None
            or current.state.version != state.version
            or current.state.status not in (Status.NOTIFIED, Status.MOVING, Status.FAILED)
            or not self._free(current.state, now)
        ):
            raise Conflict(state.tenant_id)
        token = uuid.uuid4().hex
        current.state = replace(
            current.state,
            status=Status.MOVING,
            lease_until=_instant(now + LEASE),
            version=current.state.version + 1,
        )
        current.lease_token = token
        return Lease(state.tenant_id, token)

    def moved(self, lease: Lease, *, now: datetime, clients: int, users: int) -> None:
        stored = self._held(lease)
        self._settle(stored, status=Status.MOVED, failure_reason=None)
        stored.moved_at, stored.clients_moved, stored.users_moved = _instant(now), clients, users

    def failed(self, lease: Lease, *, reason: str, now: datetime) -> None:
        self._settle(self._held(lease), status=Status.FAILED, failure_reason=reason)


@dataclass(frozen=True)
class SentMail:
    message: EmailMessage
    recipients: tuple[str, ...]
    message_id: str


@dataclass
class MemoryMail:
    """An outbox in place of SES; ``failures`` makes the next sends fail as a throttled SES would."""

    sent: list[SentMail] = field(default_factory=list)
    failures: int = 0

    def send(self, message: EmailMessage, recipients: Iterable[str]) -> str:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("SES did not take the message")
        mail = SentMail(message, tuple(recipients), f"memory-{len(self.sent) + 1}")
        self.sent.append(mail)
        return mail.message_id

    def to(self, tenant_id: str) -> list[SentMail]:
        """The notices sent about one tenant (the notice names it in a header)."""
        return [m for m in self.sent if m.message.get("X-Periodyear-Tenant") == tenant_id]


@dataclass
class MemorySchedules:
    """One move schedule per tenant; setting it again moves it, as ``MoveScheduler`` updates it.

    Also the resume schedules of ``MoveScheduler.set_resume``: one per tenant, the latest move's."""

    moves: dict[str, datetime] = field(default_factory=dict)
    resumes: dict[str, datetime] = field(default_factory=dict)
    resume_steps: dict[str, str] = field(default_factory=dict)  # the step a tenant's resume takes on

    def set_move(self, tenant_id: str, move_at: datetime) -> None:
        self.moves[tenant_id] = move_at

    def set_resume(self, tenant_id: str, at: datetime) -> None:
        self.resumes[tenant_id] = at
        self.resume_steps[tenant_id] = "move"

    def set_notice_resume(self, tenant_id: str, at: datetime) -> None:
        self.resumes[tenant_id] = at
        self.resume_steps[tenant_id] = "notice"


@dataclass
class MemoryRequests:
    """The ``TenantMigrationRequested`` details a wave plan would put on the bus, and the
    ``TenantMigrated`` details of completed moves."""

    moves: list[dict[str, str]] = field(default_factory=list)
    migrated: list[dict[str, str]] = field(default_factory=list)

    def request_moves(self, moves: Iterable[Mapping[str, str]]) -> int:
        batch = [dict(move) for move in moves]
        self.moves += batch
        return len(batch)

    def tenant_migrated(self, tenant_id: str, migrated_at: str) -> None:
        self.migrated.append({"tenant_id": tenant_id, "migrated_at": migrated_at})
