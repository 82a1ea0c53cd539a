from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest

from periodyear.billing.request import BillingPlan, plan_run
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.errors import EventFromTheFuture, InvalidRequest, PeriodNotEnded

CLOCK = datetime(2022, 3, 10, 12, 0, tzinfo=UTC)


def plan(
    event: Mapping[str, object], kind: PeriodKind = PeriodKind.MONTHLY, clock: datetime = CLOCK
) -> BillingPlan:
    return plan_run(kind, event, clock_now=clock, run_id="r1")


def test_a_scheduled_event_bills_the_oslo_month_before_its_time() -> None:
    envelope = {
        "version": "0",
        "id": "x",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "1",
        "time": "2022-03-01T02:00:00Z",
        "region": "eu-north-1",
        "resources": [],
        "detail": {},
    }
    p = plan(envelope)
    assert (p.period, p.issue_date, p.dry_run, p.tenant_ids) == (
        Period.parse_month("2022-02"),
        date(2022, 3, 1),
        False,
        None,
    )


def test_the_scheduler_input_time_is_read_in_oslo() -> None:
    # 23:30 UTC on 31 March is 01:30 on 1 April in Oslo (CEST): March has ended.
    p = plan({"time": "2022-03-31T23:30:00Z"}, clock=datetime(2022, 3, 31, 23, 30, 2, tzinfo=UTC))
    assert (p.period.label, p.issue_date) == ("2022-03", date(2022, 4, 1))


def test_without_time_the_clock_decides() -> None:
    assert plan({}).period.label == "2022-02"


def test_a_manual_event_names_its_period_and_options() -> None:
    p = plan({"period": "2022-01", "issue_date": "2022-02-03", "tenant_ids": ["b", "a", "b"]})
    assert (p.period.label, p.issue_date, p.tenant_ids) == ("2022-01", date(2022, 2, 3), ("b", "a"))


def test_an_unended_period_is_refused_but_may_be_previewed() -> None:
    with pytest.raises(PeriodNotEnded, match="2022-03"):
        plan({"period": "2022-03"})
    assert plan({"period": "2022-03", "dry_run": True}).dry_run


def test_the_annual_schedule_in_september_bills_that_year() -> None:
    p = plan({"time": "2022-09-01T02:00:00Z"}, PeriodKind.ANNUAL, clock=datetime(2022, 9, 1, 2, tzinfo=UTC))
    assert (p.period, p.issue_date) == (Period.annual(2022), date(2022, 9, 1))
    assert plan({"year": 2021}, PeriodKind.ANNUAL).period == Period.annual(2021)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"period": "2022-13"}, "YYYY-MM"),
        ({"period": "2022-01", "time": "2022-03-01 02:00"}, "time"),
        ({"period": "2022-01", "dry_run": "yes"}, "dry_run"),
        ({"period": "2022-01", "tenant_ids": []}, "tenant_ids"),
        ({"period": "2022-01", "issue_date": "2022-01-15"}, "before the end"),
        ({"period": "2022-01", "issue_date": "2022-02-30"}, "real date"),
        ({"year": 2022}, "period"),
        ({"period": 202201}, "period"),
    ],
)
def test_bad_events_get_a_clear_error(event: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        plan(event)


def test_an_event_from_the_future_is_refused_five_minutes_being_the_limit() -> None:
    clock = datetime(2022, 6, 1, 2, 0, tzinfo=UTC)
    at_the_limit = plan_run(PeriodKind.MONTHLY, {"time": "2022-06-01T02:05:00Z"}, clock_now=clock, run_id="r")
    assert at_the_limit.period.label == "2022-05"
    with pytest.raises(
        EventFromTheFuture, match=r"2022-06-01T02:05:01Z is more than 5 minutes after the clock"
    ):
        plan_run(PeriodKind.MONTHLY, {"time": "2022-06-01T02:05:01Z"}, clock_now=clock, run_id="r")
    with pytest.raises(EventFromTheFuture):  # a manual event too, dry run or not
        plan_run(
            PeriodKind.ANNUAL,
            {"year": 2022, "dry_run": True, "time": "2023-01-01T00:00:00Z"},
            clock_now=clock,
            run_id="r",
        )
