"""Issued invoices get their documents stored and are announced: exactly once, crashes included."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from datetime import date
from typing import Any

import boto3
import pytest

from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.messaging import BillingEvents, DocumentStore
from periodyear.adapters.register import RegisterRepository
from periodyear.config import Seller
from periodyear.documents.publisher import documents
from periodyear.domain.calendar import Period
from periodyear_local.sandbox import REGION, drain_queue, route_to_queue
from tests.ehf import EhfValidator
from tests.integration.harness import Billing
from tests.integration.test_exactly_once import Crash

MAY, AFTER_MAY = "2022-05", "2022-06-01T02:00:00Z"


@pytest.fixture
def announced(billing: Billing) -> str:
    """A queue that receives every InvoiceIssued put on the project's bus."""
    return route_to_queue(billing.tables["EventBus"], ["InvoiceIssued"], "invoice-issued")


def given_two_tenants(billing: Billing) -> None:
    for tenant in ("a", "b"):
        billing.tenant(
            tenant,
            price_switch_date=date(2022, 1, 1),
            clients=("c1", "c2"),
            org_number="999999999",
            name=f"Firma {tenant.upper()} AS",
        )
        billing.usage(tenant, "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
        billing.usage(tenant, "period.closed", "2022-05-11T10:00:00Z", client_id="c2")


def stored(billing: Billing, key: str) -> bytes:
    s3 = boto3.client("s3", region_name=REGION)
    body: bytes = s3.get_object(Bucket=billing.tables["InvoiceDocumentsBucket"], Key=key)["Body"].read()
    return body


def keys(billing: Billing) -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    listing = s3.list_objects_v2(Bucket=billing.tables["InvoiceDocumentsBucket"])
    return sorted(o["Key"] for o in listing.get("Contents", []))


def test_issued_invoices_get_three_documents_and_one_announcement(
    billing: Billing, announced: str, ehf: EhfValidator
) -> None:
    given_two_tenants(billing)
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert (summary["invoices_issued"], summary["documents_completed"], summary["documents_pending"]) == (
        2,
        2,
        [],
    )
    assert keys(billing) == [
        "invoices/a/1.csv",
        "invoices/a/1.pdf",
        "invoices/a/1.xml",
        "invoices/b/2.csv",
        "invoices/b/2.pdf",
        "invoices/b/2.xml",
    ]
    check = ehf.check(stored(billing, "invoices/a/1.xml"))
    assert (check.schema_errors, check.fatal) == ([], [])
    assert stored(billing, "invoices/a/1.pdf").startswith(b"%PDF")
    rows = list(
        csv.reader(io.StringIO(stored(billing, "invoices/a/1.csv").decode("utf-8-sig")), delimiter=";")
    )
    assert [r[0] for r in rows[1:]] == ["c1", "c2"]
    events = drain_queue(announced)
    assert sorted(e["detail"]["invoice_number"] for e in events) == [1, 2]
    first = next(e for e in events if e["detail"]["invoice_number"] == 1)
    assert first["source"] == "periodyear.billing"
    assert first["detail"] == {
        "invoice_key": {"tenant_id": "a", "kind": "MONTHLY", "period": MAY},
        "invoice_number": 1,
        "document_type": "INVOICE",
        "issue_date": "2022-06-01",
        "due_date": "2022-06-15",
        "currency": "NOK",
        "total": "125.00",
        "kid": "0000000018",
        "documents": {
            "bucket": billing.tables["InvoiceDocumentsBucket"],
            "xml": "invoices/a/1.xml",
            "pdf": "invoices/a/1.pdf",
            "csv": "invoices/a/1.csv",
        },
    }
    record = billing.invoice("a", f"INVOICE#MONTHLY#{MAY}")
    assert record is not None
    assert "documents_pending" not in record
    again = billing.run_month(MAY, now=AFTER_MAY)
    assert (again["invoices_issued"], again["documents_completed"]) == (0, 0)
    assert drain_queue(announced) == []


def test_a_crash_between_the_invoice_and_its_documents_converges_on_rerun(
    billing: Billing, announced: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    given_two_tenants(billing)

    def die(self: DocumentStore, key: str, body: bytes, extension: str) -> None:
        raise Crash

    monkeypatch.setattr(DocumentStore, "put", die)
    with pytest.raises(Crash):  # an inline run dies with its process
        billing.run_month(MAY, now=AFTER_MAY, tenant_ids=["a", "b"])
    for tenant in ("a", "b"):  # the chunk's invoices were issued together, before any document
        record = billing.invoice(tenant, f"INVOICE#MONTHLY#{MAY}")
        assert record is not None
        assert record["documents_pending"] == {"xml", "pdf", "csv", "event"}
    monkeypatch.undo()
    summary = billing.run_month(MAY, now=AFTER_MAY)
    assert (
        summary["invoices_issued"],
        summary["invoices_already_issued"],
        summary["documents_completed"],
    ) == (0, 2, 2)
    assert [i["invoice_number"] for i in billing.invoices()] == [1, 2]
    assert len(keys(billing)) == 6
    assert sorted(e["detail"]["invoice_number"] for e in drain_queue(announced)) == [1, 2]


def test_a_crash_between_storing_and_announcing_sends_the_event_once_on_rerun(
    billing: Billing, announced: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    given_two_tenants(billing)

    def die(self: BillingEvents, details: Any) -> None:
        raise Crash

    monkeypatch.setattr(BillingEvents, "invoices_issued", die)
    with pytest.raises(Crash):
        billing.run_month(MAY, now=AFTER_MAY, tenant_ids=["a", "b"])
    for tenant in ("a", "b"):
        record = billing.invoice(tenant, f"INVOICE#MONTHLY#{MAY}")
        assert record is not None
        assert record["documents_pending"] == {"xml", "pdf", "csv", "event"}  # not recorded yet
    assert len(keys(billing)) == 6  # both invoices' documents are stored
    monkeypatch.undo()
    billing.run_month(MAY, now=AFTER_MAY)
    billing.run_month(MAY, now=AFTER_MAY)
    assert sorted(e["detail"]["invoice_number"] for e in drain_queue(announced)) == [1, 2]
    assert len(keys(billing)) == 6


def test_a_buyer_failing_mod11_gets_its_pdf_and_csv_announced_and_its_ehf_held_until_corrected(
    billing: Billing, announced: str, ehf: EhfValidator
) -> None:
    # Given a firm whose org number fails MOD11
    billing.tenant("bad-org", price_switch_date=date(2022, 1, 1), org_number="912345678")
    billing.usage("bad-org", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    # When the month is billed
    summary = billing.run_month(MAY, now=AFTER_MAY)
    # Then its PDF and CSV are stored and announced, the EHF held with the reason in the summary
    assert (summary["invoices_issued"], summary["documents_completed"], summary["documents_pending"]) == (
        1,
        1,
        [],
    )
    (held,) = summary["documents_held"]
    assert held["tenant_id"] == "bad-org"
    assert "not a valid Norwegian organisation number" in held["reason"]
    assert keys(billing) == ["invoices/bad-org/1.csv", "invoices/bad-org/1.pdf"]
    (event,) = drain_queue(announced)
    assert event["detail"]["documents"] == {
        "bucket": billing.tables["InvoiceDocumentsBucket"],
        "pdf": "invoices/bad-org/1.pdf",
        "csv": "invoices/bad-org/1.csv",
    }
    assert event["detail"]["ehf_held"] == held["reason"]
    record = billing.invoice("bad-org", f"INVOICE#MONTHLY#{MAY}")
    assert record is not None
    assert record["documents_pending"] == {"xml"}
    assert record["documents_held"] == held["reason"]
    assert set(record["documents"]) == {"pdf", "csv"}
    # And once the register holds a corrected org number, a re-run makes the EHF and says so
    billing.tenant("bad-org", price_switch_date=date(2022, 1, 1), org_number="999999999")
    again = billing.run_month(MAY, now=AFTER_MAY)
    assert (again["invoices_issued"], again["documents_pending"], again["documents_held"]) == (0, [], [])
    assert keys(billing) == ["invoices/bad-org/1.csv", "invoices/bad-org/1.pdf", "invoices/bad-org/1.xml"]
    check = ehf.check(stored(billing, "invoices/bad-org/1.xml"))
    assert (check.schema_errors, check.fatal) == ([], [])
    (complete,) = drain_queue(announced)
    assert set(complete["detail"]["documents"]) == {"bucket", "xml", "pdf", "csv"}
    assert "ehf_held" not in complete["detail"]
    record = billing.invoice("bad-org", f"INVOICE#MONTHLY#{MAY}")
    assert record is not None
    assert "documents_pending" not in record
    assert "documents_held" not in record
    assert set(record["documents"]) == {"xml", "pdf", "csv"}


def test_documents_are_the_same_bytes_when_made_again(billing: Billing) -> None:
    given_two_tenants(billing)
    billing.run_month(MAY, now=AFTER_MAY)
    stored_documents = {key: stored(billing, key) for key in keys(billing) if key.startswith("invoices/a/")}
    invoice = InvoiceRepository(billing.clients.dynamodb(), billing.tables["InvoicesTable"]).issued(
        "a", Period.parse_month(MAY)
    )
    assert invoice is not None
    account = RegisterRepository(billing.clients.dynamodb(), billing.tables["RegisterTable"]).account("a")
    remade = documents(invoice.invoice, account, Seller.load())
    assert {f"invoices/a/1.{ext}": body for ext, body in remade.items()} == stored_documents


def test_each_document_is_stored_with_a_sha256_checksum_the_locked_bucket_can_check(billing: Billing) -> None:
    given_two_tenants(billing)
    billing.run_month(MAY, now=AFTER_MAY)
    s3 = boto3.client("s3", region_name=REGION)
    for key in keys(billing):
        head = s3.head_object(
            Bucket=billing.tables["InvoiceDocumentsBucket"], Key=key, ChecksumMode="ENABLED"
        )
        body = stored(billing, key)
        assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
