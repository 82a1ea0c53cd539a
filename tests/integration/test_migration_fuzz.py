"""Hostile migration events, generated, through the migrate_tenant handler on the template's
resources: every one gets a returned result (moved, notified, refused, …), none raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from periodyear_local.delivery import LambdaContext
from periodyear_local.sandbox import local_aws
from tests.integration.test_migration import Migration
from tests.unit.test_fuzz import instants, json_values, scalars

OUTCOMES = {"notified", "unchanged", "in_progress", "refused", "moved", "failed", "planned", "previewed"}

envelopes = st.fixed_dictionaries(
    {},
    optional={
        "version": st.one_of(st.just("0"), scalars),
        "id": st.one_of(st.uuids().map(str), scalars),
        "detail-type": st.one_of(
            st.sampled_from(["TenantMigrationRequested", "TenantMigrationDue", "MigrationWavePlanRequested"]),
            scalars,
        ),
        "source": st.one_of(st.just("periodyear.migration"), scalars),
        "account": st.one_of(st.just("123456789012"), scalars),
        "time": st.one_of(st.sampled_from(["2021-11-01T09:00:00Z", "2021-11-15T09:00:00Z"]), instants),
        "region": st.one_of(st.just("eu-north-1"), scalars),
        "resources": st.one_of(st.just([]), json_values),
        "detail": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "tenant_id": st.one_of(st.sampled_from(["t1", "nobody"]), scalars),
                    "move_at": instants,
                    "resume": st.one_of(st.booleans(), scalars),
                    "start_at": instants,
                    "window_start": st.one_of(st.just("01:00"), scalars),
                    "window_end": st.one_of(st.just("05:00"), scalars),
                    "capacity_per_night": st.one_of(st.integers(-3, 50), scalars),
                    "dry_run": st.one_of(st.just(True), scalars),
                },
            ),
            json_values,
        ),
    },
)


@pytest.fixture(scope="module")
def stack() -> Iterator[Migration]:
    with local_aws("MigrateTenantFunction") as aws:
        world = Migration(aws["tables"])
        world.legacy("t1", name="Fjord Regnskap AS", email="post@fjord.example")
        yield world


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(envelope=st.one_of(envelopes, json_values))
def test_every_migration_event_gets_a_result_and_none_raises(stack: Migration, envelope: Any) -> None:
    from functions.migrate_tenant import app  # noqa: PLC0415 (reads its settings at import, as in Lambda)

    plan = isinstance(envelope, dict) and envelope.get("detail-type") == "MigrationWavePlanRequested"
    if plan and isinstance(envelope.get("detail"), dict):
        envelope["detail"].setdefault("dry_run", True)
    result = app.handler(envelope, LambdaContext(function_name="migrate_tenant"), services=stack.services())
    assert isinstance(result, dict)
    assert result.get("outcome") in OUTCOMES, result
    event(str(result["outcome"]))
    if result["outcome"] == "refused":
        assert result.get("reason")
