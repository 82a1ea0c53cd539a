"""Late usage (CONTRACT §5a) through the handlers, on the template's tables in moto: billed once,
openly, on the next invoice of the same kind; a negative correction can make a credit note."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from lxml import etree

from periodyear.adapters import invoice_items, invoice_transactions
from periodyear.documents.ehf import CAC, CBC
from periodyear_local.sandbox import REGION, local_aws
from tests.ehf import EhfValidator
from tests.integration.harness import Billing

LATE_CATALOG = Path(__file__).parents[1] / "data" / "late_usage_catalog.json"
STANDARD_FROM = date(2022, 1, 1)


@pytest.fixture
def volume_billing() -> Iterator[Billing]:
    """The catalog of docs/billing.md's example: standard monthly volume [up to 5: 100.00, above: 70.00]."""
    with local_aws("MonthlyInvoiceFunction", CATALOG_PATH=str(LATE_CATALOG)) as env:
        yield Billing(env)


def corrections(invoice: dict[str, Any] | None) -> list[tuple[Any, ...]]:
    assert invoice is not None
    return [
        (
            line["code"],
            line["quantity"],
            line["amount"],
            [(a["client_id"], a["amount"]) for a in line["allocations"]],
            line["correction_of"],
        )
        for line in invoice["lines"]
        if "correction_of" in line
    ]


def test_late_usage_is_billed_once_on_the_next_invoice(billing: Billing) -> None:
    # Given a firm on the standard graduated price [up to 2: 50.00, above: 30.00] billed for February
    billing.tenant("t1", price_switch_date=STANDARD_FROM, clients=("c1", "c2", "c3"))
    billing.usage("t1", "period.closed", "2022-02-10T10:00:00Z", client_id="c1")
    billing.usage("t1", "period.closed", "2022-03-10T10:00:00Z", client_id="c1")
    february = billing.run({"time": "2022-03-01T02:00:00Z"})
    assert february["invoices_issued"] == 1
    # When two February closes arrive after that invoice, and March is billed
    billing.usage("t1", "period.closed", "2022-02-27T10:00:00Z", client_id="c2")
    billing.usage("t1", "period.closed", "2022-02-28T10:00:00Z", client_id="c3")
    march = billing.run({"time": "2022-04-01T01:00:00Z"})
    # Then March's invoice bills them once, as a correction of invoice 1
    invoice = billing.invoice("t1", "INVOICE#MONTHLY#2022-03")
    assert invoice is not None
    assert corrections(invoice) == [
        ("PERIOD@2022-02", 2, Decimal("80"), [("c2", Decimal("40")), ("c3", Decimal("40"))], 1)
    ]  # 2 × 50.00 + 1 × 30.00 − 1 × 50.00
    assert invoice["lines"][1]["description"] == "Period closing per active client (2022-02)"
    assert (invoice["subtotal"], invoice["total"], invoice["document_type"]) == (
        Decimal("130"),
        Decimal("162.5"),
        "INVOICE",
    )
    assert (march["correction_lines"], march["credit_notes"]) == (1, 0)
    # and a re-run, April, and May never bill them again
    again = billing.run_month("2022-03", now="2022-04-02T10:00:00Z")
    assert (again["invoices_issued"], again["invoices_already_issued"]) == (0, 1)
    billing.usage("t1", "period.closed", "2022-04-10T10:00:00Z", client_id="c1")
    billing.run({"time": "2022-05-01T01:00:00Z"})
    assert corrections(billing.invoice("t1", "INVOICE#MONTHLY#2022-04")) == []
    assert [i["document_type"] for i in billing.invoices()] == ["INVOICE"] * 3


def test_the_docs_example_ends_with_a_credit_note(volume_billing: Billing, ehf: EhfValidator) -> None:
    billing = volume_billing
    billing.tenant("firm", price_switch_date=STANDARD_FROM, clients=tuple(f"c{n}" for n in range(1, 7)))
    for n in range(1, 6):
        billing.usage("firm", "period.closed", f"2022-02-{10 + n}T10:00:00Z", client_id=f"c{n}")
    assert billing.run({"time": "2022-03-01T02:00:00Z"})["invoices_issued"] == 1
    billing.usage("firm", "period.closed", "2022-02-27T10:00:00Z", client_id="c6")  # arrives 2 March
    march = billing.run({"time": "2022-04-01T01:00:00Z"})
    credit = billing.invoice("firm", "INVOICE#MONTHLY#2022-03")
    assert credit is not None
    assert corrections(credit) == [("PERIOD@2022-02", 1, Decimal("-80"), [("c6", Decimal("-80"))], 1)]
    assert (credit["document_type"], credit["invoice_number"]) == ("CREDIT_NOTE", 2)
    assert (credit["subtotal"], credit["vat_amount"], credit["total"]) == (
        Decimal("-80"),
        Decimal("-20"),
        Decimal("-100"),
    )
    assert (march["invoices_issued"], march["correction_lines"], march["credit_notes"]) == (1, 1, 1)
    assert march["total_billed"] == "-100.00"
    # its EHF, as stored: a UBL CreditNote for 100.00 that references invoice 1, valid
    s3 = boto3.client("s3", region_name=REGION)
    xml = s3.get_object(Bucket=billing.tables["InvoiceDocumentsBucket"], Key=credit["documents"]["xml"])[
        "Body"
    ]
    document = xml.read()
    check = ehf.check(document)
    assert (check.schema_errors, check.findings) == ([], [])  # no fatal finding, and no warning either
    root = etree.fromstring(document)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext(f"{{{CBC}}}CreditNoteTypeCode") == "381"
    assert root.findtext(f"{{{CAC}}}BillingReference/{{{CAC}}}InvoiceDocumentReference/{{{CBC}}}ID") == "1"
    assert root.findtext(f"{{{CAC}}}LegalMonetaryTotal/{{{CBC}}}PayableAmount") == "100.00"
    # docs/billing.md states the example as a table: it is what the handler wrote
    february = billing.invoice("firm", "INVOICE#MONTHLY#2022-02")
    assert [as_documented(i) for i in (february, credit)] == documented_example()


DOCS = Path(__file__).parents[2] / "docs" / "billing.md"


def documented_example() -> list[list[str]]:
    """The rows of the late-usage example table in docs/billing.md, without the first column."""
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("<!-- late-usage-example")[1].split("\n\n")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    return [[cell.strip() for cell in row.strip("|").split("|")][1:] for row in rows[1:]]


def as_documented(invoice: dict[str, Any] | None) -> list[str]:
    assert invoice is not None
    (line,) = invoice["lines"]
    shares = [(a["client_id"], f"{a['amount']:.2f}") for a in line["allocations"]]
    if len(shares) > 1 and len({amount for _, amount in shares}) == 1:
        basis = f"{shares[0][0]}–{shares[-1][0]} {shares[0][1]} each"
    else:
        basis = ", ".join(f"{client} {amount}" for client, amount in shares)
    return [
        str(invoice["invoice_number"]),
        invoice["document_type"],
        line["code"],
        str(line["quantity"]),
        f"{line['amount']:.2f}",
        basis,
        *(f"{invoice[key]:.2f}" for key in ("subtotal", "vat_amount", "total")),
    ]


def test_concurrent_runs_bill_a_correction_once(server_billing: Billing) -> None:
    billing = server_billing
    for n in range(6):
        billing.tenant(f"t{n}", price_switch_date=STANDARD_FROM, clients=("c1", "c2"))
        billing.usage(f"t{n}", "period.closed", "2022-02-10T10:00:00Z", client_id="c1")
    billing.run({"time": "2022-03-01T02:00:00Z"})
    for n in range(6):
        billing.usage(f"t{n}", "period.closed", "2022-02-20T10:00:00Z", client_id="c2")
    summaries = billing.run_all(
        [("monthly_invoice", {"period": "2022-03", "time": "2022-04-01T01:00:00Z"})] * 3
    )
    assert sum(s["invoices_issued"] for s in summaries) == 6
    assert sum(s["correction_lines"] for s in summaries) == 6
    march = [i for i in billing.invoices() if i["sk"] == "INVOICE#MONTHLY#2022-03"]
    assert len(march) == 6
    for invoice in march:
        february = feb_number(billing, invoice["tenant_id"])
        assert corrections(invoice) == [
            ("PERIOD@2022-02", 1, Decimal("50"), [("c2", Decimal("50"))], february)
        ]
    assert sorted(i["invoice_number"] for i in billing.invoices()) == list(range(1, 13))


def feb_number(billing: Billing, tenant_id: str) -> int:
    invoice = billing.invoice(tenant_id, "INVOICE#MONTHLY#2022-02")
    assert invoice is not None
    return int(invoice["invoice_number"])


def test_an_annual_invoice_corrects_the_year_before(billing: Billing) -> None:
    billing.tenant("t1", price_switch_date=STANDARD_FROM, clients=("c1", "c2"))
    billing.usage("t1", "annual.submitted", "2022-05-02T10:00:00Z", client_id="c1")
    assert billing.run_year(2022, now="2022-09-01T02:00:00Z")["invoices_issued"] == 1
    billing.usage("t1", "annual.submitted", "2022-08-30T10:00:00Z", client_id="c2")  # a receipt re-sent late
    billing.usage("t1", "annual.submitted", "2023-03-02T10:00:00Z", client_id="c1")
    summary = billing.run_year(2023, now="2023-09-01T02:00:00Z")
    assert summary["correction_lines"] == 1
    invoice = billing.invoice("t1", "INVOICE#ANNUAL#2023")
    # volume [up to 1: 200.00, above: 150.00]: 2 × 150.00 − 1 × 200.00 = 100.00 for c2
    assert corrections(invoice) == [("ANNUAL@2022", 1, Decimal("100"), [("c2", Decimal("100"))], 1)]


def test_a_dry_run_previews_the_correction_and_writes_nothing(billing: Billing) -> None:
    billing.tenant("t1", price_switch_date=STANDARD_FROM, clients=("c1", "c2"))
    billing.usage("t1", "period.closed", "2022-02-10T10:00:00Z", client_id="c1")
    billing.run({"time": "2022-03-01T02:00:00Z"})
    billing.usage("t1", "period.closed", "2022-02-20T10:00:00Z", client_id="c2")
    preview = billing.run_month("2022-03", now="2022-04-01T01:00:00Z", dry_run=True)
    assert (preview["invoices_previewed"], preview["correction_lines"]) == (1, 1)
    assert billing.invoice("t1", "INVOICE#MONTHLY#2022-03") is None


def test_a_large_reviewed_invoice_is_read_with_its_allocation_items(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    # February's invoice keeps its allocations in allocation items (CONTRACT §6), two per item
    monkeypatch.setattr(invoice_transactions, "LARGE_INVOICE_BYTES", 100)
    monkeypatch.setattr(invoice_items, "ALLOCATIONS_PER_ITEM", 2)
    billing.tenant("t1", price_switch_date=STANDARD_FROM, clients=tuple(f"c{n}" for n in range(1, 7)))
    for n in range(1, 6):
        billing.usage("t1", "period.closed", f"2022-02-{10 + n}T10:00:00Z", client_id=f"c{n}")
    billing.run({"time": "2022-03-01T02:00:00Z"})
    february = billing.invoice("t1", "INVOICE#MONTHLY#2022-02")
    assert february is not None
    assert (february["allocation_items"], february["lines"][0]["allocations"]) == (3, [])
    monkeypatch.undo()  # March's invoice is an ordinary one
    billing.usage("t1", "period.closed", "2022-02-27T10:00:00Z", client_id="c6")
    billing.run({"time": "2022-04-01T01:00:00Z"})
    # the review merged February's five allocations: only c6 is new (a graduated 30.00 unit)
    assert corrections(billing.invoice("t1", "INVOICE#MONTHLY#2022-03")) == [
        ("PERIOD@2022-02", 1, Decimal("30"), [("c6", Decimal("30"))], 1)
    ]
