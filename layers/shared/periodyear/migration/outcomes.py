"""What one migration event did: its own module, so the handler names outcomes without loading
the steps (the services and their adapters are built on the first event)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What one migration event did (billing's ``Outcome`` is its counterpart)."""

    NOTIFIED = "notified"  # the notice went out and the move is scheduled
    UNCHANGED = "unchanged"  # nothing to do: a repeat, or the step is done
    IN_PROGRESS = "in_progress"  # another delivery holds the step's lease
    REFUSED = "refused"  # the event or the tenant's data does not allow the step (nothing written)
    MOVED = "moved"
    FAILED = "failed"  # the move was taken and found wrong (alarmed)
    PLANNED = "planned"  # a wave plan


@dataclass(frozen=True)
class Result:
    """What a delivery of a request or a move did."""

    tenant_id: str
    outcome: Outcome
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "outcome": self.outcome.value,
            "reason": self.reason,
            **self.details,
        }
