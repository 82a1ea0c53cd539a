"""The old prepaid agreement and the new terms (CONTRACT §2): ``paid_through`` and the switch date."""

from __future__ import annotations

from datetime import date, timedelta

from periodyear.domain.calendar import add_months, first_of_month_on_or_after

INTERVALS = (3, 12)


def paid_through(current_period_start: date, interval_months: int) -> date:
    """The last Oslo date the prepaid interval covers: start + interval (clamped) − 1 day."""
    if interval_months not in INTERVALS:
        raise ValueError(f"an agreement interval is 3 or 12 months, not {interval_months}")
    return add_months(current_period_start, interval_months) - timedelta(days=1)


def price_switch_date(paid_through_date: date, new_prices_from: date) -> date:
    """The later of ``new_prices_from`` and the first first-of-month on or after paid_through + 1."""
    return max(new_prices_from, first_of_month_on_or_after(paid_through_date + timedelta(days=1)))


def new_tenant_switch_date(created_on: date) -> date:
    """A tenant created in the new service pays standard prices from its first month."""
    return created_on.replace(day=1)
