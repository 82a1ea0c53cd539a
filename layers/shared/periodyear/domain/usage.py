"""Usage records (CONTRACT §3): validation, and the distinct ids a meter counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from periodyear.domain.calendar import Period, oslo_date, parse_instant
from periodyear.domain.errors import InvalidInstant
from periodyear.domain.meters import METER_SOURCES, Meter


@dataclass(frozen=True)
class UsageRecord:
    """A valid usage item: who (the counted id) did it on which Oslo date."""

    meter: Meter
    counted_id: str
    day: date


@dataclass(frozen=True)
class InvalidUsage:
    reference: str  # where it was read (for the log; carries no personal data)
    reason: str


def read_usage(
    meter: Meter, attributes: Mapping[str, object], period: Period, reference: str
) -> UsageRecord | InvalidUsage:
    """Validate one item read for ``meter`` within ``period``'s key range.

    Invalid when the counted id is missing, empty or not a string, when ``occurred_at``
    is not an exact, real instant, when ``type`` does not match the range it was read
    from, or when ``occurred_at`` (which decides the date, not the sort key) falls
    outside the period.
    """
    source = METER_SOURCES[meter]
    if attributes.get("type") != source.usage_type:
        return InvalidUsage(reference, f"type is {attributes.get('type')!r}, expected {source.usage_type!r}")
    counted = attributes.get(source.counted_id)
    if not isinstance(counted, str) or not counted:
        return InvalidUsage(reference, f"{source.counted_id} is missing, empty or not a string")
    try:
        day = oslo_date(parse_instant(attributes.get("occurred_at")))
    except InvalidInstant as error:
        return InvalidUsage(reference, f"occurred_at: {error}")
    if not period.contains(day):
        return InvalidUsage(
            reference, f"occurred_at falls on {day}, outside {period.label}; the sort key disagrees"
        )
    return UsageRecord(meter, counted, day)


def distinct_ids(records: Iterable[UsageRecord], meter: Meter, after: date | None = None) -> frozenset[str]:
    """Distinct counted ids of ``meter``; with ``after``, only usage on a later Oslo date."""
    return frozenset(
        record.counted_id
        for record in records
        if record.meter is meter and (after is None or record.day > after)
    )
