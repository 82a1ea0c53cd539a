"""The migration's per-tenant state machine (CONTRACT §7), as the service and its stores see it.

REQUESTED (move set, notice not yet sent) → NOTIFIED → MOVING → MOVED, or FAILED with the
reason. Whoever acts (sends a notice, copies data) first holds a ``Lease``; a lease that
outlives its holder (a crash) expires after ``LEASE`` and the next delivery takes over.
"""

from __future__ import annotations

from collections.abc import Iterable
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


# A move not begun this long after its time is overdue (its schedule fires at the time).
MOVE_OVERDUE = timedelta(hours=1)


def why_stuck(state: MigrationState, now: datetime) -> str | None:
    """Why a tenant is not moving on by itself, or None while it is (or is moved)."""
    if state.leased(now) or state.status is Status.MOVED:
        return None
    if state.status is Status.FAILED:
        return f"the move failed: {state.failure_reason}; request the move again"
    if state.status is Status.MOVING:
        return "the move's delivery died and its lease ran out; its resume has not taken it over"
    if state.status is Status.REQUESTED:
        if state.lease_until is not None:
            return "the notice's delivery died and its lease ran out; its resume has not taken it over"
        return "the notice was not sent (SES refused it); request the move again"
    if not state.schedule_set:
        return "the notice was sent but the move's schedule is not set; request the move again"
    if now - state.move_at > MOVE_OVERDUE:
        return "the move time passed and the move has not begun; deliver it with 'migrate due'"
    return None


def stuck(states: Iterable[MigrationState], now: datetime) -> list[tuple[MigrationState, str]]:
    """The tenants not moving on by themselves, with why, by tenant id."""
    found = [(state, why) for state in states if (why := why_stuck(state, now)) is not None]
    return sorted(found, key=lambda pair: pair[0].tenant_id)
