"""The worked examples of docs/annual.md, on the shipped sample catalog."""

from datetime import date
from decimal import Decimal

from periodyear.domain.agreement import paid_through, price_switch_date
from periodyear.domain.calendar import Period, oslo_date, parse_instant
from periodyear.domain.catalog import load_catalog
from periodyear.domain.invoice import InvoiceDraft, compose_invoice
from periodyear.domain.meters import Meter
from periodyear.domain.tenant import Subscription
from periodyear.domain.usage import UsageRecord

CATALOG = load_catalog()


def annual(start: date, interval: int, submissions: list[tuple[str, str]], year: int) -> InvoiceDraft | None:
    through = paid_through(start, interval)
    subscription = Subscription("KOMPLETT", price_switch_date(through, CATALOG.new_prices_from), through)
    window = Period.annual(year)
    records = [
        UsageRecord(Meter.ANNUAL_SUBMITTED_CLIENTS, c, oslo_date(parse_instant(t))) for c, t in submissions
    ]
    return compose_invoice(
        tenant_id="t",
        subscription=subscription,
        period=window,
        usage=[r for r in records if window.contains(r.day)],
        catalog=CATALOG,
        issue_date=window.end,
    )


def test_twelve_months_prepaid_from_1_june_2021() -> None:
    assert paid_through(date(2021, 6, 1), 12) == date(2022, 5, 31)
    assert price_switch_date(date(2022, 5, 31), CATALOG.new_prices_from) == date(2022, 6, 1)
    submissions = [(f"p{n}", f"2022-0{2 + n % 4}-10T10:00:00Z") for n in range(6)]  # Feb–May: prepaid
    submissions += [
        ("a", "2022-06-15T10:00:00Z"),
        ("b", "2022-07-01T10:00:00Z"),
        ("c", "2022-08-31T21:59:00Z"),
        ("a", "2022-08-01T10:00:00Z"),
    ]  # a twice
    draft = annual(date(2021, 6, 1), 12, submissions, 2022)
    assert draft is not None
    assert draft.price_list == "standard"
    (line,) = draft.lines
    assert (line.quantity, line.amount, draft.vat_amount, draft.total) == (
        3,
        Decimal("600.00"),
        Decimal("150.00"),
        Decimal("750.00"),
    )
    assert [(a.client_id, a.amount) for a in line.allocations] == [
        ("a", Decimal("200.00")),
        ("b", Decimal("200.00")),
        ("c", Decimal("200.00")),
    ]


def test_three_months_prepaid_from_15_november_2021() -> None:
    assert paid_through(date(2021, 11, 15), 3) == date(2022, 2, 14)
    assert price_switch_date(date(2022, 2, 14), CATALOG.new_prices_from) == date(2022, 3, 1)
    submissions = [(f"early{n}", "2022-01-20T10:00:00Z") for n in range(4)]  # prepaid
    submissions += [("early0", "2022-03-20T10:00:00Z")]  # submitted again after paid_through: billed
    submissions += [(f"c{n:02d}", "2022-04-05T10:00:00Z") for n in range(10)]
    draft = annual(date(2021, 11, 15), 3, submissions, 2022)
    assert draft is not None
    assert draft.price_list == "standard"
    (line,) = draft.lines
    assert (line.quantity, line.amount, draft.vat_amount, draft.total) == (
        11,
        Decimal("1650.00"),
        Decimal("412.50"),
        Decimal("2062.50"),
    )


def test_a_window_ending_before_the_switch_date_uses_the_intro_list() -> None:
    # Prepaid through 14 August 2022: only submissions from 15 to 31 August are billed, at intro prices.
    draft = annual(
        date(2021, 8, 15), 12, [("x", "2022-08-14T10:00:00Z"), ("y", "2022-08-20T10:00:00Z")], 2022
    )
    assert draft is not None
    assert (draft.price_list, draft.subtotal) == ("intro", Decimal("150.00"))
    assert annual(date(2021, 10, 1), 12, [("x", "2022-08-20T10:00:00Z")], 2022) is None  # all still prepaid
