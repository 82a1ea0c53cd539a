from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from periodyear.domain.allocation import allocate
from periodyear.domain.catalog import FlatCharge, GraduatedCharge, PerUnitCharge, Tier, VolumeCharge
from periodyear.domain.meters import Meter
from periodyear.domain.pricing import price_charge

METER = Meter.PERIOD_ACTIVE_CLIENTS


def graduated(*tiers: tuple[int | None, str]) -> GraduatedCharge:
    return GraduatedCharge(
        code="G",
        description="g",
        model="graduated",
        meter=METER,
        tiers=[Tier.model_validate({"up_to": u, "unit_price": p}) for u, p in tiers],
    )


def volume(*tiers: tuple[int | None, str]) -> VolumeCharge:
    return VolumeCharge(
        code="V",
        description="v",
        model="volume",
        meter=METER,
        tiers=[Tier.model_validate({"up_to": u, "unit_price": p}) for u, p in tiers],
    )


@pytest.mark.parametrize(
    ("quantity", "amount"), [(0, "0.00"), (1, "50.00"), (2, "100.00"), (3, "130.00"), (10, "340.00")]
)
def test_graduated_prices_each_unit_in_its_tier(quantity: int, amount: str) -> None:
    assert price_charge(graduated((2, "50.00"), (None, "30.00")), quantity).amount == Decimal(amount)


@pytest.mark.parametrize(("quantity", "amount"), [(0, "0.00"), (1, "200.00"), (2, "300.00"), (3, "450.00")])
def test_volume_prices_every_unit_at_the_tier_of_the_quantity(quantity: int, amount: str) -> None:
    assert price_charge(volume((1, "200.00"), (None, "150.00")), quantity).amount == Decimal(amount)


def test_tier_edges_with_three_tiers() -> None:
    g = graduated((10, "45.00"), (50, "35.00"), (None, "25.00"))
    v = volume((10, "45.00"), (50, "35.00"), (None, "25.00"))
    assert [price_charge(g, q).amount for q in (10, 11, 50, 51)] == [
        Decimal("450.00"),
        Decimal("485.00"),
        Decimal("1850.00"),
        Decimal("1875.00"),
    ]
    assert [price_charge(v, q).amount for q in (10, 11, 50, 51)] == [
        Decimal("450.00"),
        Decimal("385.00"),
        Decimal("1750.00"),
        Decimal("1275.00"),
    ]
    pieces = price_charge(g, 51).pieces
    assert [(p.quantity, p.unit_price) for p in pieces] == [
        (10, Decimal("45.00")),
        (40, Decimal("35.00")),
        (1, Decimal("25.00")),
    ]


def test_per_unit_and_flat() -> None:
    vpi = PerUnitCharge.model_validate(
        {"code": "VPI", "description": "v", "model": "per_unit", "meter": "vpi_users", "unit_price": "659.00"}
    )
    assert price_charge(vpi, 0).quantity == 0
    assert price_charge(vpi, 3).amount == Decimal("1977.00")
    flat = FlatCharge.model_validate(
        {"code": "BASE", "description": "b", "model": "flat", "amount": "149.00"}
    )
    priced = price_charge(flat, 0)
    assert (priced.quantity, priced.amount) == (1, Decimal("149.00"))


def test_line_amounts_are_exact_then_rounded_once() -> None:
    fractional = PerUnitCharge.model_validate(
        {"code": "X", "description": "x", "model": "per_unit", "meter": METER, "unit_price": "0.125"}
    )
    assert price_charge(fractional, 3).amount == Decimal("0.38")  # 0.375 → 0.38, half-up


prices = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def tier_lists(draw: st.DrawFn) -> list[tuple[int | None, Decimal]]:
    bounds = sorted(set(draw(st.lists(st.integers(1, 200), max_size=4))))
    return [(b, draw(prices)) for b in bounds] + [(None, draw(prices))]


def _tiers(spec: list[tuple[int | None, Decimal]]) -> list[Tier]:
    return [Tier.model_validate({"up_to": u, "unit_price": str(p)}) for u, p in spec]


def _unit_price(spec: list[tuple[int | None, Decimal]], unit: int) -> Decimal:
    return next(p for u, p in spec if u is None or unit <= u)


@given(tier_lists(), st.integers(0, 500))
def test_graduated_equals_pricing_unit_by_unit(spec: list[tuple[int | None, Decimal]], quantity: int) -> None:
    charge = GraduatedCharge(code="G", description="g", model="graduated", meter=METER, tiers=_tiers(spec))
    priced = price_charge(charge, quantity)
    assert priced.amount == sum((_unit_price(spec, unit) for unit in range(1, quantity + 1)), Decimal("0.00"))
    assert sum(p.quantity for p in priced.pieces) == quantity
    assert all(p.quantity * p.unit_price == p.amount for p in priced.pieces)


@given(tier_lists(), st.integers(0, 500))
def test_volume_prices_all_units_at_one_tier(spec: list[tuple[int | None, Decimal]], quantity: int) -> None:
    charge = VolumeCharge(code="V", description="v", model="volume", meter=METER, tiers=_tiers(spec))
    assert price_charge(charge, quantity).amount == quantity * _unit_price(spec, max(quantity, 1))


def test_allocation_of_the_worked_example() -> None:
    shares = allocate(Decimal("130.00"), ["c3", "c1", "c2", "c2"])
    assert [(a.client_id, a.quantity, a.amount) for a in shares] == [
        ("c1", 1, Decimal("43.34")),
        ("c2", 1, Decimal("43.33")),
        ("c3", 1, Decimal("43.33")),
    ]


def test_allocation_remainders_follow_string_order_of_client_ids() -> None:
    shares = allocate(Decimal("0.02"), ["c10", "c9", "c2"])
    assert [(a.client_id, a.amount) for a in shares] == [
        ("c10", Decimal("0.01")),
        ("c2", Decimal("0.01")),
        ("c9", Decimal("0.00")),
    ]


@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2),
    st.sets(st.text(min_size=1, max_size=6), min_size=1, max_size=60),
)
def test_allocation_sums_exactly_and_is_fair_to_the_ore(amount: Decimal, clients: set[str]) -> None:
    shares = allocate(amount, clients)
    assert sum(a.amount for a in shares) == amount
    assert [a.client_id for a in shares] == sorted(clients)
    amounts = [a.amount for a in shares]
    assert max(amounts) - min(amounts) <= Decimal("0.01")
    assert amounts == sorted(amounts, reverse=True)  # the extra øre go to the first ids


def test_allocation_refuses_nothing_to_allocate_over() -> None:
    with pytest.raises(ValueError, match="at least one client"):
        allocate(Decimal("1.00"), [])


def test_client_totals_add_each_clients_rows_and_keep_the_rows_without_a_client_apart() -> None:
    from periodyear.domain.basis import BasisRow, client_totals  # noqa: PLC0415

    def row(client: str, name: str, amount: str, code: str = "P") -> BasisRow:
        value = Decimal(amount)
        return BasisRow(client, name, "911111111" if client else "", bool(client) and client == "b",
                        code, code, 1, value, value / 4, value * 5 / 4)  # fmt: skip

    rows = [row("c2", "Øst AS", "50.00"), row("c1", "bakeri AS", "35.00"), row("c2", "Øst AS", "15.00", "V"),
            row("", "", "149.00", "G"), row("b", "", "10.00")]  # fmt: skip
    totals, without = client_totals(rows, sign=-1)
    assert [(t.client_id, t.name, t.amount, t.is_bureau_client) for t in totals] == [
        ("b", "b", Decimal("-10.00"), True),  # no register name: its id, ordered by it
        ("c1", "bakeri AS", Decimal("-35.00"), False),
        ("c2", "Øst AS", Decimal("-65.00"), False),
    ]
    assert [r.amount for r in without] == [Decimal("149.00")]  # as the record holds it
