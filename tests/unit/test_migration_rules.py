from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from periodyear.domain.calendar import OSLO
from periodyear.domain.catalog import load_catalog
from periodyear.domain.errors import MigrationRefused, WavesDoNotFit
from periodyear.domain.migration import (
    LegacyClient,
    LegacyTenant,
    Person,
    move_time,
    new_terms,
    notice_recipients,
    plan_waves,
    register_content,
)
from periodyear.domain.migration_state import MigrationState, Status, why_stuck
from tests.examples import examples

CATALOG = load_catalog()
DEADLINE = datetime(2021, 12, 31, 23, 59, 59, tzinfo=OSLO)
T0 = datetime(2021, 11, 1, 9, 0, tzinfo=UTC)


def legacy(**agreement: object) -> LegacyTenant:
    return LegacyTenant(
        "t1",
        {"name": "Firma", "org_number": "912345678", "email": "post@firma.example"},
        {"package": "PERIODE_OG_AR", "interval_months": 3, "current_period_start": "2021-11-15", **agreement},
        clients=(LegacyClient("c1", "A", "1"), LegacyClient("b1", "Old name", "2")),
        bureau_client=LegacyClient("b1", "Firma", "3"),
        users=(
            Person("u1", "Ada", "ada@x.example", "admin"),
            Person("u2", "Uno", "post@firma.example", "admin"),
            Person("u3", "Ole", "ole@x.example", "user"),
        ),
    )


def test_the_bureau_client_joins_the_clients_flagged_and_wins_a_shared_id() -> None:
    content = register_content(legacy(), new_terms(legacy(), CATALOG), T0)
    assert [(c.client_id, c.name, c.is_bureau_client) for c in content.clients] == [
        ("b1", "Firma", True),
        ("c1", "A", False),
    ]


def test_recipients_are_the_tenant_and_admins_each_once() -> None:
    assert notice_recipients(legacy()).addresses == ("post@firma.example", "ada@x.example")


@pytest.mark.parametrize("interval", [True, 6, "3", None])
def test_odd_intervals_are_refused(interval: object) -> None:
    with pytest.raises(MigrationRefused, match="interval_months"):
        new_terms(legacy(interval_months=interval), CATALOG)


def test_move_time_is_the_request_or_the_notice_lead_whichever_is_later() -> None:
    assert move_time(None, T0, 14) == T0 + timedelta(days=14)
    assert move_time(T0 + timedelta(days=3), T0, 14) == T0 + timedelta(days=14)
    assert move_time(T0 + timedelta(days=20), T0, 14) == T0 + timedelta(days=20)


def test_waves_fill_nights_in_the_oslo_window_and_stay_before_the_deadline() -> None:
    tenants = [f"t{n:03d}" for n in range(25)]
    waves = plan_waves(
        tenants,
        earliest=T0 + timedelta(days=14),
        window_start=time(1, 0),
        window_end=time(5, 0),
        capacity_per_night=10,
        deadline=DEADLINE,
    )
    assert [(w.night, len(w.moves)) for w in waves] == [
        (date(2021, 11, 16), 10),
        (date(2021, 11, 17), 10),
        (date(2021, 11, 18), 5),
    ]
    first = waves[0].moves
    assert [at.astimezone(OSLO).strftime("%H:%M") for _, at in first[:3]] == ["01:00", "01:24", "01:48"]
    assert sorted(t for w in waves for t, _ in w.moves) == tenants


def test_a_window_across_midnight() -> None:
    waves = plan_waves(
        ["a", "b"],
        earliest=datetime(2021, 12, 1, tzinfo=UTC),
        window_start=time(23, 0),
        window_end=time(3, 0),
        capacity_per_night=2,
        deadline=DEADLINE,
    )
    assert [at.astimezone(OSLO).strftime("%d %H:%M") for _, at in waves[0].moves] == ["01 23:00", "02 01:00"]


def test_waves_that_do_not_fit_are_refused() -> None:
    with pytest.raises(WavesDoNotFit, match=r"after the deadline 31\.12\.2021 23:59"):
        plan_waves(
            [f"t{n}" for n in range(100)],
            earliest=datetime(2021, 12, 20, tzinfo=UTC),
            window_start=time(1, 0),
            window_end=time(5, 0),
            capacity_per_night=5,
            deadline=DEADLINE,
        )


@settings(max_examples=examples(200))
@given(st.integers(0, 300), st.integers(1, 40), st.integers(0, 23), st.integers(1, 23), st.integers(0, 60))
def test_every_tenant_once_within_capacity_window_and_order(
    count: int, capacity: int, start_hour: int, length: int, offset_days: int
) -> None:
    earliest = T0 + timedelta(days=offset_days, minutes=7)
    end_hour = (start_hour + length) % 24
    tenants = [f"t{n:03d}" for n in range(count)]
    try:
        waves = plan_waves(
            tenants,
            earliest=earliest,
            window_start=time(start_hour),
            window_end=time(end_hour),
            capacity_per_night=capacity,
            deadline=DEADLINE,
        )
    except WavesDoNotFit:
        nights = (DEADLINE.date() - earliest.astimezone(OSLO).date()).days + 1
        assert count > capacity * (nights - 1)  # refused only when it really cannot fit
        return
    moves = [m for w in waves for m in w.moves]
    assert sorted(t for t, _ in moves) == tenants
    assert all(len(w.moves) <= capacity for w in waves)
    assert all(earliest <= at <= DEADLINE for _, at in moves)
    for wave in waves:
        opens = datetime.combine(wave.night, time(start_hour), tzinfo=OSLO)
        assert all(opens <= at < opens + timedelta(hours=length) for _, at in wave.moves)


# -------------------------------------------------- address and customer reference (CONTRACT §2)


def with_profile(**profile: object) -> LegacyTenant:
    base = legacy()
    return LegacyTenant(
        base.tenant_id, {**(base.profile or {}), **profile}, base.agreement, base.clients, base.bureau_client
    )


def test_the_address_and_the_firms_reference_are_copied_and_the_country_defaults_to_norway() -> None:
    tenant = with_profile(
        address={"street": "Strandgata 5", "postal_code": "5013", "city": "Bergen"},
        customer_reference="Regnskap 4410",
    )
    content = register_content(tenant, new_terms(tenant, CATALOG), T0)
    assert content.address is not None
    assert (content.address.street, content.address.postal_code, content.address.city) == (
        "Strandgata 5",
        "5013",
        "Bergen",
    )
    assert content.address.country == "NO"
    assert content.customer_reference == "Regnskap 4410"


def test_a_tenant_without_address_or_reference_moves_without_them() -> None:
    content = register_content(legacy(), new_terms(legacy(), CATALOG), T0)
    assert (content.address, content.customer_reference) == (None, None)


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        ({"address": "Strandgata 5, Bergen"}, "address is not a map"),
        ({"address": {"street": 5}}, "address street is not text"),
        ({"address": {"city": "Bergen", "country": "Norge"}}, "ISO 3166 alpha-2"),
        ({"address": {"town": "Bergen"}}, "unknown parts"),
        ({"customer_reference": 4410}, "customer_reference is not text"),
    ],
)
def test_a_malformed_address_or_reference_is_refused_with_the_reason(
    profile: dict[str, object], reason: str
) -> None:
    tenant = with_profile(**profile)
    with pytest.raises(MigrationRefused, match=reason):
        register_content(tenant, new_terms(tenant, CATALOG), T0)


def _state(status: Status, **fields: object) -> MigrationState:
    values: dict[str, object] = {
        "tenant_id": "t1",
        "status": status,
        "move_at": T0 + timedelta(days=14),
        "version": 3,
        "notices_sent": 1,
        "schedule_set": True,
        "lease_until": None,
        "failure_reason": None,
        "terms": None,
    }
    return MigrationState(**(values | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "at", "why"),
    [
        (_state(Status.NOTIFIED), T0, None),  # waiting for its move: fine
        (_state(Status.MOVED), T0 + timedelta(days=30), None),
        (_state(Status.REQUESTED, lease_until=T0 + timedelta(minutes=10)), T0, None),  # being sent
        (
            _state(Status.REQUESTED, lease_until=T0 + timedelta(minutes=10)),
            T0 + timedelta(minutes=11),
            "notice's delivery died",
        ),
        (_state(Status.REQUESTED, notices_sent=0), T0, "SES refused it"),
        (_state(Status.MOVING, lease_until=T0), T0 + timedelta(seconds=1), "move's delivery died"),
        (_state(Status.NOTIFIED, schedule_set=False), T0, "schedule is not set"),
        (_state(Status.NOTIFIED), T0 + timedelta(days=14, minutes=61), "has not begun"),
        (_state(Status.FAILED, failure_reason="verification failed"), T0, "verification failed; request"),
    ],
)
def test_a_tenant_not_moving_on_by_itself_is_named_with_why(
    state: MigrationState, at: datetime, why: str | None
) -> None:
    found = why_stuck(state, at)
    assert found is None if why is None else why in str(found)


@pytest.mark.parametrize("start", ["20211115", "2021-W46-1", "2021-319"])
def test_a_prepaid_start_in_another_iso_form_is_refused(start: str) -> None:
    with pytest.raises(MigrationRefused, match="current_period_start is not an ISO date"):
        new_terms(legacy(current_period_start=start), CATALOG)
