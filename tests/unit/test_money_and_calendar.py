from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from periodyear.domain.calendar import (
    Period,
    PeriodKind,
    add_months,
    oslo_date,
    parse_date,
    parse_instant,
)
from periodyear.domain.errors import InvalidDate, InvalidInstant
from periodyear.domain.money import ore, parse_decimal_string, to_ore


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("174.75", "174.75"), ("10.0049", "10.00")],
)
def test_rounding_is_half_up_to_ore(exact: str, rounded: str) -> None:
    assert to_ore(Decimal(exact)) == Decimal(rounded)


@pytest.mark.parametrize("bad", [659.0, 659, "659,00", "-1.00", "", "1e3", None])
def test_prices_must_be_decimal_strings(bad: object) -> None:
    with pytest.raises(ValueError, match="decimal string"):
        parse_decimal_string(bad)


def test_ore_refuses_fractions_of_ore() -> None:
    assert ore(Decimal("43.34")) == 4334
    with pytest.raises(ValueError, match="øre"):
        ore(Decimal("0.005"))


@pytest.mark.parametrize(
    "text",
    [
        "2022-02-30T10:00:00Z",
        "2022-02-10T10:00:00",
        "2022-02-10 10:00:00Z",
        "2022-02-10T10:00:00.000Z",
        "2022-02-10T10:00:00+00:00",
        20220210,
        None,
    ],
)
def test_instants_must_have_the_exact_form_and_be_real(text: object) -> None:
    with pytest.raises(InvalidInstant):
        parse_instant(text)


@pytest.mark.parametrize(
    ("instant", "oslo"),
    [
        ("2022-02-28T23:30:00Z", date(2022, 3, 1)),  # CET: 00:30 on 1 March
        ("2022-03-31T21:30:00Z", date(2022, 3, 31)),  # CEST: 23:30 on 31 March
        ("2022-03-31T22:30:00Z", date(2022, 4, 1)),  # CEST: 00:30 on 1 April
        ("2022-10-31T22:30:00Z", date(2022, 10, 31)),  # CET again: 23:30 on 31 October
        ("2022-10-31T23:30:00Z", date(2022, 11, 1)),
        ("2022-08-31T21:59:00Z", date(2022, 8, 31)),
        ("2022-08-31T22:01:00Z", date(2022, 9, 1)),
    ],
)
def test_an_instant_belongs_to_its_oslo_date(instant: str, oslo: date) -> None:
    assert oslo_date(parse_instant(instant)) == oslo


def test_month_bounds_in_utc_follow_summer_time() -> None:
    assert Period.parse_month("2022-03").utc_bounds() == ("2022-02-28T23:00:00Z", "2022-03-31T22:00:00Z")
    assert Period.parse_month("2022-10").utc_bounds() == ("2022-09-30T22:00:00Z", "2022-10-31T23:00:00Z")


def test_periods() -> None:
    assert Period.month_before(date(2022, 1, 1)) == Period(
        PeriodKind.MONTHLY, date(2021, 12, 1), date(2022, 1, 1)
    )
    annual = Period.annual(2022)
    assert (annual.start, annual.end, annual.last_day, annual.label) == (
        date(2021, 9, 1),
        date(2022, 9, 1),
        date(2022, 8, 31),
        "2022",
    )
    assert Period.parse_month("2022-02").label == "2022-02"
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse_month("2022-13")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2021, 11, 30), 3, date(2022, 2, 28)),
        (date(2022, 1, 31), 1, date(2022, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2021, 11, 15), 3, date(2022, 2, 15)),
        (date(2021, 6, 1), 12, date(2022, 6, 1)),
    ],
)
def test_calendar_months_clamp_to_the_last_day(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_every_day_belongs_to_exactly_one_month(day: date) -> None:
    period = Period.month(day.year, day.month)
    assert period.contains(day)
    assert not Period.month_before(period.start).contains(day)
    assert not Period.month_before(period.end).end > period.end


@pytest.mark.parametrize(
    "text", ["20220301", "2022-W09-2", "2022-060", "2022-3-1", "2022-02-30", " 2022-03-01", 20220301]
)
def test_a_date_is_only_the_contracts_form_and_a_real_day(text: object) -> None:
    with pytest.raises(InvalidDate):
        parse_date(text)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_every_day_reads_back_from_its_contract_form(day: date) -> None:
    assert parse_date(day.isoformat()) == day


def test_a_subscription_date_in_another_iso_form_is_refused_naming_the_field() -> None:
    from periodyear.adapters.register_items import _optional_date  # noqa: PLC0415
    from periodyear.domain.errors import TenantDataError  # noqa: PLC0415

    assert _optional_date("t1", {"paid_through": "2022-02-27"}, "paid_through") == date(2022, 2, 27)
    with pytest.raises(TenantDataError, match="paid_through is not an ISO date: '20220227'"):
        _optional_date("t1", {"paid_through": "20220227"}, "paid_through")
