"""From a job's event to a billing plan (CONTRACT §7).

A scheduled event (an EventBridge envelope, or the ``{"time": ...}`` an EventBridge
Scheduler input carries) bills the period that ended last; a manual event names
the period (``period`` or ``year``) with optional ``issue_date``, ``dry_run`` and
``tenant_ids``. "Now" is the event's ``time``, else the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from periodyear.domain.calendar import (
    Period,
    PeriodKind,
    format_instant,
    oslo_date,
    parse_date,
    parse_instant,
)
from periodyear.domain.clock import event_time_allowed, future_event_reason
from periodyear.domain.errors import (
    EventFromTheFuture,
    InvalidDate,
    InvalidField,
    InvalidInstant,
    InvalidRequest,
    PeriodNotEnded,
)

_DATE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BillingEvent(BaseModel):
    """The fields a billing job reads; everything else of an envelope is ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)  # built on first use

    time: StrictStr | None = None
    period: StrictStr | None = None
    year: Annotated[StrictInt, Field(ge=2000, le=9999)] | None = None
    issue_date: StrictStr | None = None
    dry_run: StrictBool = False
    tenant_ids: list[Annotated[StrictStr, Field(min_length=1)]] | None = Field(default=None, min_length=1)


@dataclass(frozen=True)
class BillingPlan:
    period: Period
    issue_date: date
    dry_run: bool
    tenant_ids: tuple[str, ...] | None  # None: every tenant in the register
    run_id: str
    now: datetime
    scheduled: bool = False  # started by the schedule (no ``period``/``year`` in the event)

    @property
    def kind(self) -> PeriodKind:
        return self.period.kind

    def header(self) -> dict[str, Any]:
        """What names the run in its summary."""
        return {
            "run_id": self.run_id,
            "kind": self.kind.value,
            "period": self.period.label,
            "issue_date": self.issue_date.isoformat(),
            "dry_run": self.dry_run,
        }

    def as_message(self) -> dict[str, Any]:
        """The plan as a fanned-out batch carries it (see ``from_message``)."""
        return {**self.header(), "now": format_instant(self.now)}

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> BillingPlan:
        kind = PeriodKind(message["kind"])
        label = str(message["period"])
        period = Period.parse_month(label) if kind is PeriodKind.MONTHLY else Period.annual(int(label))
        return cls(
            period=period,
            issue_date=parse_date(message["issue_date"]),
            dry_run=False,
            tenant_ids=None,
            run_id=str(message["run_id"]),
            now=parse_instant(message["now"]),
        )


def _parse(event: Mapping[str, Any]) -> BillingEvent:
    try:
        return BillingEvent.model_validate(event)
    except ValidationError as error:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}"
            for e in error.errors(include_url=False)
        )
        raise InvalidRequest(f"the event cannot start a billing run: {detail}") from error


def _scheduled_period(kind: PeriodKind, today: date) -> Period:
    if kind is PeriodKind.MONTHLY:
        return Period.month_before(today)
    # In September of Y (when the schedule fires) this is year Y; later, the last window that ended.
    return Period.annual(today.year if today.month >= 9 else today.year - 1)


def _manual_period(kind: PeriodKind, request: BillingEvent) -> Period:
    if kind is PeriodKind.MONTHLY:
        if request.year is not None or request.period is None:
            raise InvalidRequest('a manual monthly run names its month as "period": "YYYY-MM"')
        try:
            return Period.parse_month(request.period)
        except ValueError as error:
            raise InvalidRequest(str(error)) from error
    if request.period is not None or request.year is None:
        raise InvalidRequest('a manual annual run names its year as "year": YYYY')
    return Period.annual(request.year)


def plan_run(kind: PeriodKind, event: Mapping[str, Any], *, clock_now: datetime, run_id: str) -> BillingPlan:
    """The plan for a run of ``kind``, or ``InvalidRequest`` / ``PeriodNotEnded``."""
    if not isinstance(event, Mapping):
        raise InvalidRequest("the event must be a JSON object")
    request = _parse(event)
    try:
        now = parse_instant(request.time) if request.time is not None else clock_now
    except InvalidInstant as error:
        raise InvalidRequest(f"time: {error}") from error
    if not event_time_allowed(now, clock_now):  # before anything is read, billed or sent
        raise EventFromTheFuture(future_event_reason(now, clock_now))
    today = oslo_date(now)
    manual = request.period is not None or request.year is not None
    period = _manual_period(kind, request) if manual else _scheduled_period(kind, today)
    issue_date = today
    if request.issue_date is not None:
        try:
            issue_date = parse_date(request.issue_date)
        except InvalidDate as error:
            written = _DATE_FORM.match(request.issue_date)
            why = "is not a real date" if written else "is written YYYY-MM-DD, not"
            raise InvalidField("issue_date", f"{why}: {request.issue_date!r}") from error
    if not request.dry_run:
        if period.end > today:
            raise PeriodNotEnded(
                f"{kind.value.lower()} period {period.label} ends with its last day, {period.last_day}; "
                f"on {today} it has not ended and cannot be billed yet (a dry run may preview it)"
            )
        if issue_date < period.end:
            raise InvalidField(
                "issue_date",
                f"{issue_date} is before the end of period {period.label} (its last day is "
                f"{period.last_day}; the earliest issue date is {period.end})",
            )
    return BillingPlan(
        period=period,
        issue_date=issue_date,
        dry_run=request.dry_run,
        tenant_ids=tuple(dict.fromkeys(request.tenant_ids)) if request.tenant_ids else None,
        run_id=run_id,
        now=now,
        scheduled=not manual,
    )
