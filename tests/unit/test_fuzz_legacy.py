"""Hostile legacy data, generated: whatever the old platform holds for a tenant, the migration
either refuses it with a reason (nothing sent, nothing written) or notifies and moves it whole.
Never a crash, a header injected into a notice, or a client lost or merged.

The items are what DynamoDB can give back (text, Decimal numbers, booleans, null, maps, lists),
mostly close to valid, so the deep checks are reached.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from periodyear.adapters.legacy import legacy_tenant
from tests.examples import examples
from tests.unit.test_migration_service import DEFAULT_MOVE, Migration

dynamo_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6),
    st.text(max_size=12),
)
dynamo_values = st.recursive(
    dynamo_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
addresses = st.one_of(
    st.emails(),
    st.sampled_from(
        [
            "post@firm.example",
            "a@b.example\nBcc: x@evil.example",
            "a@b.example\r\n",
            "no-at-sign",
            "a@b",
            " a@b.example",
        ]
    ),
    dynamo_scalars,
)
PACKAGES = ["ARSOPPGJOR", "PERIODEAVSLUTNING", "PERIODE_OG_AR"]
ids = st.one_of(st.from_regex(r"\A[a-z0-9]{1,6}\Z"), dynamo_scalars)


def mostly(draw: st.DrawFn, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Any:
    """Good nineteen times in twenty: a tenant with one bad value is then common, and one that
    passes every check (and so reaches the notice and the move) is too."""
    return draw(good) if draw(st.integers(0, 19)) else draw(bad)


@st.composite
def legacy_items(draw: st.DrawFn) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if draw(st.integers(0, 19)):
        profile: dict[str, Any] = {
            "sk": "PROFILE",
            "tenant_id": "t1",
            "name": mostly(draw, st.text(min_size=1, max_size=20), dynamo_values),
            "org_number": mostly(draw, st.just("912345678"), dynamo_scalars),
            "email": mostly(draw, st.just("post@firm.example"), addresses),
            "language": mostly(draw, st.sampled_from(["nb", "en"]), dynamo_scalars),
        }
        if not draw(st.integers(0, 4)):
            good_address = st.fixed_dictionaries(
                {"street": st.just("Storgata 1"), "postal_code": st.just("0150"), "city": st.just("Oslo")}
            )
            profile["address"] = mostly(draw, good_address, dynamo_values)
        if not draw(st.integers(0, 4)):
            profile["customer_reference"] = mostly(draw, st.text(min_size=1, max_size=12), dynamo_values)
        items.append(profile)
    if draw(st.integers(0, 19)):
        items.append(
            {
                "sk": "AGREEMENT",
                "package": mostly(draw, st.sampled_from(PACKAGES), dynamo_scalars),
                "interval_months": mostly(draw, st.sampled_from([Decimal(3), Decimal(12)]), dynamo_scalars),
                "current_period_start": mostly(draw, st.just("2021-10-01"), dynamo_scalars),
            }
        )
    for kind, id_name in (("CLIENT#", "client_id"), ("USER#", "user_id")):
        for _ in range(draw(st.integers(0, 4))):
            key = draw(st.from_regex(r"\A[a-z0-9]{1,6}\Z"))
            item: dict[str, Any] = {
                "sk": f"{kind}{key}",
                "name": mostly(draw, st.text(max_size=12), dynamo_values),
            }
            if draw(st.integers(0, 19)):
                item[id_name] = key if draw(st.integers(0, 19)) else draw(ids)
            if kind == "CLIENT#":
                item["org_number"] = mostly(draw, st.just("911111111"), dynamo_scalars)
            else:
                item["email"] = mostly(draw, st.emails(), addresses)
                item["role"] = mostly(draw, st.sampled_from(["admin", "user"]), dynamo_scalars)
            items.append(item)
    if draw(st.booleans()):
        items.append(
            {"sk": "BUREAU_CLIENT", "client_id": draw(ids), "name": "Firm", "org_number": "912345678"}
        )
    return items


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=legacy_items())
def test_any_legacy_tenant_is_refused_with_a_reason_or_notified_and_moved_whole(
    items: list[dict[str, Any]],
) -> None:
    world = Migration()
    world.legacy.add(legacy_tenant("t1", items))
    requested = world.request("t1")
    event(f"request {requested.outcome}")
    assert requested.outcome in {"notified", "refused"}, requested
    if requested.outcome == "refused":
        assert requested.reason  # says why
        assert (world.mail.sent, world.states.get("t1"), world.register_keys("t1")) == ([], None, [])
        return
    (notice,) = world.mail.to("t1")
    for recipient in notice.recipients:  # no line break, no second address smuggled in
        assert recipient == recipient.strip()
        assert not any(c in recipient for c in "\r\n,;")
    moved = world.due("t1", at=DEFAULT_MOVE)
    event(f"move {moved.outcome}")
    assert moved.outcome in {"moved", "refused", "failed"}, moved
    if moved.outcome != "moved":
        assert moved.reason
        return
    legacy = world.legacy.load("t1")
    # Judged by the legacy items' own keys: every client and user item arrives as its own item.
    bureau = [i["client_id"] for i in items if i["sk"] == "BUREAU_CLIENT"]
    expected_clients = {
        i["sk"].removeprefix("CLIENT#") for i in items if i["sk"].startswith("CLIENT#")
    } | set(bureau)
    expected_users = {i["sk"].removeprefix("USER#") for i in items if i["sk"].startswith("USER#")}
    keys = world.register_keys("t1")
    moved_clients = {k.removeprefix("CLIENT#") for k in keys if k.startswith("CLIENT#")}
    assert moved_clients == expected_clients  # none lost, none merged
    assert {k.removeprefix("USER#") for k in keys if k.startswith("USER#")} == expected_users
    assert legacy.migrated
