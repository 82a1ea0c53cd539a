"""Properties of composed invoices, checked against integer øre arithmetic."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.catalog import load_catalog
from periodyear.domain.invoice import compose_invoice
from periodyear.domain.meters import Meter
from periodyear.domain.money import ore
from periodyear.domain.tenant import Subscription
from periodyear.domain.usage import UsageRecord
from tests.examples import examples

CATALOG = load_catalog()  # the shipped sample catalog: flat, per-unit, graduated and volume charges
MONTH = Period.parse_month("2022-06")

usage_records = st.lists(
    st.builds(
        UsageRecord,
        meter=st.sampled_from([Meter.PERIOD_ACTIVE_CLIENTS, Meter.VPI_USERS]),
        counted_id=st.text(alphabet="abc123", min_size=1, max_size=3),
        day=st.integers(0, 29).map(lambda n: MONTH.start + timedelta(days=n)),
    ),
    max_size=200,
)


@settings(max_examples=examples(300))
@given(
    usage_records,
    st.sampled_from(sorted(CATALOG.packages)),
    st.one_of(st.none(), st.integers(0, 40).map(lambda n: date(2022, 5, 20) + timedelta(days=n))),
)
def test_invoice_totals_add_up_to_the_ore(
    records: list[UsageRecord], package: str, paid_through: date | None
) -> None:
    subscription = Subscription(package, date(2022, 3, 1), paid_through=paid_through)
    draft = compose_invoice(
        tenant_id="t",
        subscription=subscription,
        period=MONTH,
        usage=records,
        catalog=CATALOG,
        issue_date=date(2022, 7, 1),
    )
    if draft is None:
        return
    subtotal = sum(ore(line.amount) for line in draft.lines)
    assert ore(draft.subtotal) == subtotal
    assert ore(draft.vat_amount) == (subtotal * 25 + 50) // 100  # 25 %, half-up, in whole øre
    assert draft.total == draft.subtotal + draft.vat_amount
    for line in draft.lines:
        assert line.quantity > 0
        if line.allocations:
            assert sum(a.amount for a in line.allocations) == line.amount
            assert len(line.allocations) == line.quantity
        assert line.amount == sum((p.amount for p in line.pieces), Decimal(0)).quantize(Decimal("0.01"))
    billed_clients = {
        r.counted_id
        for r in records
        if r.meter is Meter.PERIOD_ACTIVE_CLIENTS and (paid_through is None or r.day > paid_through)
    }
    charges = CATALOG.package_charges(draft.price_list, package, PeriodKind.MONTHLY)
    priced_per_client = any(getattr(c, "meter", None) is Meter.PERIOD_ACTIVE_CLIENTS for c in charges)
    client_lines = [line for line in draft.lines if line.meter is Meter.PERIOD_ACTIVE_CLIENTS]
    expected = [len(billed_clients)] if billed_clients and priced_per_client else []
    assert [line.quantity for line in client_lines] == expected
