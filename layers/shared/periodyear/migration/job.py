"""The migrate_tenant job: parse an EventBridge event of the migration's source and act on it.

``TenantMigrationRequested`` {tenant_id, move_at?}, ``TenantMigrationDue`` {tenant_id} and
``MigrationWavePlanRequested`` {start_at, window_start, window_end, capacity_per_night, dry_run?}.
A malformed event is refused (a returned result, not retried); "now" is the event's ``time``,
and an event whose ``time`` is more than five minutes after the real clock is refused before
anything is read, sent or moved (the clock guard, CONTRACT §7).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, time
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from periodyear.domain.calendar import format_instant, parse_instant
from periodyear.domain.clock import event_time_allowed, future_event_reason
from periodyear.domain.errors import InvalidInstant, WavesDoNotFit
from periodyear.domain.events import MIGRATION_SOURCE
from periodyear.migration.outcomes import Outcome
from periodyear.observability import logger

if TYPE_CHECKING:
    from periodyear.migration.bootstrap import MigrationServices

Text = Annotated[StrictStr, Field(min_length=1)]
ClockTime = Annotated[StrictStr, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)


class Envelope(_Model):
    source: StrictStr
    detail_type: StrictStr = Field(alias="detail-type")
    time: StrictStr
    detail: dict[str, Any]


class Requested(_Model):
    tenant_id: Text
    move_at: StrictStr | None = None
    resume: StrictBool = False  # put by the notice step's resume schedule


class Due(_Model):
    tenant_id: Text
    resume: StrictBool = False  # put by a crashed move's resume schedule


class WavePlan(_Model):
    start_at: StrictStr
    window_start: ClockTime
    window_end: ClockTime
    capacity_per_night: Annotated[StrictInt, Field(ge=1)]
    dry_run: StrictBool = False


def _refused(reason: str, tenant_id: str | None = None) -> dict[str, Any]:
    logger.warning("migration event refused", extra={"reason": reason})
    return {"tenant_id": tenant_id, "outcome": Outcome.REFUSED.value, "reason": reason}


def _requested(services: MigrationServices, detail: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    request = Requested.model_validate(detail)
    move_at = parse_instant(request.move_at) if request.move_at is not None else None
    return services.requests.request(request.tenant_id, move_at, now, resume=request.resume).as_dict()


def _due(services: MigrationServices, detail: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    due = Due.model_validate(detail)
    return services.moves.due(due.tenant_id, now, resume=due.resume).as_dict()


def _wave_plan(services: MigrationServices, detail: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    plan = WavePlan.model_validate(detail)
    planned = services.waves.plan(
        start_at=parse_instant(plan.start_at),
        window_start=time.fromisoformat(plan.window_start),
        window_end=time.fromisoformat(plan.window_end),
        capacity_per_night=plan.capacity_per_night,
        now=now,
        dry_run=plan.dry_run,
    )
    waves = planned.waves
    return {
        "outcome": Outcome.PLANNED.value,
        "dry_run": plan.dry_run,
        "requests_sent": planned.requests_sent,
        "tenants": sum(len(w.moves) for w in waves),
        "waves": len(waves),
        "first_move": format_instant(waves[0].moves[0][1]) if waves else None,
        "last_move": format_instant(waves[-1].moves[-1][1]) if waves else None,
    }


Handler = Callable[["MigrationServices", Mapping[str, Any], datetime], dict[str, Any]]
HANDLERS: dict[str, Handler] = {  # detail-type → what handles it
    "TenantMigrationRequested": _requested,
    "TenantMigrationDue": _due,
    "MigrationWavePlanRequested": _wave_plan,
}
METRICS = {  # an outcome counted as a metric of its own
    Outcome.NOTIFIED: "NoticesSent",
    Outcome.MOVED: "TenantsMoved",
    Outcome.FAILED: "MigrationsFailed",
    Outcome.REFUSED: "MigrationsRefused",
}


def handle_migration_event(
    event: Mapping[str, Any], metrics: Metrics, services: MigrationServices
) -> dict[str, Any]:
    """``services`` are built before the event is read (the handler's ``from_environment``): a
    setting that is missing or malformed fails every invocation loudly (ConfigurationError
    naming it), never as a refusal of the event."""
    try:
        envelope = Envelope.model_validate(event)
        now = parse_instant(envelope.time)
        if envelope.source != MIGRATION_SOURCE:
            return _refused(f"source {envelope.source!r} is not {MIGRATION_SOURCE}")
        clock_now = services.clock()
        if not event_time_allowed(now, clock_now):
            tenant = envelope.detail.get("tenant_id")
            return _refused(future_event_reason(now, clock_now), tenant if isinstance(tenant, str) else None)
        handler = HANDLERS.get(envelope.detail_type)
        if handler is None:
            return _refused(f"detail-type {envelope.detail_type!r} is not a migration event")
        result = handler(services, envelope.detail, now)
    except ValidationError as error:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        return _refused(f"the event is malformed: {detail}")
    except (InvalidInstant, WavesDoNotFit) as error:
        return _refused(str(error))
    metric = METRICS.get(Outcome(result["outcome"]))
    if metric:
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    if result.get("taken_over"):  # a step whose delivery died, brought on after its lease
        metrics.add_metric(name="MigrationStepsStalled", unit=MetricUnit.Count, value=1)
    return result
