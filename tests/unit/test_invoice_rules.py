"""CONTRACT §5 and the worked example of §8, on the pure domain."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from periodyear.domain.agreement import new_tenant_switch_date, paid_through, price_switch_date
from periodyear.domain.calendar import Period, oslo_date, parse_instant
from periodyear.domain.catalog import load_catalog
from periodyear.domain.invoice import InvoiceDraft, compose_invoice, meters_billed, price_list_for
from periodyear.domain.meters import Meter
from periodyear.domain.tenant import Subscription
from periodyear.domain.usage import UsageRecord

CATALOG = load_catalog(Path(__file__).parents[1] / "data" / "worked_example_catalog.json")
KOMPLETT = Subscription(
    "KOMPLETT",
    price_switch_date=date(2022, 3, 1),
    paid_through=date(2022, 2, 14),
    legacy_package="PERIODE_OG_AR",
)


def used(meter: Meter, who: str, instant: str) -> UsageRecord:
    return UsageRecord(meter, who, oslo_date(parse_instant(instant)))


WORKED_USAGE = [
    used(Meter.PERIOD_ACTIVE_CLIENTS, "c1", "2022-02-10T10:00:00Z"),
    used(Meter.PERIOD_ACTIVE_CLIENTS, "c2", "2022-02-20T10:00:00Z"),
    used(Meter.PERIOD_ACTIVE_CLIENTS, "c3", "2022-02-28T23:30:00Z"),
    used(Meter.PERIOD_ACTIVE_CLIENTS, "c1", "2022-03-05T10:00:00Z"),
    used(Meter.PERIOD_ACTIVE_CLIENTS, "c2", "2022-03-06T10:00:00Z"),
    used(Meter.PERIOD_ACTIVE_CLIENTS, "c2", "2022-03-07T10:00:00Z"),
    used(Meter.PERIOD_ACTIVE_CLIENTS, "c4", "2022-03-31T22:30:00Z"),
    used(Meter.VPI_USERS, "u1", "2022-02-03T09:00:00Z"),
]


def bill(
    period: Period,
    issue: date,
    subscription: Subscription = KOMPLETT,
    usage: list[UsageRecord] = WORKED_USAGE,
) -> InvoiceDraft | None:
    in_period = [u for u in usage if period.contains(u.day)]
    return compose_invoice(
        tenant_id="t1",
        subscription=subscription,
        period=period,
        usage=in_period,
        catalog=CATALOG,
        issue_date=issue,
    )


def lines(draft: InvoiceDraft | None) -> list[tuple[str, int, str, list[tuple[str, str]]]]:
    assert draft is not None
    return [
        (line.code, line.quantity, str(line.amount), [(a.client_id, str(a.amount)) for a in line.allocations])
        for line in draft.lines
    ]


def test_the_worked_example_agreement() -> None:
    end = paid_through(date(2021, 11, 15), 3)
    assert end == date(2022, 2, 14)
    assert price_switch_date(end, CATALOG.new_prices_from) == date(2022, 3, 1)


def test_worked_example_february() -> None:
    draft = bill(Period.parse_month("2022-02"), date(2022, 3, 1))
    assert draft is not None
    assert draft.price_list == "intro"
    assert lines(draft) == [("PERIOD", 1, "40.00", [("c2", "40.00")]), ("VPI", 1, "659.00", [])]
    assert (draft.subtotal, draft.vat_amount, draft.total, draft.due_date) == (
        Decimal("699.00"),
        Decimal("174.75"),
        Decimal("873.75"),
        date(2022, 3, 15),
    )


def test_worked_example_march() -> None:
    draft = bill(Period.parse_month("2022-03"), date(2022, 4, 1))
    assert draft is not None
    assert draft.price_list == "standard"
    assert lines(draft) == [("PERIOD", 3, "130.00", [("c1", "43.34"), ("c2", "43.33"), ("c3", "43.33")])]
    assert (draft.subtotal, draft.vat_amount, draft.total, draft.due_date) == (
        Decimal("130.00"),
        Decimal("32.50"),
        Decimal("162.50"),
        date(2022, 4, 15),
    )


def test_worked_example_april() -> None:
    draft = bill(Period.parse_month("2022-04"), date(2022, 5, 1))
    assert draft is not None
    assert lines(draft) == [("PERIOD", 1, "50.00", [("c4", "50.00")])]
    assert (draft.subtotal, draft.vat_amount, draft.total) == (
        Decimal("50.00"),
        Decimal("12.50"),
        Decimal("62.50"),
    )


def test_worked_example_annual_2022() -> None:
    usage = [
        used(Meter.ANNUAL_SUBMITTED_CLIENTS, "c1", "2022-01-20T10:00:00Z"),
        used(Meter.ANNUAL_SUBMITTED_CLIENTS, "c2", "2022-05-02T10:00:00Z"),
        used(Meter.ANNUAL_SUBMITTED_CLIENTS, "c3", "2022-08-31T21:59:00Z"),
        used(Meter.ANNUAL_SUBMITTED_CLIENTS, "c4", "2022-08-31T22:01:00Z"),
    ]
    draft = bill(Period.annual(2022), date(2022, 9, 1), usage=usage)
    assert draft is not None
    assert draft.price_list == "standard"
    assert lines(draft) == [("ANNUAL", 2, "300.00", [("c2", "150.00"), ("c3", "150.00")])]
    assert (draft.subtotal, draft.vat_amount, draft.total, draft.due_date) == (
        Decimal("300.00"),
        Decimal("75.00"),
        Decimal("375.00"),
        date(2022, 9, 15),
    )


@pytest.mark.parametrize(
    ("day", "billed"),
    [(date(2022, 2, 14), False), (date(2022, 2, 15), True)],
)
def test_usage_on_paid_through_is_prepaid_and_the_day_after_is_billed(day: date, billed: bool) -> None:
    draft = bill(
        Period.parse_month("2022-02"),
        date(2022, 3, 1),
        usage=[UsageRecord(Meter.PERIOD_ACTIVE_CLIENTS, "c1", day)],
    )
    assert (draft is not None) is billed


def test_add_ons_have_no_prepaid_exclusion() -> None:
    usage = [
        UsageRecord(Meter.VPI_USERS, "u1", date(2022, 2, 1)),
        UsageRecord(Meter.PERIOD_ACTIVE_CLIENTS, "c1", date(2022, 2, 1)),
    ]
    assert lines(bill(Period.parse_month("2022-02"), date(2022, 3, 1), usage=usage)) == [
        ("VPI", 1, "659.00", [])
    ]


@pytest.mark.parametrize(
    ("month", "switch", "expected"),
    [
        ("2022-02", date(2022, 3, 1), "intro"),
        ("2022-03", date(2022, 3, 1), "standard"),
        ("2022-05", date(2022, 6, 1), "intro"),
        ("2022-06", date(2022, 6, 1), "standard"),
    ],
)
def test_monthly_price_list_by_the_first_day_of_the_month(month: str, switch: date, expected: str) -> None:
    assert price_list_for(Period.parse_month(month), Subscription("KOMPLETT", switch)) == expected


@pytest.mark.parametrize(
    ("year", "switch", "expected"),
    [
        (2022, date(2022, 8, 31), "standard"),
        (2022, date(2022, 9, 1), "intro"),
        (2023, date(2022, 9, 1), "standard"),
    ],
)
def test_annual_price_list_by_the_last_day_of_the_window(year: int, switch: date, expected: str) -> None:
    assert price_list_for(Period.annual(year), Subscription("KOMPLETT", switch)) == expected


def test_a_flat_charge_is_billed_only_for_a_period_ending_after_paid_through() -> None:
    still_prepaid = Subscription("PERIODEAVSLUTNING", date(2022, 4, 1), paid_through=date(2022, 3, 31))
    partly = Subscription("PERIODEAVSLUTNING", date(2022, 4, 1), paid_through=date(2022, 3, 30))
    new_tenant = Subscription("PERIODEAVSLUTNING", new_tenant_switch_date(date(2022, 3, 17)))
    march = Period.parse_month("2022-03")
    assert bill(march, date(2022, 4, 1), still_prepaid, usage=[]) is None
    assert lines(bill(march, date(2022, 4, 1), partly, usage=[])) == [("BASE", 1, "99.00", [])]
    assert lines(bill(march, date(2022, 4, 1), new_tenant, usage=[])) == [("BASE", 1, "149.00", [])]


def test_no_invoice_when_no_line_is_left() -> None:
    assert bill(Period.parse_month("2022-06"), date(2022, 7, 1), usage=[]) is None


@pytest.mark.parametrize(
    ("start", "interval", "through", "switch"),
    [
        (date(2021, 11, 30), 3, date(2022, 2, 27), date(2022, 3, 1)),
        (date(2021, 6, 1), 12, date(2022, 5, 31), date(2022, 6, 1)),
        (date(2021, 11, 15), 12, date(2022, 11, 14), date(2022, 12, 1)),
        (date(2021, 10, 1), 3, date(2021, 12, 31), date(2022, 3, 1)),
        (date(2021, 12, 1), 3, date(2022, 2, 28), date(2022, 3, 1)),
    ],
)
def test_paid_through_and_switch_date(start: date, interval: int, through: date, switch: date) -> None:
    assert paid_through(start, interval) == through
    assert price_switch_date(through, date(2022, 3, 1)) == switch


def test_other_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="3 or 12"):
        paid_through(date(2021, 1, 1), 6)


def test_a_fully_prepaid_period_reads_only_add_on_meters() -> None:
    prepaid = Subscription("KOMPLETT", date(2022, 7, 1), paid_through=date(2022, 6, 30))
    assert meters_billed(CATALOG, Period.parse_month("2022-06"), prepaid) == {Meter.VPI_USERS}
    assert meters_billed(CATALOG, Period.parse_month("2022-07"), prepaid) == {
        Meter.VPI_USERS,
        Meter.PERIOD_ACTIVE_CLIENTS,
    }
    assert meters_billed(CATALOG, Period.annual(2022), prepaid) == {Meter.ANNUAL_SUBMITTED_CLIENTS}
