"""The clock guard (CONTRACT §7): an event's ``time`` may come from a replay or a test, never from the future.

A pure rule, shared by every job that takes "now" from an event: the caller passes the real
clock, so the rule itself reads no clock and is tested at its boundary.
"""

from __future__ import annotations

from datetime import datetime, timedelta

CLOCK_TOLERANCE = timedelta(minutes=5)


def event_time_allowed(event_time: datetime, clock_now: datetime) -> bool:
    """True when ``event_time`` is at most five minutes after the real clock (the boundary is allowed)."""
    return event_time <= clock_now + CLOCK_TOLERANCE


def future_event_reason(event_time: datetime, clock_now: datetime) -> str:
    """Why an event from the future is refused, with both instants (UTC, to the second)."""
    return (
        f"the event's time {event_time:%Y-%m-%dT%H:%M:%SZ} is more than "
        f"{int(CLOCK_TOLERANCE.total_seconds()) // 60} minutes after the clock "
        f"({clock_now:%Y-%m-%dT%H:%M:%SZ}); an event may be replayed, never come from the future"
    )
