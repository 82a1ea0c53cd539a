"""The documents of correction lines and credit notes (CONTRACT §5a; issue 9, items 2 and 4).

The worked example of ``tests/unit/test_corrections.py``: February's invoice no. 1 billed five
clients at 100.00 (500.00); a sixth client's February close arrived after it, so March's run
reviews February: 6 × 70.00 − 5 × 100.00 = −80.00, allocated to c6. With no usage of its own in
March, that makes March's document no. 2 a credit note of 80.00 + 20.00 VAT = 100.00.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from periodyear.documents import wording
from periodyear.documents.basis_csv import basis_csv
from periodyear.documents.ehf import build_ehf, ehf_lines
from periodyear.documents.pdf import build_pdf
from periodyear.documents.publisher import DocumentPublisher, DocumentWork
from periodyear.domain.allocation import allocate
from periodyear.domain.basis import basis_rows
from periodyear.domain.calendar import Period
from periodyear.domain.catalog import Catalog, load_catalog
from periodyear.domain.corrections import review
from periodyear.domain.invoice import (
    DOCUMENT_STEPS,
    Invoice,
    InvoiceDraft,
    InvoiceLine,
    IssuedInvoice,
    compose_invoice,
)
from periodyear.domain.meters import Meter
from periodyear.domain.money import ore, to_ore
from periodyear.domain.payment import kid_for
from periodyear.domain.pricing import PricePiece
from periodyear.domain.tenant import Address, Client, Subscription, TenantAccount
from periodyear.domain.usage import UsageRecord
from periodyear_local.template import sample_seller
from tests.ehf import EhfValidator
from tests.examples import examples
from tests.pdf_text import pdf_pages, pdf_text

DATA = Path(__file__).parents[1] / "data"
LATE = load_catalog(DATA / "late_usage_catalog.json")
SAMPLE = load_catalog()
SELLER = sample_seller()
STANDARD = Subscription("KOMPLETT", price_switch_date=date(2022, 1, 1))
FEBRUARY, MARCH = Period.parse_month("2022-02"), Period.parse_month("2022-03")
NS = {
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CLIENTS = {
    "c1": Client("c1", "Bakeri AS", "911111111", False),
    "c2": Client("c2", "Rør AS", "922222222", False),
    "c3": Client("c3", "Firma Regnskap AS", "933333333", True),
    "c4": Client("c4", "Fisk og Skalldyr AS", "944444444", False),
    "c5": Client("c5", "Snekker Hansen", "955555555", False),
    "c6": Client("c6", "Sjette Klient AS", "966666666", False),
}


def used(who: str, day: date, meter: Meter = Meter.PERIOD_ACTIVE_CLIENTS) -> UsageRecord:
    return UsageRecord(meter, who, day)


FIVE = [used(f"c{n}", date(2022, 2, 10 + n)) for n in range(1, 6)]
SIXTH = used("c6", date(2022, 2, 27))


def compose(
    period: Period,
    usage: list[UsageRecord],
    *,
    corrections: Sequence[InvoiceLine] = (),
    catalog: Catalog = LATE,
    subscription: Subscription = STANDARD,
) -> InvoiceDraft:
    draft = compose_invoice(
        tenant_id="t1",
        subscription=subscription,
        period=period,
        usage=usage,
        catalog=catalog,
        issue_date=period.end,
        corrections=corrections,
    )
    assert draft is not None
    return draft


FEBRUARY_INVOICE = Invoice(1, compose(FEBRUARY, FIVE))
LATE_CORRECTION = review(FEBRUARY_INVOICE, [*FIVE, SIXTH], subscription=STANDARD, catalog=LATE)


def credit_note() -> Invoice:
    """March's document no. 2: February's correction only, −80.00 (the worked example)."""
    return Invoice(2, compose(MARCH, [], corrections=LATE_CORRECTION))


def invoice_with_correction() -> Invoice:
    """March's invoice no. 2 when c1 and c2 closed March: 200.00 of its own, −80.00 corrected."""
    march = [used("c1", date(2022, 3, 10)), used("c2", date(2022, 3, 11))]
    return Invoice(2, compose(MARCH, march, corrections=LATE_CORRECTION))


def firm(language: str = "nb") -> TenantAccount:
    return TenantAccount(
        "t1",
        "Fjord Regnskap AS",
        "999999999",
        language,
        STANDARD,
        CLIENTS,
        address=Address("Strandgata 5", "5013", "Bergen"),
        customer_reference="Regnskap 4410",
    )


def texts(language: str, catalog: Catalog = LATE) -> Mapping[str, str]:
    return catalog.descriptions(language)


def documents(issued: Invoice, language: str, catalog: Catalog = LATE) -> tuple[bytes, bytes, bytes]:
    """The EHF (with its basis attached), the PDF and the CSV, as the publisher makes them."""
    buyer, descriptions = firm(language), texts(language, catalog)
    basis = basis_csv(basis_rows(issued.draft, buyer.clients), language, descriptions=descriptions)
    kid = kid_for(issued.invoice_number)
    ehf = build_ehf(issued, buyer, SELLER, kid, basis_csv=basis, descriptions=descriptions)
    return ehf, build_pdf(issued, buyer, SELLER, kid, descriptions=descriptions), basis


def lines_of(document: etree._Element, tag: str, quantity: str) -> list[tuple[str | None, ...]]:
    return [
        (
            line.findtext(f"cbc:{quantity}", namespaces=NS),
            line.findtext("cac:Price/cbc:PriceAmount", namespaces=NS),
            line.findtext("cbc:LineExtensionAmount", namespaces=NS),
            line.findtext("cbc:Note", namespaces=NS),
        )
        for line in document.iterfind(f"cac:{tag}", NS)
    ]


def rows_of(document: bytes, language: str) -> list[list[str]]:
    text = document.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if language == "nb" else ","))


def number(cell: str, language: str) -> Decimal:
    return Decimal(cell.replace(",", ".") if language == "nb" else cell)


# ---------------------------------------------------------------- EHF


def test_the_worked_example_credit_note_is_a_ubl_credit_note_with_positive_amounts(ehf: EhfValidator) -> None:
    # Given March's document, which holds only February's correction of −80.00
    issued = credit_note()
    assert issued.draft.document_type == "CREDIT_NOTE"
    # When its EHF is made
    raw, _, basis = documents(issued, "nb")
    document = etree.fromstring(raw)
    # Then it is a UBL CreditNote, type 381, without a due date, referencing invoice 1
    assert document.tag == f"{{{NS['cn']}}}CreditNote"
    assert document.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert document.find("cbc:DueDate", NS) is None
    assert document.find("cbc:InvoiceTypeCode", NS) is None
    assert [
        e.text for e in document.iterfind("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS)
    ] == ["1"]
    assert document.findtext("cbc:Note", namespaces=NS) == "Kreditnota for mars 2022, korrigerer faktura 1"
    # its amounts are the record's negated: what is credited is positive
    totals = {
        tag: document.findtext(f"cac:LegalMonetaryTotal/cbc:{tag}", namespaces=NS)
        for tag in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount")
    }
    assert totals == {
        "LineExtensionAmount": "80.00",
        "TaxExclusiveAmount": "80.00",
        "TaxInclusiveAmount": "100.00",
        "PayableAmount": "100.00",
    }
    assert document.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "20.00"
    assert document.findtext("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", namespaces=NS) == "80.00"
    # one credit note line per price piece, the sign on the quantity, the price never negative
    assert lines_of(document, "CreditNoteLine", "CreditedQuantity") == [
        ("-6", "70.00", "-420.00", "Korrigering for februar 2022 (faktura 1): 6 × 70,00"),
        ("5", "100.00", "500.00", "Korrigering for februar 2022 (faktura 1): tidligere fakturert 5 × 100,00"),
    ]
    assert document.find("cac:InvoiceLine", NS) is None
    # nothing to pay: no account or KID, and terms that say so
    assert document.find("cac:PaymentMeans", NS) is None
    assert b"0000000026" not in raw
    assert (
        document.findtext("cac:PaymentTerms/cbc:Note", namespaces=NS)
        == "Kreditnota: beløpet godskrives dere, ingenting å betale"
    )
    # the basis travels with it, signed as stored
    embedded = document.findtext(
        "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", namespaces=NS
    )
    assert base64.b64decode(embedded or "") == basis
    # And it is valid UBL with no finding at all (no fatal, no warning)
    check = ehf.check(raw)
    assert (check.schema_errors, check.findings) == ([], [])


def test_an_english_credit_note_says_so_in_english(ehf: EhfValidator) -> None:
    raw, _, _ = documents(credit_note(), "en")
    document = etree.fromstring(raw)
    assert document.findtext("cbc:Note", namespaces=NS) == "Credit note for March 2022, correcting invoice 1"
    assert (
        document.findtext("cac:PaymentTerms/cbc:Note", namespaces=NS)
        == "Credit note: the amount is credited to you, nothing to pay"
    )
    notes = [n for *_, n in lines_of(document, "CreditNoteLine", "CreditedQuantity")]
    assert notes == [
        "Correction for February 2022 (invoice 1): 6 × 70.00",
        "Correction for February 2022 (invoice 1): previously invoiced 5 × 100.00",
    ]
    names = [n.text for n in document.iterfind("cac:CreditNoteLine/cac:Item/cbc:Name", NS)]
    assert names == ["Period closing per active client (2022-02)"] * 2
    check = ehf.check(raw)
    assert (check.schema_errors, check.findings) == ([], [])


def test_an_invoice_holding_a_correction_references_the_invoice_it_corrects(ehf: EhfValidator) -> None:
    # Given March's own 200.00 and February's correction of −80.00: an invoice of 120.00
    issued = invoice_with_correction()
    assert issued.draft.document_type == "INVOICE"
    raw, _, _ = documents(issued, "nb")
    document = etree.fromstring(raw)
    assert document.tag == f"{{{NS['inv']}}}Invoice"
    assert document.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert document.findtext("cbc:DueDate", namespaces=NS) == "2022-04-15"
    assert [
        e.text for e in document.iterfind("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS)
    ] == ["1"]
    assert (
        document.findtext("cbc:Note", namespaces=NS)
        == "Samlefaktura for mars 2022, med korrigering av faktura 1"
    )
    assert document.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "150.00"
    assert document.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=NS) == kid_for(2)
    assert lines_of(document, "InvoiceLine", "InvoicedQuantity") == [
        ("2", "100.00", "200.00", None),
        ("6", "70.00", "420.00", "Korrigering for februar 2022 (faktura 1): 6 × 70,00"),
        (
            "-5",
            "100.00",
            "-500.00",
            "Korrigering for februar 2022 (faktura 1): tidligere fakturert 5 × 100,00",
        ),
    ]
    check = ehf.check(raw)
    assert (check.schema_errors, check.findings) == ([], [])


def annual_credit_note() -> Invoice:
    """Årsoppgjør Pluss (volume: up to 10 at 180.00, then 150.00): ten clients billed for 2022 on
    invoice 4; an eleventh, re-sent late, moves all eleven to 150.00: 11 × 150.00 − 10 × 180.00 =
    −150.00, so the 2023 document no. 9 is a credit note."""
    subscription = Subscription("ARSOPPGJOR_PLUSS", price_switch_date=date(2022, 1, 1))
    ten = [used(f"c{n}", date(2022, 5, 2), Meter.ANNUAL_SUBMITTED_CLIENTS) for n in range(10)]
    late = used("c10", date(2022, 8, 30), Meter.ANNUAL_SUBMITTED_CLIENTS)
    year = Invoice(4, compose(Period.annual(2022), ten, catalog=SAMPLE, subscription=subscription))
    corrections = review(year, [*ten, late], subscription=subscription, catalog=SAMPLE)
    return Invoice(
        9,
        compose(Period.annual(2023), [], corrections=corrections, catalog=SAMPLE, subscription=subscription),
    )


@pytest.mark.parametrize("language", ["nb", "en"])
def test_an_annual_credit_note_on_the_shipped_catalog_is_valid(ehf: EhfValidator, language: str) -> None:
    issued = annual_credit_note()
    assert (issued.draft.document_type, issued.draft.total) == ("CREDIT_NOTE", Decimal("-187.50"))
    raw, _, _ = documents(issued, language, SAMPLE)
    check = ehf.check(raw)
    assert (check.schema_errors, check.findings) == ([], [])
    document = etree.fromstring(raw)
    assert document.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "187.50"
    assert [
        e.text for e in document.iterfind("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS)
    ] == ["4"]


def test_a_correction_priced_finer_than_ore_is_one_line_with_the_sign_on_its_quantity(
    ehf: EhfValidator,
) -> None:
    # Given a correction whose pieces are finer than øre: it is shown as one line of its amount
    line = InvoiceLine(
        code="PERIOD@2022-02",
        description="Periodeavslutning per aktiv klient (2022-02)",
        meter=Meter.PERIOD_ACTIVE_CLIENTS,
        quantity=1,
        amount=Decimal("-33.34"),
        allocations=allocate(Decimal("-33.34"), ["c6"]),
        pieces=(
            PricePiece(6, Decimal("16.665"), Decimal("99.990")),
            PricePiece(-5, Decimal("26.665"), Decimal("-133.325")),
        ),
        correction_of=1,
    )
    # Then on an invoice it has quantity -1 at a positive price, and in a credit note quantity 1
    assert ehf_lines(line, "nb") == [
        (-1, Decimal("33.34"), Decimal("-33.34"), "1 × Periodeavslutning per aktiv klient (2022-02)")
    ]
    assert ehf_lines(line, "nb", credit_note=True)[0][:3] == (1, Decimal("33.34"), Decimal("33.34"))
    issued = Invoice(2, compose(MARCH, [], corrections=[line]))
    assert issued.draft.document_type == "CREDIT_NOTE"
    raw, _, _ = documents(issued, "nb")
    assert lines_of(etree.fromstring(raw), "CreditNoteLine", "CreditedQuantity")[0][:3] == (
        "1",
        "33.34",
        "33.34",
    )
    check = ehf.check(raw)
    assert (check.schema_errors, check.findings) == ([], [])


# ---------------------------------------------------------------- PDF


def test_the_credit_note_pdf_shows_what_is_credited_and_what_it_corrects() -> None:
    _, pdf, _ = documents(credit_note(), "nb")
    first, basis = pdf_pages(pdf)
    for expected in (
        "KREDITNOTA 2",
        "Kreditnotanummer",
        "Kreditnotadato",
        "01.04.2022",
        "Korrigerer faktura",
        "Kreditnota for mars 2022, korrigerer faktura 1",
        "Korrigering for februar 2022 (faktura 1)",
        "Periodeavslutning per aktiv klient (6 × 70,00)",
        "Periodeavslutning per aktiv klient (tidligere fakturert 5 × 100,00)",
        "Beløpet godskrives dere, og dere skal ikke betale noe.",
        "Grunnlaget per klient for viderefakturering står på neste side",
    ):
        assert expected in first, expected
    lines = first.splitlines()
    assert lines[lines.index("Sum eks. mva") + 1] == "80,00"
    assert lines[lines.index("Mva 25 %") + 1] == "20,00"
    assert lines[lines.index("Til gode (NOK)") + 1] == "100,00"
    # no payment is asked for
    for absent in (
        "FAKTURA",
        "Å betale",
        "Betal til konto",
        "KID",
        "Kontonummer",
        "Forfallsdato",
        "0000000026",
    ):
        assert absent not in first, absent
    assert "(2022-02)" not in first  # the heading names the period
    # the basis: the sixth client's share, positive, under the correction's heading
    for expected in (
        "Grunnlag per klient, kreditnota 2",
        "Korrigering for februar 2022 (faktura 1)",
        "Sjette Klient AS",
        "966 666 666",
    ):
        assert expected in basis, expected
    shown = basis.splitlines()
    row = shown.index("Sjette Klient AS")
    assert shown[row + 1 : row + 5] == ["966 666 666", "80,00", "20,00", "100,00"]
    assert shown[shown.index("Sum") + 1 :][:3] == ["80,00", "20,00", "100,00"]
    assert not any(line.startswith("-") for line in shown)
    assert b"/Title (KREDITNOTA 2)" in pdf


def test_the_english_credit_note_pdf() -> None:
    _, pdf, _ = documents(credit_note(), "en")
    text = pdf_text(pdf)
    for expected in (
        "CREDIT NOTE 2",
        "Credit note number",
        "Credit note date",
        "1 April 2022",
        "Corrects invoice",
        "Credit note for March 2022, correcting invoice 1",
        "Correction for February 2022 (invoice 1)",
        "Period closing per active client (previously invoiced 5 × 100.00)",
        "The amount is credited to you; there is nothing to pay.",
        "Per-client basis, credit note 2",
    ):
        assert expected in text, expected
    lines = text.splitlines()
    assert lines[lines.index("Amount credited (NOK)") + 1] == "100.00"
    for absent in ("INVOICE", "Amount due", "Please pay", "Bank account", "Due date"):
        assert absent not in text, absent
    assert b"/Title (CREDIT NOTE 2)" in pdf


@pytest.mark.parametrize(
    ("language", "heading", "note"),
    [
        (
            "nb",
            "Korrigering for september 2021 - august 2022 (faktura 4)",
            "(tidligere fakturert 10 × 180,00)",
        ),
        (
            "en",
            "Correction for September 2021 - August 2022 (invoice 4)",
            "(previously invoiced 10 × 180.00)",
        ),
    ],
)
def test_an_annual_correction_names_its_window_and_a_long_line_wraps_whole(
    language: str, heading: str, note: str
) -> None:
    _, pdf, _ = documents(annual_credit_note(), language, SAMPLE)
    page = pdf_pages(pdf)[0]
    assert heading in page.splitlines()
    # the charge's text and its note do not fit one line: the note goes whole to the next one,
    # never cut with "..." and never split at its "×"
    assert note in page.splitlines()
    assert "..." not in page


def test_an_invoice_shows_its_corrections_under_their_own_heading() -> None:
    _, pdf, _ = documents(invoice_with_correction(), "nb")
    first, basis = pdf_pages(pdf)
    lines = first.splitlines()
    assert "FAKTURA 2" in first
    assert "Samlefaktura for mars 2022, med korrigering av faktura 1" in first
    order = [
        "Mars 2022",
        "Periodeavslutning per aktiv klient",
        "Korrigering for februar 2022 (faktura 1)",
        "Periodeavslutning per aktiv klient (6 × 70,00)",
        "Periodeavslutning per aktiv klient (tidligere fakturert 5 × 100,00)",
    ]
    assert [lines.index(text) for text in order] == sorted(lines.index(text) for text in order)
    assert lines[lines.index("Periodeavslutning per aktiv klient (tidligere fakturert 5 × 100,00)") + 1 :][
        :3
    ] == [
        "-5",
        "100,00",
        "-500,00",
    ]
    assert lines[lines.index("Å betale (NOK)") + 1] == "150,00"
    assert "Betal til konto 12345678903 med KID 0000000026 innen 15.04.2022." in first
    said = " ".join(first.split())
    assert (
        "Korrigeringen gjelder bruk som ble registrert for sent til å komme med på faktura 1: forskjellen "
        "mellom prisen for all bruk som nå er registrert i perioden, og det som ble fakturert." in said
    )
    # the basis: March's clients, then the correction's, each under its heading
    shown = basis.splitlines()
    assert (
        shown.index("Mars 2022")
        < shown.index("Bakeri AS")
        < shown.index("Korrigering for februar 2022 (faktura 1)")
    )
    assert shown.index("Korrigering for februar 2022 (faktura 1)") < shown.index("Sjette Klient AS")
    row = shown.index("Sjette Klient AS")
    assert shown[row + 2 : row + 5] == ["-80,00", "-20,00", "-100,00"]
    assert shown[shown.index("Sum") + 1 :][:3] == ["120,00", "30,00", "150,00"]


def test_an_invoice_without_corrections_has_no_correction_heading() -> None:
    _, pdf, _ = documents(Invoice(1, FEBRUARY_INVOICE.draft), "nb")
    text = pdf_text(pdf)
    assert "Korrig" not in text
    assert "Februar 2022\n" not in text  # no section heading when there is one section


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_csv_keeps_the_records_signs_and_names_what_a_row_corrects(language: str) -> None:
    issued = invoice_with_correction()
    _, _, basis = documents(issued, language)
    header, *rows = rows_of(basis, language)
    assert header[-2:] == (
        ["Korrigerer periode", "Korrigerer faktura"]
        if language == "nb"
        else ["Corrects period", "Corrects invoice"]
    )
    by_client = {row[0]: row for row in rows}
    assert by_client["c1"][10:] == ["", ""]
    assert by_client["c6"][4] == "PERIOD@2022-02"
    assert by_client["c6"][10:] == ["2022-02", "1"]
    amounts = {"nb": ["-80,00", "-20,00", "-100,00"], "en": ["-80.00", "-20.00", "-100.00"]}[language]
    assert by_client["c6"][7:10] == amounts  # numbers, not quoted text
    # every column sums exactly to the record's subtotal, VAT and total
    draft = issued.draft
    assert [sum((number(row[i], language) for row in rows), Decimal(0)) for i in (7, 8, 9)] == [
        draft.subtotal,
        draft.vat_amount,
        draft.total,
    ]


def test_a_credit_notes_csv_is_signed_as_stored() -> None:
    _, _, basis = documents(credit_note(), "nb")
    header, *rows = rows_of(basis, "nb")
    assert len(header) == 12
    assert rows == [
        [
            "c6",
            "Sjette Klient AS",
            "966666666",
            "nei",
            "PERIOD@2022-02",
            "Periodeavslutning per aktiv klient (2022-02)",
            "1",
            "-80,00",
            "-20,00",
            "-100,00",
            "2022-02",
            "1",
        ]
    ]


def test_a_basis_without_corrections_keeps_its_ten_columns() -> None:
    _, _, basis = documents(FEBRUARY_INVOICE, "nb")
    header, *rows = rows_of(basis, "nb")
    assert len(header) == 10
    assert all(len(row) == 10 for row in rows)


# ---------------------------------------------------------------- the VAT split, any signs


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(st.decimals(min_value=-100_000, max_value=100_000, places=2), min_size=1, max_size=6),
    st.lists(
        st.sets(st.text(alphabet="abcd", min_size=1, max_size=3), min_size=1, max_size=12),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([Decimal("0.25"), Decimal("0.15"), Decimal("0.12"), Decimal("0")]),
)
def test_vat_shares_sum_to_the_invoice_for_negative_and_mixed_rows(
    amounts: list[Decimal], client_sets: list[set[str]], rate: Decimal
) -> None:
    lines = []
    for index, amount in enumerate(amounts):
        clients = client_sets[index % len(client_sets)]
        allocations = allocate(amount, clients) if index % 2 == 0 else ()
        lines.append(
            InvoiceLine(
                f"L{index}@2022-05", "line", None, len(clients), amount, allocations, (), correction_of=1
            )
            if index % 3 == 1
            else InvoiceLine(f"L{index}", "line", None, len(clients), amount, allocations, ())
        )
    subtotal = sum(amounts, Decimal("0.00"))
    vat = to_ore(subtotal * rate)  # as compose_invoice rounds it: a negative as its absolute value
    draft = InvoiceDraft(
        "t",
        Period.parse_month("2022-06"),
        date(2022, 7, 1),
        date(2022, 7, 15),
        "KOMPLETT",
        "standard",
        "NOK",
        tuple(lines),
        subtotal,
        rate,
        vat,
        subtotal + vat,
    )
    rows = basis_rows(draft, {})
    assert sum(r.amount for r in rows) == subtotal
    assert sum(r.vat for r in rows) == vat
    assert sum(r.total for r in rows) == subtotal + vat
    assert all(r.total == r.amount + r.vat for r in rows)
    assert all(abs(ore(r.vat) - ore(r.amount) * rate) <= 1 for r in rows)  # each share within one øre
    assert all(r.vat * r.amount >= 0 for r in rows)  # a share never has the other sign
    assert all((r.corrected_period == "2022-05") == (r.correction_of == 1) for r in rows)


# ---------------------------------------------------------------- wording


def test_the_words_for_corrected_invoices() -> None:
    assert wording.invoices([1], "nb") == "faktura 1"
    assert wording.invoices([1, 2], "nb") == "faktura 1 og 2"
    assert wording.invoices([1, 2, 3], "en") == "invoices 1, 2 and 3"
    assert wording.correction_heading("2022-12", 11, "en") == "Correction for December 2022 (invoice 11)"
    assert wording.corrected_period("2021") == Period.annual(2021)
    assert wording.corrected_period("2022-02") == FEBRUARY


# ---------------------------------------------------------------- InvoiceIssued


class _Store:
    bucket = "documents"

    def __init__(self) -> None:
        self.put_bodies: dict[str, bytes] = {}

    def key(self, tenant_id: str, invoice_number: int, extension: str) -> str:
        return f"invoices/{tenant_id}/{invoice_number}.{extension}"

    def put(self, key: str, body: bytes, extension: str) -> None:
        self.put_bodies[key] = body


class _Events:
    def __init__(self) -> None:
        self.details: list[Mapping[str, Any]] = []

    def invoices_issued(self, details: Sequence[Mapping[str, Any]]) -> list[str | None]:
        self.details += details
        return [None] * len(details)


class _Invoices:
    def documents_done(self, tenant_id: str, period: Period, **_: Any) -> None:
        return None


def test_invoice_issued_says_the_document_is_a_credit_note() -> None:
    store, events = _Store(), _Events()
    publisher = DocumentPublisher(invoices=_Invoices(), store=store, events=events, seller=SELLER)
    issued = IssuedInvoice(credit_note(), "run-1", frozenset(DOCUMENT_STEPS), {})
    result = publisher.complete([DocumentWork(issued, firm())], datetime(2022, 4, 1, 2, tzinfo=UTC))
    assert result["t1"].error is None
    (detail,) = events.details
    assert detail["document_type"] == "CREDIT_NOTE"
    assert detail["invoice_number"] == 2
    assert detail["total"] == "-100.00"  # the record's, signed
    assert etree.fromstring(store.put_bodies["invoices/t1/2.xml"]).tag == f"{{{NS['cn']}}}CreditNote"
