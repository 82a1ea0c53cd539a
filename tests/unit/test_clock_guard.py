"""The clock guard (CONTRACT §7) as a pure rule, at its boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from periodyear.domain.clock import event_time_allowed, future_event_reason

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_an_event_up_to_five_minutes_ahead_of_the_clock_is_allowed() -> None:
    assert event_time_allowed(NOW - timedelta(days=400), NOW)  # a replay
    assert event_time_allowed(NOW, NOW)
    assert event_time_allowed(NOW + timedelta(minutes=5), NOW)  # exactly the tolerance


def test_an_event_more_than_five_minutes_ahead_is_refused() -> None:
    assert not event_time_allowed(NOW + timedelta(minutes=5, seconds=1), NOW)
    assert not event_time_allowed(NOW + timedelta(days=30), NOW)


def test_the_reason_names_both_instants() -> None:
    reason = future_event_reason(NOW + timedelta(minutes=6), NOW)
    assert "2025-03-01T12:06:00Z" in reason
    assert "2025-03-01T12:00:00Z" in reason
