"""CONTRACT §5a on the pure domain: the review of the previous period, corrections and credit notes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from periodyear.billing.late_usage import Outstanding
from periodyear.domain.allocation import allocate
from periodyear.domain.calendar import Period, oslo_date, parse_instant
from periodyear.domain.catalog import Catalog, VolumeCharge, load_catalog, parse_catalog
from periodyear.domain.corrections import outstanding, review, review_meters
from periodyear.domain.errors import CatalogError, TenantDataError
from periodyear.domain.invoice import Invoice, InvoiceDraft, InvoiceLine, compose_invoice
from periodyear.domain.meters import Meter
from periodyear.domain.money import to_ore
from periodyear.domain.pricing import price_charge
from periodyear.domain.tenant import Subscription
from periodyear.domain.usage import UsageRecord
from tests.examples import examples

DATA = Path(__file__).parents[1] / "data"
LATE = load_catalog(DATA / "late_usage_catalog.json")
WORKED = load_catalog(DATA / "worked_example_catalog.json")
STANDARD = Subscription("KOMPLETT", price_switch_date=date(2022, 1, 1))
FEBRUARY, MARCH = Period.parse_month("2022-02"), Period.parse_month("2022-03")


def used(who: str, instant: str, meter: Meter = Meter.PERIOD_ACTIVE_CLIENTS) -> UsageRecord:
    return UsageRecord(meter, who, oslo_date(parse_instant(instant)))


def issue(
    number: int,
    period: Period,
    usage: list[UsageRecord],
    *,
    catalog: Catalog = LATE,
    subscription: Subscription = STANDARD,
    issued: date | None = None,
    corrections: tuple[InvoiceLine, ...] = (),
) -> Invoice:
    draft = compose_invoice(
        tenant_id="t1",
        subscription=subscription,
        period=period,
        usage=[u for u in usage if period.contains(u.day)],
        catalog=catalog,
        issue_date=issued or period.end,
        corrections=corrections,
    )
    assert draft is not None
    return Invoice(number, draft)


def shown(draft: InvoiceDraft) -> list[tuple[object, ...]]:
    return [
        (
            line.code,
            line.description,
            line.quantity,
            str(line.amount),
            [(a.client_id, a.quantity, str(a.amount)) for a in line.allocations],
            line.correction_of,
        )
        for line in draft.lines
    ]


# The example of docs/billing.md: five clients close February; the sixth client's February
# close (27 Feb) reaches the usage table on 2 March, after the February invoice of 1 March.
FIVE = [used(f"c{n}", f"2022-02-{10 + n}T10:00:00Z") for n in range(1, 6)]
SIXTH = used("c6", "2022-02-27T10:00:00Z")


def test_the_late_usage_example_of_the_docs_ends_with_a_credit_note() -> None:
    february = issue(1, FEBRUARY, FIVE)
    assert shown(february.draft) == [
        (
            "PERIOD",
            "Periodeavslutning per aktiv klient",
            5,
            "500.00",
            [(f"c{n}", 1, "100.00") for n in range(1, 6)],
            None,
        )
    ]
    assert february.draft.document_type == "INVOICE"

    corrections = review(february, [*FIVE, SIXTH], subscription=STANDARD, catalog=LATE)
    march = compose_invoice(
        tenant_id="t1",
        subscription=STANDARD,
        period=MARCH,
        usage=[],  # no client closed a period in March
        catalog=LATE,
        issue_date=date(2022, 4, 1),
        corrections=corrections,
    )
    assert march is not None
    assert shown(march) == [
        (
            "PERIOD@2022-02",
            "Periodeavslutning per aktiv klient (2022-02)",
            1,
            "-80.00",  # 6 × 70.00 − 5 × 100.00: the sixth client moves all six to the lower tier
            [("c6", 1, "-80.00")],
            1,
        )
    ]
    assert (march.subtotal, march.vat_amount, march.total) == (
        Decimal("-80.00"),
        Decimal("-20.00"),
        Decimal("-100.00"),
    )
    assert march.document_type == "CREDIT_NOTE"
    assert march.corrected_invoices == (1,)
    assert march.lines[0].corrected_period == "2022-02"
    pieces = [(p.quantity, str(p.unit_price), str(p.amount)) for p in march.lines[0].pieces]
    assert pieces == [(6, "70.00", "420.00"), (-5, "100.00", "-500.00")]


def test_late_usage_with_the_period_own_usage_is_an_invoice_holding_both() -> None:
    february = issue(1, FEBRUARY, FIVE)
    march_usage = [used("c1", "2022-03-10T10:00:00Z"), used("c2", "2022-03-11T10:00:00Z")]
    march = issue(
        2,
        MARCH,
        march_usage,
        corrections=review(february, [*FIVE, SIXTH], subscription=STANDARD, catalog=LATE),
    )
    assert [line.code for line in march.draft.lines] == ["PERIOD", "PERIOD@2022-02"]
    assert march.draft.subtotal == Decimal("120.00")  # 200.00 − 80.00
    assert march.draft.document_type == "INVOICE"


def test_nothing_late_means_no_correction() -> None:
    february = issue(1, FEBRUARY, FIVE)
    assert review(february, FIVE, subscription=STANDARD, catalog=LATE) == ()
    # a re-delivered event of a client already billed changes nothing: meters count distinct ids
    again = used("c3", "2022-02-28T10:00:00Z")
    assert review(february, [*FIVE, again], subscription=STANDARD, catalog=LATE) == ()
    # fewer than billed (an item removed from the table) is never credited: q_now ≤ q_billed
    assert review(february, FIVE[:3], subscription=STANDARD, catalog=LATE) == ()


def test_a_positive_correction_on_a_graduated_tier_with_the_new_clients_as_its_basis() -> None:
    # CONTRACT §8's catalog: standard monthly graduated [up to 2: 50.00, above: 30.00]
    billed = [used("c1", "2022-03-05T10:00:00Z"), used("c2", "2022-03-06T10:00:00Z")]
    march = issue(7, MARCH, billed, catalog=WORKED)
    late = [used("c3", "2022-03-20T10:00:00Z"), used("c4", "2022-03-21T10:00:00Z")]
    (line,) = review(march, [*billed, *late], subscription=STANDARD, catalog=WORKED)
    assert (line.code, line.quantity, line.amount, line.correction_of) == (
        "PERIOD@2022-03",
        2,
        Decimal("60.00"),
        7,
    )
    assert [(a.client_id, a.amount) for a in line.allocations] == [
        ("c3", Decimal("30.00")),
        ("c4", Decimal("30.00")),
    ]
    assert [(p.quantity, p.unit_price) for p in line.pieces] == [(2, Decimal("30.00"))]


def test_add_ons_are_reviewed_monthly_and_a_charge_the_invoice_lacked_counts_from_zero() -> None:
    february = issue(1, FEBRUARY, FIVE)  # no VPI user in February when it was billed
    vpi = used("u1", "2022-02-03T09:00:00Z", Meter.VPI_USERS)
    (line,) = review(february, [*FIVE, vpi], subscription=STANDARD, catalog=LATE)
    assert (line.code, line.quantity, line.amount, line.allocations) == (
        "VPI@2022-02",
        1,
        Decimal("659.00"),
        (),
    )
    assert line.description == "Visma Partner Insights per bruker (2022-02)"


def test_paid_through_still_excludes_prepaid_usage_in_the_review() -> None:
    prepaid = Subscription("KOMPLETT", price_switch_date=date(2022, 3, 1), paid_through=date(2022, 2, 14))
    billed = [used("c2", "2022-02-20T10:00:00Z")]
    february = issue(1, FEBRUARY, billed, catalog=WORKED, subscription=prepaid)
    late_prepaid = used("c1", "2022-02-10T10:00:00Z")  # on or before paid_through: never billed
    assert review(february, [*billed, late_prepaid], subscription=prepaid, catalog=WORKED) == ()
    late_due = used("c5", "2022-02-25T10:00:00Z")
    (line,) = review(february, [*billed, late_prepaid, late_due], subscription=prepaid, catalog=WORKED)
    assert (line.code, line.quantity, line.amount) == ("PERIOD@2022-02", 1, Decimal("40.00"))  # intro
    assert [a.client_id for a in line.allocations] == ["c5"]


def test_the_review_reads_only_the_meters_it_can_bill() -> None:
    prepaid = Subscription("KOMPLETT", price_switch_date=date(2022, 3, 1), paid_through=date(2022, 2, 28))
    vpi = used("u1", "2022-02-03T09:00:00Z", Meter.VPI_USERS)
    february = issue(1, FEBRUARY, [vpi], catalog=WORKED, subscription=prepaid)
    assert review_meters(february, WORKED, prepaid) == {Meter.VPI_USERS}
    assert review_meters(february, WORKED, STANDARD) == {Meter.VPI_USERS, Meter.PERIOD_ACTIVE_CLIENTS}


def test_flat_charges_are_never_corrected() -> None:
    subscription = Subscription("PERIODEAVSLUTNING", price_switch_date=date(2022, 1, 1))
    billed = [used("c1", "2022-03-05T10:00:00Z")]
    march = issue(3, MARCH, billed, catalog=WORKED, subscription=subscription)
    assert [line.code for line in march.draft.lines] == ["BASE", "PERIOD"]
    (line,) = review(
        march, [*billed, used("c2", "2022-03-09T10:00:00Z")], subscription=subscription, catalog=WORKED
    )
    assert (line.code, line.amount) == ("PERIOD@2022-03", Decimal("45.00"))


def test_an_annual_review_names_the_year() -> None:
    c2 = used("c2", "2022-05-02T10:00:00Z", Meter.ANNUAL_SUBMITTED_CLIENTS)
    annual = issue(9, Period.annual(2022), [c2], catalog=WORKED)
    assert Period.annual(2023).previous() == Period.annual(2022)
    resent = used("c3", "2022-08-30T10:00:00Z", Meter.ANNUAL_SUBMITTED_CLIENTS)
    (line,) = review(annual, [c2, resent], subscription=STANDARD, catalog=WORKED)
    # volume [up to 1: 200.00, above: 150.00]: 2 × 150.00 − 1 × 200.00
    assert (line.code, line.quantity, line.amount) == ("ANNUAL@2022", 1, Decimal("100.00"))


def test_a_correction_is_never_corrected_again() -> None:
    february = issue(1, FEBRUARY, FIVE)
    march = issue(
        2, MARCH, [], corrections=review(february, [*FIVE, SIXTH], subscription=STANDARD, catalog=LATE)
    )
    # reviewing March looks at March's own lines only: the February correction is not a charge of March
    assert review(march, [], subscription=STANDARD, catalog=LATE) == ()


def test_months_roll_back_over_the_year() -> None:
    assert Period.parse_month("2023-01").previous() == Period.parse_month("2022-12")


def test_a_negative_amount_is_allocated_as_the_negated_shares_of_its_absolute_value() -> None:
    shares = allocate(Decimal("-100.00"), ["c3", "c1", "c2"])
    assert [(a.client_id, a.amount) for a in shares] == [
        ("c1", Decimal("-33.34")),
        ("c2", Decimal("-33.33")),
        ("c3", Decimal("-33.33")),
    ]


def test_a_negative_amount_rounds_as_its_absolute_value() -> None:
    assert to_ore(Decimal("-0.125")) == Decimal("-0.13")
    assert to_ore(Decimal("-0.124")) == Decimal("-0.12")


def test_the_catalog_refuses_a_code_that_looks_like_a_correction() -> None:
    text = (DATA / "late_usage_catalog.json").read_text().replace('"code": "VPI"', '"code": "VPI@X"')
    with pytest.raises(CatalogError, match=r"addons\.monthly\[0\]\.code.*'@'"):
        parse_catalog(text)


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)


@st.composite
def volume_charges(draw: st.DrawFn) -> VolumeCharge:
    bounds = sorted(draw(st.sets(st.integers(1, 40), min_size=1, max_size=3)))
    tiers = [{"up_to": b, "unit_price": str(draw(prices))} for b in bounds]
    tiers.append({"up_to": None, "unit_price": str(draw(prices))})
    return VolumeCharge.model_validate(
        {
            "code": "PERIOD",
            "description": "Per client",
            "meter": "period_active_clients",
            "model": "volume",
            "tiers": tiers,
        }
    )


@settings(max_examples=examples(300), deadline=None)
@given(volume_charges(), st.integers(0, 60), st.integers(1, 30), st.data())
def test_billed_plus_correction_is_what_the_quantity_now_costs(
    charge: VolumeCharge, billed_count: int, late_count: int, data: st.DataObject
) -> None:
    catalog = LATE.model_copy(deep=True)
    catalog.price_lists["standard"]["KOMPLETT"].monthly[0] = charge
    clients = [f"c{n:03d}" for n in range(billed_count + late_count)]
    days = data.draw(st.lists(st.integers(1, 28), min_size=len(clients), max_size=len(clients)))
    usage = [used(c, f"2022-02-{d:02d}T10:00:00Z") for c, d in zip(clients, days, strict=True)]
    billed_usage = usage[:billed_count]
    draft = compose_invoice(
        tenant_id="t1",
        subscription=STANDARD,
        period=FEBRUARY,
        usage=billed_usage,
        catalog=catalog,
        issue_date=date(2022, 3, 1),
    )
    billed_amount = draft.lines[0].amount if draft else Decimal("0.00")
    corrections = review(
        Invoice(1, draft) if draft else Invoice(1, _empty(catalog)),
        usage,
        subscription=STANDARD,
        catalog=catalog,
    )
    (line,) = corrections
    assert line.quantity == late_count
    assert billed_amount + line.amount == price_charge(charge, len(clients)).amount
    assert sum(a.amount for a in line.allocations) == line.amount
    assert sorted(a.client_id for a in line.allocations) == clients[billed_count:]
    assert sum(p.amount for p in line.pieces) == sum(
        p.amount for p in price_charge(charge, len(clients)).pieces
    ) - sum(p.amount for p in price_charge(charge, billed_count).pieces)
    shares = sorted({abs(a.amount) for a in line.allocations})
    assert shares[-1] - shares[0] <= Decimal("0.01")  # equal shares in whole øre


def _empty(catalog: Catalog) -> InvoiceDraft:
    """An issued February invoice with no PERIOD line (it billed an add-on only)."""
    vpi = used("u1", "2022-02-03T09:00:00Z", Meter.VPI_USERS)
    draft = compose_invoice(
        tenant_id="t1",
        subscription=STANDARD,
        period=FEBRUARY,
        usage=[vpi],
        catalog=catalog,
        issue_date=date(2022, 3, 1),
    )
    assert draft is not None
    return draft


def test_what_is_outstanding_counts_the_corrections_the_next_invoice_carried() -> None:
    february = issue(1, FEBRUARY, FIVE)
    vpi = used("u1", "2022-02-03T09:00:00Z", Meter.VPI_USERS)
    carried = review(february, [*FIVE, SIXTH, vpi], subscription=STANDARD, catalog=LATE)
    march = issue(2, MARCH, [], corrections=carried)
    assert outstanding(february, march, [*FIVE, SIXTH, vpi], subscription=STANDARD, catalog=LATE) == ()
    seventh = used("c7", "2022-02-28T10:00:00Z")  # arrives after March's invoice: outside the window
    (line,) = outstanding(february, march, [*FIVE, SIXTH, seventh, vpi], subscription=STANDARD, catalog=LATE)
    assert (line.code, line.quantity, line.amount) == (
        "PERIOD@2022-02",
        1,
        Decimal("70.00"),
    )  # 7 × 70 − 6 × 70
    assert [a.client_id for a in line.allocations] == ["c7"]
    # before March is issued, everything late is outstanding (and the next run will bill it)
    assert [
        x.code for x in outstanding(february, None, [*FIVE, SIXTH, vpi], subscription=STANDARD, catalog=LATE)
    ] == [
        "PERIOD@2022-02",
        "VPI@2022-02",
    ]


def test_the_report_says_what_to_do_with_usage_no_invoice_billed() -> None:
    def action(invoice: int | None, corrected_on: int | None, next_ended: bool) -> str:
        return Outstanding("t1", FEBRUARY, invoice, corrected_on, (), next_ended).action

    assert action(1, None, False) == "2022-03's run bills it"
    assert action(1, None, True) == "run 2022-03 for it (no invoice yet)"
    assert action(1, 2, True) == "correct by hand"
    assert action(None, None, True) == "run 2022-02 for it (never invoiced)"


def _renamed(old: str, new: str) -> Catalog:
    """The late-usage catalog with a charge code renamed (a price list's edit between two runs)."""
    text = (DATA / "late_usage_catalog.json").read_text(encoding="utf-8")
    assert f'"code": "{old}"' in text
    return parse_catalog(text.replace(f'"code": "{old}"', f'"code": "{new}"'))


def test_a_charge_code_renamed_after_the_period_does_not_bill_the_period_again() -> None:
    # Given February billed on code PERIOD, and the catalog renaming it PERIOD-V2 before March
    february = issue(1, FEBRUARY, FIVE)
    renamed = _renamed("PERIOD", "PERIOD-V2")
    # When March reviews February with nothing late
    assert review(february, FIVE, subscription=STANDARD, catalog=renamed) == ()
    # and with the sixth client late: only the difference, under the new code
    (line,) = review(february, [*FIVE, SIXTH], subscription=STANDARD, catalog=renamed)
    assert (line.code, line.quantity, line.amount, [a.client_id for a in line.allocations]) == (
        "PERIOD-V2@2022-02",
        1,
        Decimal("-80.00"),
        ["c6"],
    )
    # and the late-usage report, after March carried it, finds nothing outstanding
    march = issue(2, MARCH, [], catalog=renamed, corrections=(line,))
    assert outstanding(february, march, [*FIVE, SIXTH], subscription=STANDARD, catalog=renamed) == ()


def test_two_renamed_codes_on_one_meter_are_not_guessed_at() -> None:
    february = issue(1, FEBRUARY, FIVE)
    old_line = february.draft.lines[0]
    twice = Invoice(
        1,
        replace(
            february.draft,
            lines=(
                replace(old_line, code="OLD-A"),
                replace(old_line, code="OLD-B"),
                *february.draft.lines[1:],
            ),
        ),
    )
    with pytest.raises(TenantDataError, match="cannot be told"):
        review(twice, [*FIVE, SIXTH], subscription=STANDARD, catalog=LATE)
