"""The migration's per-tenant state machine, as the service sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

LEASE = timedelta(minutes=10)


class Status(StrEnum):
    REQUESTED = "REQUESTED"
    NOTIFIED = "NOTIFIED"
    MOVING = "MOVING"
    MOVED = "MOVED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class MigrationState:
    tenant_id: str
    status: Status
    move_at: datetime
    version: int
    notices_sent: int
    schedule_set: bool
    lease_until: datetime | None
    failure_reason: str | None
    attributes: dict[str, Any]

    def leased(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now


@dataclass(frozen=True)
class Lease:
    tenant_id: str
    token: str


class Conflict(Exception):
    """Another delivery changed the state first."""
