"""The annual run through its Lambda handler: clients submitted to Altinn, September to August."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.harness import Billing
from tests.integration.test_exactly_once import Crash

AFTER_2022 = "2022-09-01T02:00:00Z"  # 04:00 Oslo on 1 September 2022 (CEST)


def annual(billing: Billing, tenant: str, year: int = 2022) -> dict[str, Any]:
    invoice = billing.invoice(tenant, f"INVOICE#ANNUAL#{year}")
    assert invoice is not None, f"no annual invoice {year} for {tenant}"
    return invoice


def submitted(billing: Billing, tenant: str, client: str, instant: str) -> None:
    billing.usage(tenant, "annual.submitted", instant, client_id=client, attributes={"altinn_receipt": "AR1"})


def test_the_schedule_in_september_bills_the_year_that_ended(billing: Billing) -> None:
    billing.tenant("t1", paid_through=date(2022, 2, 14))
    for client, instant in [
        ("c1", "2022-01-20T10:00:00Z"),
        ("c2", "2022-05-02T10:00:00Z"),
        ("c3", "2022-08-31T21:59:00Z"),
        ("c4", "2022-08-31T22:01:00Z"),
    ]:
        submitted(billing, "t1", client, instant)
    summary = billing.run({"time": AFTER_2022}, "annual_invoice")
    assert (summary["kind"], summary["period"], summary["invoices_issued"]) == ("ANNUAL", "2022", 1)
    invoice = annual(billing, "t1")
    assert (invoice["kind"], invoice["period_start"], invoice["period_end"], invoice["issue_date"]) == (
        "ANNUAL",
        "2021-09-01",
        "2022-09-01",
        "2022-09-01",
    )
    assert (
        invoice["price_list"],
        invoice["subtotal"],
        invoice["vat_amount"],
        invoice["total"],
        invoice["due_date"],
    ) == ("standard", Decimal("300"), Decimal("75"), Decimal("375"), "2022-09-15")
    assert invoice["lines"][0]["allocations"] == [
        {"client_id": "c2", "quantity": 1, "amount": Decimal("150")},
        {"client_id": "c3", "quantity": 1, "amount": Decimal("150")},
    ]


@pytest.mark.parametrize(
    ("instant", "year"),
    [
        ("2021-08-31T22:01:00Z", 2022),  # 00:01 Oslo on 1 September 2021: the first minute of 2022's window
        ("2022-08-31T21:59:00Z", 2022),  # 23:59 Oslo on 31 August 2022: its last minute
        ("2022-08-31T22:01:00Z", 2023),  # 00:01 Oslo on 1 September 2022: next year's window
        ("2021-08-31T21:59:00Z", 2021),
    ],
)
def test_window_edges_in_oslo_time(billing: Billing, instant: str, year: int) -> None:
    billing.tenant("t1", price_switch_date=date(2021, 1, 1))
    submitted(billing, "t1", "c1", instant)
    issued = {
        y: billing.run_year(y, now="2023-09-01T02:00:00Z")["invoices_issued"] for y in (2021, 2022, 2023)
    }
    assert issued == {y: int(y == year) for y in issued}


def test_a_client_counts_once_and_tenants_never_mix(billing: Billing) -> None:
    billing.tenant("a", price_switch_date=date(2021, 1, 1))
    billing.tenant("b", price_switch_date=date(2021, 1, 1))
    for instant in ("2021-10-01T10:00:00Z", "2022-02-01T10:00:00Z", "2022-06-01T10:00:00Z"):
        submitted(billing, "a", "c1", instant)  # one client, three submissions
    submitted(billing, "b", "c1", "2022-03-01T10:00:00Z")  # another tenant's client with the same id
    submitted(billing, "b", "c2", "2022-03-02T10:00:00Z")
    billing.run_year(2022, now=AFTER_2022)
    assert [(line["quantity"], line["amount"]) for line in annual(billing, "a")["lines"]] == [
        (1, Decimal("200"))
    ]
    assert [(line["quantity"], line["amount"]) for line in annual(billing, "b")["lines"]] == [
        (2, Decimal("300"))
    ]


def test_submissions_on_or_before_paid_through_are_not_billed(billing: Billing) -> None:
    # A 12-month agreement from 1 June 2021: prepaid through 31 May 2022, standard prices from 1 June 2022.
    billing.tenant("t1", paid_through=date(2022, 5, 31), price_switch_date=date(2022, 6, 1))
    submitted(billing, "t1", "prepaid", "2022-05-31T12:00:00Z")
    submitted(billing, "t1", "billed", "2022-06-01T12:00:00Z")
    billing.run_year(2022, now=AFTER_2022)
    invoice = annual(billing, "t1")
    assert invoice["price_list"] == "standard"
    assert [a["client_id"] for a in invoice["lines"][0]["allocations"]] == ["billed"]


@pytest.mark.parametrize(
    ("switch", "price_list", "amount"),
    [(date(2022, 8, 31), "standard", Decimal("300")), (date(2022, 9, 1), "intro", Decimal("200"))],
)
def test_the_price_list_follows_the_last_day_of_the_window(
    billing: Billing, switch: date, price_list: str, amount: Decimal
) -> None:
    billing.tenant("t1", price_switch_date=switch)
    submitted(billing, "t1", "c1", "2022-03-01T10:00:00Z")
    submitted(billing, "t1", "c2", "2022-03-01T10:00:00Z")
    billing.run_year(2022, now=AFTER_2022)
    invoice = annual(billing, "t1")
    assert (invoice["price_list"], invoice["subtotal"]) == (price_list, amount)


@pytest.mark.parametrize(("clients", "amount"), [(1, "200"), (2, "300"), (3, "450")])
def test_volume_tiers_on_the_count_of_clients(billing: Billing, clients: int, amount: str) -> None:
    billing.tenant("t1", price_switch_date=date(2021, 1, 1))
    for n in range(clients):
        submitted(billing, "t1", f"c{n}", "2022-03-01T10:00:00Z")
    billing.run_year(2022, now=AFTER_2022)
    assert annual(billing, "t1")["subtotal"] == Decimal(amount)


def test_periodeavslutning_has_no_annual_invoice(billing: Billing) -> None:
    billing.tenant("p", package="PERIODEAVSLUTNING", price_switch_date=date(2021, 1, 1))
    submitted(billing, "p", "c1", "2022-03-01T10:00:00Z")
    summary = billing.run_year(2022, now=AFTER_2022)
    assert (summary["invoices_issued"], summary["tenants_with_nothing_to_bill"]) == (0, 1)
    assert billing.invoice("p", "INVOICE#ANNUAL#2022") is None


def test_invalid_submissions_are_counted_and_skipped(billing: Billing) -> None:
    billing.tenant("t1", price_switch_date=date(2021, 1, 1))
    submitted(billing, "t1", "good", "2022-03-01T10:00:00Z")
    billing.usage("t1", "annual.submitted", "2022-03-02T10:00:00Z")  # no client_id
    billing.usage("t1", "annual.submitted", "2022-03-03T10:00:00Z", client_id=["c9"])
    billing.raw_usage(
        {
            "pk": "TENANT#t1",
            "sk": "annual.submitted#2022-03-04T10:00:00Z#x",
            "type": "annual.submitted",
            "occurred_at": "2022-03-04T10:00:00",
            "event_id": "x",
            "client_id": "c8",
        }
    )
    billing.usage("t1", "period.closed", "2022-03-05T10:00:00Z", client_id="monthly-only")  # never read here
    summary = billing.run_year(2022, now=AFTER_2022)
    assert (summary["invoices_issued"], summary["invalid_usage_records"]) == (1, 3)
    assert [a["client_id"] for a in annual(billing, "t1")["lines"][0]["allocations"]] == ["good"]


def test_the_annual_run_reads_only_submissions_in_the_window(billing: Billing) -> None:
    billing.tenant("t1", price_switch_date=date(2021, 1, 1))
    submitted(billing, "t1", "c1", "2022-03-01T10:00:00Z")
    billing.run_year(2022, now=AFTER_2022, dry_run=True)  # builds the service and its client
    queries: list[dict[str, Any]] = []
    billing.clients.dynamodb().meta.events.register(
        "before-parameter-build.dynamodb.Query",
        lambda params, **_: (
            queries.append(params) if params["TableName"] == billing.tables["UsageTable"] else None
        ),
    )
    billing.run_year(2022, now=AFTER_2022)
    assert [q["ExpressionAttributeValues"] for q in queries] == [
        {
            ":pk": {"S": "TENANT#t1"},
            ":low": {"S": "annual.submitted#2021-08-31T22:00:00Z"},
            ":high": {"S": "annual.submitted#2022-08-31T22:00:00Z"},
        }
    ]


def test_reruns_crashes_and_monthly_invoices_share_one_gapless_sequence(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415

    tenants = ["a", "b", "c"]
    for tenant in tenants:
        billing.tenant(tenant, price_switch_date=date(2021, 1, 1))
        billing.usage(tenant, "period.closed", "2022-08-10T10:00:00Z", client_id="c1")
        submitted(billing, tenant, "c1", "2022-03-01T10:00:00Z")
    assert billing.run_month("2022-08", now=AFTER_2022)["invoices_issued"] == 3
    real_issue = InvoiceRepository.issue
    crashed: list[bool] = []

    def issue_then_die_once(self: InvoiceRepository, *args: Any, **kwargs: Any) -> Any:
        issued = real_issue(self, *args, **kwargs)
        if not crashed:
            crashed.append(True)
            raise Crash  # the worker dies after the transaction, before the documents
        return issued

    monkeypatch.setattr(InvoiceRepository, "issue", issue_then_die_once)
    summary = billing.run_year(2022, now=AFTER_2022)
    assert billing.last_delivery.crashes == 1  # and its batch came again
    assert (summary["invoices_issued"], summary["documents_completed"]) == (3, 3)
    monkeypatch.setattr(InvoiceRepository, "issue", real_issue)
    assert billing.run_year(2022, now=AFTER_2022)["invoices_already_issued"] == 3
    invoices = billing.invoices()
    assert [i["invoice_number"] for i in invoices] == [1, 2, 3, 4, 5, 6]
    assert sorted((i["tenant_id"], i["kind"]) for i in invoices) == sorted(
        (t, k) for t in tenants for k in ("MONTHLY", "ANNUAL")
    )


@pytest.mark.server
def test_annual_and_monthly_runs_at_once_issue_each_invoice_once(server_billing: Billing) -> None:
    tenants = [f"t{n:02d}" for n in range(1, 9)]
    for tenant in tenants:
        server_billing.tenant(tenant, price_switch_date=date(2021, 1, 1))
        server_billing.usage(tenant, "period.closed", "2022-08-10T10:00:00Z", client_id="c1")
        submitted(server_billing, tenant, "c1", "2022-03-01T10:00:00Z")
    summaries = server_billing.run_all(
        [
            ("annual_invoice", {"time": AFTER_2022}),
            ("annual_invoice", {"year": 2022, "time": AFTER_2022}),
            ("monthly_invoice", {"time": AFTER_2022}),
            ("monthly_invoice", {"time": AFTER_2022, "period": "2022-08"}),
        ]
    )
    assert [s["failed_tenants"] for s in summaries] == [[]] * 4
    assert summaries[0]["invoices_issued"] + summaries[1]["invoices_issued"] == 8
    assert summaries[2]["invoices_issued"] + summaries[3]["invoices_issued"] == 8
    invoices = server_billing.invoices()
    assert [i["invoice_number"] for i in invoices] == list(range(1, 17))
    assert sorted((i["tenant_id"], i["kind"]) for i in invoices) == sorted(
        (t, k) for t in tenants for k in ("MONTHLY", "ANNUAL")
    )
