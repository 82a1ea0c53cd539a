"""The migration's per-tenant state machine (CONTRACT §7), as the service and its stores see it.

REQUESTED (move set, notice not yet sent) → NOTIFIED → MOVING → MOVED, or FAILED with the
reason. Whoever acts (sends a notice, copies data) first holds a ``Lease``; a lease that
outlives its holder (a crash) expires after ``LEASE`` and the next delivery takes over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from periodyear.domain.migration import NewTerms

LEASE = timedelta(minutes=10)


class Status(StrEnum):
    REQUESTED = "REQUESTED"
    NOTIFIED = "NOTIFIED"
    MOVING = "MOVING"
    MOVED = "MOVED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class PromisedTerms:
    """The new subscription a notice promised; the move goes ahead only if the agreement still gives it."""

    package: str
    legacy_package: str
    paid_through: date
    price_switch_date: date

    @classmethod
    def of(cls, terms: NewTerms) -> PromisedTerms:
        return cls(terms.package, terms.legacy_package, terms.paid_through, terms.price_switch_date)

    def as_record(self) -> dict[str, str]:
        """As the migration state stores them (and as a failure reason quotes them)."""
        return {
            "package": self.package,
            "legacy_package": self.legacy_package,
            "paid_through": self.paid_through.isoformat(),
            "price_switch_date": self.price_switch_date.isoformat(),
        }


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
    terms: PromisedTerms | None  # None when the stored terms are missing or unreadable

    def leased(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now


@dataclass(frozen=True)
class Lease:
    tenant_id: str
    token: str
