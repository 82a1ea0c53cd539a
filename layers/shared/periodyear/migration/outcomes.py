"""What one migration event did: its own module, so the handler names outcomes without loading
the service (the service and its adapters are built on the first event)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What one migration event did (billing's ``Outcome`` is its counterpart)."""

    NOTIFIED = "notified"  # the notice went out and the move is scheduled
    UNCHANGED = "unchanged"  # nothing to do: a repeat, or the step is done
    IN_PROGRESS = "in_progress"  # another delivery holds the step's lease
    REFUSED = "refused"  # the event or the tenant's data does not allow the step (nothing written)
    MOVED = "moved"
    FAILED = "failed"  # the move was taken and found wrong (alarmed)
    PLANNED = "planned"  # a wave plan
