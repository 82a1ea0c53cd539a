"""Planning the waves (``MigrationWavePlanRequested``, CONTRACT §7): every tenant not yet moved
gets a move time in a nightly window, and one ``TenantMigrationRequested`` goes on the bus for
each (none for a dry run). A plan that does not fit before the deadline raises ``WavesDoNotFit``
and requests nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from periodyear.domain.calendar import format_instant
from periodyear.domain.migration import Wave, move_time, plan_waves

if TYPE_CHECKING:
    from periodyear.migration.ports import MoveRequests, TenantsToMove


@dataclass(frozen=True)
class PlannedWaves:
    waves: list[Wave]
    requests_sent: int  # 0 for a dry run


class WavePlanService:
    def __init__(
        self, *, legacy: TenantsToMove, requests: MoveRequests, lead_days: int, deadline: datetime
    ) -> None:
        self._legacy = legacy
        self._requests = requests
        self._lead_days = lead_days
        self._deadline = deadline

    def plan(
        self,
        *,
        start_at: datetime,
        window_start: time,
        window_end: time,
        capacity_per_night: int,
        now: datetime,
        dry_run: bool = False,
    ) -> PlannedWaves:
        """Waves for every tenant not yet moved; puts one request per tenant unless a dry run.

        Moves start no earlier than ``now`` + the notice lead, so no request is pushed later."""
        tenants = sorted(self._legacy.tenants_to_move())
        earliest = max(start_at, move_time(None, now, self._lead_days))
        waves = plan_waves(
            tenants,
            earliest=earliest,
            window_start=window_start,
            window_end=window_end,
            capacity_per_night=capacity_per_night,
            deadline=self._deadline,
        )
        if dry_run:
            return PlannedWaves(waves, 0)
        sent = self._requests.request_moves(
            {"tenant_id": tenant, "move_at": format_instant(at)}
            for wave in waves
            for tenant, at in wave.moves
        )
        return PlannedWaves(waves, sent)
