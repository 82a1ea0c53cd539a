"""Meters: what a charge counts, and which usage type and id feed it (CONTRACT §3)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from periodyear.domain.calendar import PeriodKind


class Meter(StrEnum):
    PERIOD_ACTIVE_CLIENTS = "period_active_clients"
    ANNUAL_SUBMITTED_CLIENTS = "annual_submitted_clients"
    VPI_USERS = "vpi_users"


@dataclass(frozen=True)
class MeterSource:
    usage_type: str
    counted_id: str  # the attribute whose distinct values are counted
    counts_clients: bool  # a client meter's line is allocated over its clients
    kind: PeriodKind  # the kind of invoice whose charges may use it


METER_SOURCES: dict[Meter, MeterSource] = {
    Meter.PERIOD_ACTIVE_CLIENTS: MeterSource("period.closed", "client_id", True, PeriodKind.MONTHLY),
    Meter.ANNUAL_SUBMITTED_CLIENTS: MeterSource("annual.submitted", "client_id", True, PeriodKind.ANNUAL),
    Meter.VPI_USERS: MeterSource("vpi.active", "user_id", False, PeriodKind.MONTHLY),
}
