"""A fanned-out run against the template's queue, worker and tables (moto): the proofs of CONTRACT §7."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from periodyear.adapters.invoice_items import LARGE_INVOICE_BYTES, invoice_sk
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.items import item_size
from periodyear.adapters.register import RegisterRepository
from periodyear.documents.publisher import documents
from periodyear.domain.calendar import Period
from periodyear.domain.catalog import load_catalog
from periodyear.domain.invoice import compose_invoice
from periodyear.domain.meters import Meter
from periodyear.domain.tenant import Client, Subscription, TenantAccount
from periodyear.domain.usage import UsageRecord
from periodyear_local.cli import main
from periodyear_local.sandbox import REGION, local_aws
from periodyear_local.template import sample_seller
from tests.conftest import WORKED_EXAMPLE_CATALOG
from tests.integration.harness import Billing

MAY = "2022-05"
AFTER_MAY = "2022-06-01T02:00:00Z"
VOLATILE = ("run_id", "issued_at", "event_sent_at")  # when and by which run, not what was billed


def given_firms(billing: Billing, tenants: list[str]) -> None:
    for n, tenant in enumerate(tenants):
        clients_ = tuple(f"c{k}" for k in range(n % 4 + 1))
        billing.tenant(
            tenant, price_switch_date=date(2022, 1, 1) if n % 2 else date(2022, 9, 1), clients=clients_
        )
        for client in clients_:
            billing.usage(tenant, "period.closed", f"2022-05-{10 + n:02d}T10:00:00Z", client_id=client)
        if n % 3 == 0:
            billing.usage(tenant, "vpi.active", "2022-05-03T09:00:00Z", user_id=f"u{n}")


def bill_all(*, fan_out: bool, tenants: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], Any]:
    """Bill May for ``tenants`` in a fresh stack, fanned out or inline; its invoices and documents."""
    with local_aws("MonthlyInvoiceFunction", CATALOG_PATH=str(WORKED_EXAMPLE_CATALOG)) as aws:
        monkeypatch.setenv("BILLING_BATCH_SIZE", "3")
        billing = Billing(aws)
        given_firms(billing, tenants)
        if fan_out:
            summary = billing.run_month(MAY, now=AFTER_MAY)
            assert billing.last_delivery.messages_delivered == 3  # 7 tenants in batches of 3
        else:
            summary = billing.run_month(MAY, now=AFTER_MAY, tenant_ids=sorted(tenants))
        invoices = [{k: v for k, v in i.items() if k not in VOLATILE} for i in billing.invoices()]
        s3 = boto3.client("s3", region_name=REGION)
        bucket = aws["tables"]["InvoiceDocumentsBucket"]
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        stored = {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}
        return invoices, (summary, stored)


def test_a_fanned_out_run_issues_the_same_invoices_as_an_inline_run(monkeypatch: pytest.MonkeyPatch) -> None:
    tenants = [f"firm-{n}" for n in range(7)]
    inline, (inline_summary, inline_documents) = bill_all(
        fan_out=False, tenants=tenants, monkeypatch=monkeypatch
    )
    fanned, (fanned_summary, fanned_documents) = bill_all(
        fan_out=True, tenants=tenants, monkeypatch=monkeypatch
    )
    assert len(inline) == 7
    assert fanned == inline  # item for item: numbers, lines, allocations, amounts, documents' keys
    assert fanned_documents == inline_documents  # the same EHF, PDF and CSV bytes
    for field in (
        "tenants_seen",
        "invoices_issued",
        "total_billed",
        "invoice_numbers",
        "invalid_usage_records",
    ):
        assert fanned_summary[field] == inline_summary[field], field


def test_a_poison_tenant_ends_in_the_dead_letter_queue_and_the_failures(
    billing: Billing, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tenants = ["a", "b", "c-poison", "d", "e"]
    given_firms(billing, tenants)
    monkeypatch.setenv("BILLING_BATCH_SIZE", "2")  # [a, b], [c-poison, d], [e]
    real_account = RegisterRepository.account

    def account(self: RegisterRepository, tenant_id: str) -> TenantAccount:
        if tenant_id == "c-poison":
            raise RuntimeError("a defect meets this tenant's data on every attempt")
        return real_account(self, tenant_id)

    monkeypatch.setattr(RegisterRepository, "account", account)
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert summary["failed_tenants"] == [
        {"tenant_id": "c-poison", "error": "RuntimeError: a defect meets this tenant's data on every attempt"}
    ]
    assert (summary["tenants_seen"], summary["invoices_issued"]) == (5, 4)  # d, in its batch, too
    assert billing.last_delivery.failed_deliveries == 3  # the queue's maxReceiveCount
    sqs = boto3.client("sqs", region_name=REGION)
    dead = sqs.receive_message(QueueUrl=billing.tables["BillingDeadLetterQueue"], MaxNumberOfMessages=10)
    (message,) = dead["Messages"]
    assert json.loads(message["Body"])["tenant_ids"] == ["c-poison", "d"]
    run = billing.run_record(summary["run_id"])
    assert (run["status"], "announced_at" in run) == ("COMPLETED", True)
    # The operator reads the run and every failure of its batches with the CLI
    assert main(["run", summary["run_id"]]) == 1
    out = capsys.readouterr().out
    assert f"run {summary['run_id']}: COMPLETED, 3 of 3 batches counted, 5 tenants handed on" in out
    assert "1 failed\n  c-poison: RuntimeError: a defect meets this tenant's data on every attempt" in out
    assert main(["run", "monthly-2022-05-x"]) == 2
    assert capsys.readouterr().err == (
        "periodyear: no run 'monthly-2022-05-x' in the invoices table (the handler returns its run_id)\n"
    )


def test_a_firm_with_50000_clients_is_billed_exactly_with_all_its_documents(aws: dict[str, Any]) -> None:
    # Given a firm whose 50,000 clients closed a period in May (prices of the worked example)
    count = 50_000
    catalog = load_catalog(WORKED_EXAMPLE_CATALOG)
    subscription = Subscription(package="KOMPLETT", price_switch_date=date(2022, 1, 1))
    ids = [f"client-{n:06d}" for n in range(count)]
    usage = [UsageRecord(Meter.PERIOD_ACTIVE_CLIENTS, client, date(2022, 5, 10)) for client in ids]
    period = Period.parse_month(MAY)
    draft = compose_invoice(
        tenant_id="big", subscription=subscription, period=period, usage=usage, catalog=catalog,
        issue_date=date(2022, 6, 1),
    )  # fmt: skip
    assert draft is not None
    # 2 × 50.00 + 49,998 × 30.00 = 1,500,040.00, split over 50,000 clients
    assert draft.subtotal == 1_500_040
    # When it is issued through the invoices table
    repository = InvoiceRepository(aws["dynamodb"], aws["tables"]["InvoicesTable"])
    (outcome,) = repository.issue([draft], run_id="r1", issued_at=datetime(2022, 6, 1, 2, tzinfo=UTC))
    assert outcome.issued_now
    # Then the invoice item stays under 300 KB and its allocations are in 25 items of at most 2,000
    raw = aws["dynamodb"].get_item(
        TableName=aws["tables"]["InvoicesTable"],
        Key={"pk": {"S": "TENANT#big"}, "sk": {"S": invoice_sk(period)}},
    )["Item"]
    assert item_size(raw) < LARGE_INVOICE_BYTES
    assert raw["allocation_items"] == {"N": "25"}
    assert all(line["M"]["allocations"] == {"L": []} for line in raw["lines"]["L"])
    # and read back, the merged allocations are exactly the draft's
    stored = repository.issued("big", period)
    assert stored is not None
    assert stored.invoice.draft == draft
    assert sum(a.amount for a in stored.invoice.draft.lines[0].allocations) == draft.lines[0].amount
    # and the firm gets its EHF, a PDF of lines and totals, and a CSV basis of every client
    buyer = TenantAccount(
        tenant_id="big", name="Stor Regnskap AS", org_number="999999999", language="nb",
        subscription=subscription, clients={c: Client(c, f"Klient {c}", "911111111", False) for c in ids},
    )  # fmt: skip
    made = documents(stored.invoice, buyer, sample_seller())
    rows = list(csv.reader(io.StringIO(made["csv"].decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + count
    assert b"<cbc:PayableAmount" in made["xml"]
    assert 1 <= len(re.findall(rb"/Type /Page\b", made["pdf"])) <= 10  # lines, totals, a capped basis
