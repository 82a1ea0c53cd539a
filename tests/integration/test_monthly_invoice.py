"""The monthly run through its Lambda handler, on the template's tables in moto."""

import json
import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from periodyear.domain.calendar import format_instant
from periodyear.domain.errors import EventFromTheFuture, InvalidRequest, PeriodNotEnded
from periodyear_local.sandbox import REGION
from tests.integration.harness import Billing


def given_the_worked_example(billing: Billing) -> None:
    billing.tenant(
        "t1", paid_through=date(2022, 2, 14), legacy_package="PERIODE_OG_AR", clients=("c1", "c2", "c3")
    )
    for client, instant in [
        ("c1", "2022-02-10T10:00:00Z"),
        ("c2", "2022-02-20T10:00:00Z"),
        ("c3", "2022-02-28T23:30:00Z"),
        ("c1", "2022-03-05T10:00:00Z"),
        ("c2", "2022-03-06T10:00:00Z"),
        ("c2", "2022-03-07T10:00:00Z"),
        ("c4", "2022-03-31T22:30:00Z"),
    ]:
        billing.usage("t1", "period.closed", instant, client_id=client)
    billing.usage("t1", "vpi.active", "2022-02-03T09:00:00Z", user_id="u1")
    billing.usage("t1", "annual.submitted", "2022-02-20T10:00:00Z", client_id="c9")  # not a monthly meter


def test_the_worked_example_through_the_scheduled_handler(billing: Billing) -> None:
    given_the_worked_example(billing)
    # When the schedule fires at 03:00 Oslo on the 1st of March, April and May
    summaries = [
        billing.run({"time": t})
        for t in ("2022-03-01T02:00:00Z", "2022-04-01T01:00:00Z", "2022-05-01T01:00:00Z")
    ]
    assert [s["invoices_issued"] for s in summaries] == [1, 1, 1]
    feb = billing.invoice("t1", "INVOICE#MONTHLY#2022-02")
    assert feb == {
        "pk": "TENANT#t1",
        "sk": "INVOICE#MONTHLY#2022-02",
        "invoice_number": 1,
        "tenant_id": "t1",
        "kind": "MONTHLY",
        "period_start": "2022-02-01",
        "period_end": "2022-03-01",
        "issue_date": "2022-03-01",
        "due_date": "2022-03-15",
        "package": "KOMPLETT",
        "price_list": "intro",
        "currency": "NOK",
        "lines": [
            {
                "code": "PERIOD",
                "description": "Period closing per active client",
                "meter": "period_active_clients",
                "quantity": 1,
                "amount": Decimal("40"),
                "allocations": [{"client_id": "c2", "quantity": 1, "amount": Decimal("40")}],
                "pieces": [{"quantity": 1, "unit_price": Decimal("40"), "amount": Decimal("40")}],
            },
            {
                "code": "VPI",
                "description": "Visma Partner Insights per user",
                "meter": "vpi_users",
                "quantity": 1,
                "amount": Decimal("659"),
                "allocations": [],
                "pieces": [{"quantity": 1, "unit_price": Decimal("659"), "amount": Decimal("659")}],
            },
        ],
        "subtotal": Decimal("699"),
        "vat_rate": Decimal("0.25"),
        "vat_amount": Decimal("174.75"),
        "total": Decimal("873.75"),
        "status": "ISSUED",
        "document_type": "INVOICE",
        "run_id": feb["run_id"] if feb else None,
        "issued_at": "2022-03-01T02:00:00Z",
        "documents": {"xml": "invoices/t1/1.xml", "pdf": "invoices/t1/1.pdf", "csv": "invoices/t1/1.csv"},
        "event_sent_at": "2022-03-01T02:00:00Z",
    }
    mar = billing.invoice("t1", "INVOICE#MONTHLY#2022-03")
    assert mar is not None
    assert (
        mar["invoice_number"],
        mar["price_list"],
        mar["subtotal"],
        mar["vat_amount"],
        mar["total"],
        mar["due_date"],
    ) == (2, "standard", Decimal("130"), Decimal("32.5"), Decimal("162.5"), "2022-04-15")
    assert [(a["client_id"], a["amount"]) for a in mar["lines"][0]["allocations"]] == [
        ("c1", Decimal("43.34")),
        ("c2", Decimal("43.33")),
        ("c3", Decimal("43.33")),
    ]
    assert [(p["quantity"], p["unit_price"]) for p in mar["lines"][0]["pieces"]] == [
        (2, Decimal("50")),
        (1, Decimal("30")),
    ]
    apr = billing.invoice("t1", "INVOICE#MONTHLY#2022-04")
    assert apr is not None
    assert (apr["invoice_number"], apr["total"], apr["lines"][0]["allocations"]) == (
        3,
        Decimal("62.5"),
        [{"client_id": "c4", "quantity": 1, "amount": Decimal("50")}],
    )


@pytest.mark.parametrize(
    ("instant", "month"),
    [
        ("2022-02-28T23:30:00Z", "2022-03"),  # 00:30 Oslo on 1 March (CET)
        ("2022-03-31T21:30:00Z", "2022-03"),  # 23:30 Oslo on 31 March (CEST)
        ("2022-03-31T22:30:00Z", "2022-04"),  # 00:30 Oslo on 1 April (CEST)
        ("2022-09-30T22:30:00Z", "2022-10"),  # 00:30 Oslo on 1 October (CEST)
        ("2022-10-31T22:30:00Z", "2022-10"),  # 23:30 Oslo on 31 October (CET)
        ("2022-10-31T23:30:00Z", "2022-11"),  # 00:30 Oslo on 1 November (CET)
    ],
)
def test_usage_lands_in_its_oslo_month(billing: Billing, instant: str, month: str) -> None:
    billing.tenant("t1", price_switch_date=date(2022, 1, 1))
    billing.usage("t1", "period.closed", instant, client_id="c1")
    issued = {
        m: billing.run_month(m, now="2022-12-01T02:00:00Z")["invoices_issued"]
        for m in ("2022-02", "2022-03", "2022-04", "2022-09", "2022-10", "2022-11")
    }
    assert issued == {m: int(m == month) for m in issued}


def test_paid_through_switch_date_and_add_ons_through_the_handler(billing: Billing) -> None:
    # A 12-month agreement that began 15 Aug 2021: prepaid through 14 Aug 2022, standard from September.
    billing.tenant("t1", paid_through=date(2022, 8, 14), price_switch_date=date(2022, 9, 1))
    billing.usage("t1", "period.closed", "2022-08-14T12:00:00Z", client_id="prepaid")
    billing.usage("t1", "period.closed", "2022-08-15T12:00:00Z", client_id="billed")
    billing.usage("t1", "vpi.active", "2022-08-01T12:00:00Z", user_id="u1")
    billing.usage("t1", "period.closed", "2022-09-01T12:00:00Z", client_id="billed")
    billing.run_month("2022-08", now="2022-10-01T02:00:00Z")
    billing.run_month("2022-09", now="2022-10-01T02:00:00Z")
    aug = billing.invoice("t1", "INVOICE#MONTHLY#2022-08")
    sep = billing.invoice("t1", "INVOICE#MONTHLY#2022-09")
    assert aug is not None
    assert sep is not None
    assert aug["price_list"] == "intro"
    assert [(line["code"], line["quantity"], line["amount"]) for line in aug["lines"]] == [
        ("PERIOD", 1, Decimal("40")),
        ("VPI", 1, Decimal("659")),
    ]
    assert aug["lines"][0]["allocations"] == [{"client_id": "billed", "quantity": 1, "amount": Decimal("40")}]
    assert (sep["price_list"], sep["subtotal"]) == ("standard", Decimal("50"))


def test_the_flat_charge_through_the_handler(billing: Billing) -> None:
    billing.tenant(
        "prepaid",
        package="PERIODEAVSLUTNING",
        paid_through=date(2022, 5, 31),
        price_switch_date=date(2022, 6, 1),
    )
    billing.tenant("new", package="PERIODEAVSLUTNING", price_switch_date=date(2022, 5, 1))
    summary = billing.run_month("2022-05", now="2022-06-01T02:00:00Z")
    assert (summary["invoices_issued"], summary["tenants_with_nothing_to_bill"]) == (1, 1)
    new = billing.invoice("new", "INVOICE#MONTHLY#2022-05")
    assert new is not None
    assert [(line["code"], line["amount"]) for line in new["lines"]] == [("BASE", Decimal("149"))]
    assert billing.invoice("prepaid", "INVOICE#MONTHLY#2022-05") is None


def test_invalid_usage_is_counted_and_never_billed(billing: Billing) -> None:
    billing.tenant("t1", price_switch_date=date(2022, 1, 1))
    billing.usage("t1", "period.closed", "2022-05-10T10:00:00Z", client_id="good")
    billing.usage("t1", "period.closed", "2022-05-10T10:00:00Z")  # no client_id
    billing.usage("t1", "period.closed", "2022-05-10T10:00:00Z", client_id="")
    billing.usage("t1", "period.closed", "2022-05-10T10:00:00Z", client_id=7)
    billing.usage("t1", "vpi.active", "2022-05-10T10:00:00Z", client_id="not-a-user")  # no user_id
    billing.raw_usage(
        {
            "pk": "TENANT#t1",
            "sk": "period.closed#2022-05-30T10:00:00Z#bad1",
            "type": "period.closed",
            "occurred_at": "2022-02-30T10:00:00Z",
            "event_id": "bad1",
            "client_id": "x1",
        }
    )
    billing.raw_usage(
        {
            "pk": "TENANT#t1",
            "sk": "period.closed#2022-05-11T10:00:00Z#bad2",
            "type": "period.closed",
            "occurred_at": "2022-05-11 10:00",
            "event_id": "bad2",
            "client_id": "x2",
        }
    )
    billing.raw_usage(
        {
            "pk": "TENANT#t1",
            "sk": "period.closed#2022-05-12T10:00:00Z#bad3",
            "type": "period.reopened",
            "occurred_at": "2022-05-12T10:00:00Z",
            "event_id": "bad3",
            "client_id": "x3",
        }
    )
    billing.raw_usage(
        {
            "pk": "TENANT#t1",
            "sk": "period.closed#2022-05-13T10:00:00Z#bad4",
            "type": "period.closed",
            "occurred_at": "2022-04-13T10:00:00Z",
            "event_id": "bad4",
            "client_id": "x4",
        }
    )
    billing.usage("t1", "client.created", "2022-05-10T10:00:00Z", client_id="other")  # another type: not read
    summary = billing.run_month("2022-05", now="2022-06-01T02:00:00Z")
    assert (summary["invoices_issued"], summary["invalid_usage_records"]) == (1, 8)
    invoice = billing.invoice("t1", "INVOICE#MONTHLY#2022-05")
    assert invoice is not None
    assert [(line["code"], line["quantity"]) for line in invoice["lines"]] == [("PERIOD", 1)]
    assert invoice["lines"][0]["allocations"][0]["client_id"] == "good"


def test_one_bad_tenant_is_reported_and_the_others_are_billed(billing: Billing) -> None:
    billing.tenant("a", price_switch_date=date(2022, 1, 1))
    billing.tenant("b-no-subscription", with_subscription=False)
    billing.tenant("c-unknown-package", package="GULL", price_switch_date=date(2022, 1, 1))
    billing.tenant("d", price_switch_date=date(2022, 1, 1))
    for tenant in ("a", "b-no-subscription", "c-unknown-package", "d"):
        billing.usage(tenant, "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    summary = billing.run_month("2022-05", now="2022-06-01T02:00:00Z")
    assert summary["tenants_seen"] == 4
    assert summary["invoices_issued"] == 2
    assert summary["failed_tenants"] == [
        {
            "tenant_id": "b-no-subscription",
            "error": "tenant b-no-subscription has no subscription in the register",
        },
        {
            "tenant_id": "c-unknown-package",
            "error": "package 'GULL' is not in the catalog's standard price list",
        },
    ]
    assert [i["tenant_id"] for i in billing.invoices()] == ["a", "d"]


def test_named_tenants_only_and_unknown_ones_are_reported(billing: Billing) -> None:
    for tenant in ("a", "b"):
        billing.tenant(tenant, price_switch_date=date(2022, 1, 1))
        billing.usage(tenant, "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    summary = billing.run_month("2022-05", now="2022-06-01T02:00:00Z", tenant_ids=["b", "ghost"])
    assert summary["invoices_issued"] == 1
    assert summary["failed_tenants"] == [
        {"tenant_id": "ghost", "error": "tenant ghost has no profile in the register"}
    ]
    assert [i["tenant_id"] for i in billing.invoices()] == ["b"]


def test_a_dry_run_writes_nothing(billing: Billing) -> None:
    given_the_worked_example(billing)
    before = billing.item_count("InvoicesTable")
    summary = billing.run_month("2022-02", now="2022-03-01T02:00:00Z", dry_run=True)
    assert (summary["invoices_previewed"], summary["invoices_issued"], summary["total_billed"]) == (
        1,
        0,
        "873.75",
    )
    preview = billing.run_month(
        "2022-03", now="2022-03-15T12:00:00Z", dry_run=True
    )  # not ended: preview only
    assert preview["invoices_previewed"] == 1
    assert billing.item_count("InvoicesTable") == before == 0


def test_no_invoice_for_a_tenant_with_nothing_to_bill(billing: Billing) -> None:
    billing.tenant("quiet", price_switch_date=date(2022, 1, 1))
    summary = billing.run_month("2022-05", now="2022-06-01T02:00:00Z")
    assert (summary["tenants_seen"], summary["invoices_issued"], summary["tenants_with_nothing_to_bill"]) == (
        1,
        0,
        1,
    )
    assert billing.invoices() == []
    assert billing.invoice("quiet", "INVOICE#MONTHLY#2022-05") is None


def test_an_unended_month_is_refused_and_a_bad_event_is_an_error(billing: Billing) -> None:
    with pytest.raises(PeriodNotEnded):
        billing.run_month("2022-05", now="2022-05-31T12:00:00Z")
    with pytest.raises(InvalidRequest):
        billing.run({"period": "May"})


def test_the_run_publishes_its_counts_as_metrics(
    billing: Billing, capsys: pytest.CaptureFixture[str]
) -> None:
    billing.tenant("a", price_switch_date=date(2022, 1, 1))
    billing.tenant("b-no-subscription", with_subscription=False)
    billing.usage("a", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    billing.usage("a", "period.closed", "2022-05-10T10:00:00Z")  # invalid: no client_id
    billing.run_month("2022-05", now="2022-06-01T02:00:00Z")
    emitted = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')
    ]
    planned, metrics = emitted  # the planner's, then the worker's for the one batch
    assert (planned["TenantsHandedOn"], planned["kind"]) == ([2.0], "MONTHLY")
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PeriodeOgAr"
    assert (metrics["kind"], metrics["service"]) == ("MONTHLY", "periodyear")
    assert {
        name: metrics[name]
        for name in (
            "TenantsSeen",
            "InvoicesIssued",
            "InvalidUsageRecords",
            "FailedTenants",
            "DocumentsPending",
        )
    } == {
        "TenantsSeen": [2.0],
        "InvoicesIssued": [1.0],
        "InvalidUsageRecords": [1.0],
        "FailedTenants": [1.0],
        "DocumentsPending": [0.0],
    }


def test_an_event_from_the_future_bills_writes_and_queues_nothing(billing: Billing) -> None:
    # Given a tenant with usage, and a scheduled event whose time lies a day after the real clock
    billing.tenant("a", price_switch_date=date(2022, 1, 1))
    billing.usage("a", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    tomorrow = format_instant(datetime.now(UTC) + timedelta(days=1))
    # When it reaches the monthly job, Then it is refused before anything is read or written
    with pytest.raises(EventFromTheFuture, match="more than 5 minutes after the clock"):
        billing.start({"time": tomorrow})
    assert billing.invoices() == []
    assert billing.item_count("InvoicesTable") == 0  # no run record either
    assert billing.drain().messages_delivered == 0  # nothing queued


def test_a_batch_message_from_the_future_is_refused_by_the_worker(billing: Billing) -> None:
    billing.tenant("a", price_switch_date=date(2022, 1, 1))
    billing.usage("a", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    forged = {
        "run_id": "forged",
        "kind": "MONTHLY",
        "period": "2022-05",
        "issue_date": "2022-06-01",
        "now": format_instant(datetime.now(UTC) + timedelta(hours=1)),
        "batch": 1,
        "tenant_ids": ["a"],
    }
    boto3.client("sqs", region_name=REGION).send_message(
        QueueUrl=os.environ["BILLING_QUEUE_URL"], MessageBody=json.dumps(forged)
    )
    delivery = billing.drain()
    assert delivery.failed_deliveries == 3  # refused on every receive, then dead-lettered
    assert billing.invoices() == []


def test_a_tenant_whose_move_is_not_complete_is_never_billed_even_by_name(billing: Billing) -> None:
    # Given a tenant whose register items are written but whose PROFILE is not yet listed in gsi1
    # (a move that crashed before its last write)
    billing.tenant("half", price_switch_date=date(2022, 1, 1), clients=("c1",))
    billing.usage("half", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    billing.client.update_item(
        TableName=billing.tables["RegisterTable"],
        Key={"pk": {"S": "TENANT#half"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="REMOVE gsi1pk, gsi1sk",
    )
    # When an operator bills it by name, and the scheduled run bills everyone
    by_name = billing.run_month("2022-05", now="2022-06-01T02:00:00Z", tenant_ids=["half"])
    everyone = billing.run_month("2022-05", now="2022-06-01T02:00:00Z")
    # Then neither bills it: named, it is refused with the reason; scheduled, it is not listed
    assert by_name["failed_tenants"] == [
        {"tenant_id": "half", "error": "tenant half is not listed for billing: its move is not complete"}
    ]
    assert (everyone["tenants_seen"], billing.invoices()) == (0, [])
