"""Hostile input, generated: every event, usage item, catalog and batch message is either
accepted or refused with the project's own typed error (or counted), never a crash.

The generators build JSON-like values (what EventBridge, SQS, DynamoDB and a catalog file can
carry) around the fields the code reads, so that most cases come close to valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from periodyear.billing.request import BillingPlan, plan_run
from periodyear.billing.worker import BatchMessage
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.catalog import parse_catalog
from periodyear.domain.errors import CatalogError, InvalidRequest, PeriodNotEnded
from periodyear.domain.meters import METER_SOURCES, Meter
from periodyear.domain.usage import InvalidUsage, UsageRecord, read_usage
from periodyear_local.template import PROJECT_ROOT
from tests.examples import examples

CLOCK = datetime(2026, 11, 28, 12, tzinfo=UTC)


def _outcome[T](call: Callable[[], T], *refusals: type[Exception]) -> T | Exception:
    """What ``call`` returns, or the refusal it raised (any other exception propagates: a crash)."""
    try:
        return call()
    except refusals as refusal:
        return refusal


FUZZ = settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["2022-05", "2022-13", "2022-02-30", "2022-06-01T02:00:00Z", "2022-06-01T02:00Z", "", " "]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
instants = st.one_of(
    st.datetimes(
        min_value=datetime(2021, 8, 1),  # noqa: DTZ001 (hypothesis takes naive bounds with timezones=)
        max_value=datetime(2022, 10, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z"),  # the form, not always a real instant
    st.text(max_size=25),
    scalars,
)
billing_events = st.fixed_dictionaries(
    {},
    optional={
        "time": instants,
        "period": st.one_of(st.from_regex(r"\A\d{4}-\d{2}\Z"), scalars),
        "year": st.one_of(st.integers(min_value=-5, max_value=10_000), scalars),
        "issue_date": st.one_of(st.dates().map(str), scalars),
        "dry_run": st.one_of(st.booleans(), scalars),
        "tenant_ids": st.one_of(st.lists(st.text(max_size=6), max_size=3), json_values),
        "detail": json_values,
        "source": scalars,
    },
)


@FUZZ
@given(event=st.one_of(billing_events, json_values), kind=st.sampled_from(PeriodKind))
def test_every_billing_event_is_planned_or_refused_with_a_typed_error(event: Any, kind: PeriodKind) -> None:
    outcome = _outcome(
        lambda: plan_run(kind, event, clock_now=CLOCK, run_id="fuzz"), InvalidRequest, PeriodNotEnded
    )
    if isinstance(outcome, Exception):
        assert str(outcome)  # says why
        return
    plan = outcome
    assert isinstance(plan, BillingPlan)
    assert plan.kind is kind
    assert plan.dry_run or plan.period.end <= plan.issue_date  # never bills an open period


@st.composite
def usage_items(draw: st.DrawFn) -> tuple[Meter, dict[str, Any]]:
    """Mostly the right type and a usable id, so the deeper checks (the instant) are reached."""
    meter = draw(st.sampled_from(Meter))
    source = METER_SOURCES[meter]
    item: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        item["type"] = source.usage_type if draw(st.integers(0, 4)) else draw(scalars)
    if draw(st.integers(0, 9)):
        item[source.counted_id] = draw(
            st.text(min_size=1, max_size=6) if draw(st.booleans()) else json_values
        )
    if draw(st.integers(0, 9)):
        item["occurred_at"] = draw(instants)
    item.update(
        draw(
            st.dictionaries(
                st.sampled_from(["event_id", "attributes", "user_id", "client_id"]), json_values, max_size=2
            )
        )
    )
    return meter, item


@FUZZ
@given(case=usage_items())
def test_every_usage_item_is_read_or_counted_invalid(case: tuple[Meter, dict[str, Any]]) -> None:
    meter, attributes = case
    period = Period.annual(2022) if meter is Meter.ANNUAL_SUBMITTED_CLIENTS else Period.parse_month("2022-05")
    read = read_usage(meter, attributes, period, "TENANT#t/sk")
    assert isinstance(read, UsageRecord | InvalidUsage)
    if isinstance(read, UsageRecord):
        assert period.contains(read.day)
        assert isinstance(read.counted_id, str)
        assert read.counted_id
    else:
        assert read.reason


SHIPPED = json.loads(
    (PROJECT_ROOT / "layers/shared/periodyear/data/catalog.json").read_text(encoding="utf-8")
)


def _mutations(document: Any) -> st.SearchStrategy[Any]:
    """The shipped catalog with one value somewhere replaced by something else."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(document, ())

    def replace(path: tuple[Any, ...], value: Any) -> Any:
        copy = json.loads(json.dumps(document))
        if not path:
            return value
        node = copy
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        return copy

    return st.builds(replace, st.sampled_from(paths), json_values)


@FUZZ
@given(document=st.one_of(_mutations(SHIPPED), json_values))
def test_every_catalog_loads_or_is_refused_naming_the_path(document: Any) -> None:
    text = json.dumps(document, allow_nan=True)
    outcome = _outcome(lambda: parse_catalog(text), CatalogError)
    if isinstance(outcome, CatalogError):
        assert outcome.problems
        assert all(path and message for path, message in outcome.problems)
        return
    catalog = outcome
    assert not isinstance(catalog, Exception)
    assert catalog.vat_rate >= 0
    assert isinstance(catalog.vat_rate, Decimal)


def test_the_mutation_generator_reaches_both_outcomes() -> None:
    # The property above would pass on a generator that only ever made garbage: check it does not.
    assert parse_catalog(json.dumps(SHIPPED))
    with pytest.raises(CatalogError):
        parse_catalog(json.dumps({**SHIPPED, "vat_rate": 0.25}))


batch_messages = st.fixed_dictionaries(
    {},
    optional={
        "run_id": scalars,
        "kind": st.one_of(st.sampled_from(["MONTHLY", "ANNUAL"]), scalars),
        "period": scalars,
        "issue_date": st.one_of(st.dates().map(str), scalars),
        "now": instants,
        "batch": st.one_of(st.integers(), scalars),
        "tenant_ids": st.one_of(st.lists(st.text(max_size=4)), json_values),
    },
)


@FUZZ
@given(body=st.one_of(json_values, batch_messages))
def test_every_batch_message_is_taken_or_refused_before_any_work(body: Any) -> None:
    try:
        message = BatchMessage.model_validate(body)
    except ValidationError:
        return  # the batch processor reports the message failed; it goes to the DLQ after its retries
    try:
        plan = BillingPlan.from_message(message.model_dump())
    except (ValueError, KeyError):
        return  # refused the same way: a message no planner wrote
    assert plan.run_id == message.run_id
