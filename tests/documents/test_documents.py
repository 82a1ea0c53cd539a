"""The documents of an invoice: KID, the re-invoicing basis and CSV, the EHF e-invoice, the PDF."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from periodyear.documents import pdf_common, wording
from periodyear.documents.basis_csv import basis_csv
from periodyear.documents.ehf import build_ehf
from periodyear.documents.pdf import build_pdf
from periodyear.domain.basis import basis_rows
from periodyear.domain.calendar import Period
from periodyear.domain.catalog import Catalog, GraduatedCharge, load_catalog
from periodyear.domain.errors import DocumentError
from periodyear.domain.invoice import Invoice, InvoiceDraft, compose_invoice
from periodyear.domain.meters import Meter
from periodyear.domain.money import ore
from periodyear.domain.payment import kid_for
from periodyear.domain.tenant import Address, Client, Subscription, TenantAccount
from periodyear.domain.usage import UsageRecord
from periodyear_local.template import sample_seller
from tests.conftest import WORKED_EXAMPLE_CATALOG
from tests.ehf import EhfValidator
from tests.examples import examples
from tests.pdf_text import pdf_pages, pdf_text

WORKED = load_catalog(WORKED_EXAMPLE_CATALOG)
SAMPLE = load_catalog()
SELLER = sample_seller()
CLIENTS = {
    "c1": Client("c1", "Bakeri AS", "911111111", False),
    "c2": Client("c2", "Rør AS", "922222222", False),
    "c3": Client("c3", "Firma Regnskap AS", "933333333", True),
}


def luhn_digit(digits: str) -> str:
    """The textbook MOD10: double every second digit from the right, sum the digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def usage(meter: Meter, ids: list[str], day: date) -> list[UsageRecord]:
    return [UsageRecord(meter, i, day) for i in ids]


def invoice(
    *,
    catalog: Catalog = WORKED,
    package: str = "KOMPLETT",
    period: Period | None = None,
    records: list[UsageRecord] | None = None,
    switch: date = date(2022, 3, 1),
    paid_through: date | None = None,
    number: int = 7,
) -> Invoice:
    period = period or Period.parse_month("2022-03")
    draft = compose_invoice(
        tenant_id="t1",
        subscription=Subscription(package, switch, paid_through),
        period=period,
        usage=records
        if records is not None
        else usage(Meter.PERIOD_ACTIVE_CLIENTS, ["c1", "c2", "c3"], period.start),
        catalog=catalog,
        issue_date=period.end,
    )
    assert draft is not None
    return Invoice(number, draft)


def account(language: str = "nb", org_number: str = "999999999") -> TenantAccount:
    return TenantAccount(
        "t1", "Fjord Regnskap AS", org_number, language, Subscription("KOMPLETT", date(2022, 3, 1)), CLIENTS
    )


# ---------------------------------------------------------------- KID


@pytest.mark.parametrize(
    ("number", "kid"),
    [(1, "0000000018"), (2, "0000000026"), (123, "0000001230"), (999_999_999, "9999999999")],
)
def test_kid_is_the_padded_number_with_a_mod10_check_digit(number: int, kid: str) -> None:
    assert kid_for(number) == kid
    assert luhn_digit(kid[:-1]) == kid[-1]


def test_the_textbook_mod10_examples() -> None:
    assert luhn_digit("7992739871") == "3"  # 79927398713
    assert luhn_digit("1234567") == "4"  # a Norwegian KID example: 12345674


@given(st.integers(1, 999_999_999))
def test_every_kid_checks(number: int) -> None:
    kid = kid_for(number)
    assert len(kid) == 10
    assert int(kid[:-1]) == number
    assert luhn_digit(kid[:-1]) == kid[-1]


# ---------------------------------------------------------------- basis and CSV


def test_the_worked_example_basis_splits_vat_like_amounts() -> None:
    march = invoice()  # 130.00 over c1, c2, c3; VAT 32.50
    rows = basis_rows(march.draft, CLIENTS)
    assert [(r.client_id, str(r.amount), str(r.vat), str(r.total), r.is_bureau_client) for r in rows] == [
        ("c1", "43.34", "10.84", "54.18", False),
        ("c2", "43.33", "10.83", "54.16", False),
        ("c3", "43.33", "10.83", "54.16", True),
    ]


def sums(rows_csv: bytes, language: str) -> tuple[Decimal, Decimal, Decimal, list[list[str]]]:
    text = rows_csv.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";" if language == "nb" else ","))
    body = rows[1:]

    def number(cell: str) -> Decimal:
        return Decimal(cell.replace(",", ".")) if language == "nb" else Decimal(cell)

    return (
        sum((number(r[7]) for r in body), Decimal(0)),
        sum((number(r[8]) for r in body), Decimal(0)),
        sum((number(r[9]) for r in body), Decimal(0)),
        rows,
    )


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_csv_columns_sum_exactly_to_the_invoice(language: str) -> None:
    day = date(2022, 6, 3)
    records = usage(Meter.PERIOD_ACTIVE_CLIENTS, [f"c{n}" for n in range(1, 31)], day) + usage(
        Meter.VPI_USERS, ["u1", "u2"], day
    )
    draft = invoice(catalog=SAMPLE, period=Period.parse_month("2022-06"), records=records).draft
    subtotal, vat, total, rows = sums(basis_csv(basis_rows(draft, CLIENTS), language), language)
    assert (subtotal, vat, total) == (draft.subtotal, draft.vat_amount, draft.total)
    header = rows[0]
    assert header[0] == ("Klient-ID" if language == "nb" else "Client ID")
    assert len(rows) == 1 + 1 + 30 + 1  # header, flat fee, 30 clients, VPI
    flat = rows[1]
    assert (flat[0], flat[3], flat[4]) == ("", "", "KOMPLETT_GRUNNPRIS")


@settings(max_examples=examples(200))
@given(
    st.lists(st.decimals(min_value=0, max_value=100_000, places=2), min_size=1, max_size=5),
    st.lists(
        st.sets(st.text(alphabet="abc", min_size=1, max_size=3), min_size=1, max_size=12),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from([Decimal("0.25"), Decimal("0.15"), Decimal("0.12"), Decimal("0")]),
)
def test_vat_shares_always_sum_to_the_invoice_vat(
    amounts: list[Decimal], client_sets: list[set[str]], rate: Decimal
) -> None:
    from periodyear.domain.allocation import allocate  # noqa: PLC0415
    from periodyear.domain.invoice import InvoiceLine  # noqa: PLC0415
    from periodyear.domain.money import to_ore  # noqa: PLC0415

    lines = []
    for index, amount in enumerate(amounts):
        clients = client_sets[index % len(client_sets)]
        allocations = allocate(amount, clients) if index % 2 == 0 else ()
        lines.append(InvoiceLine(f"L{index}", "line", None, len(clients), amount, allocations, ()))
    subtotal = sum(amounts, Decimal("0.00"))
    vat = to_ore(subtotal * rate)
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
    assert sum(r.vat for r in rows) == vat
    assert sum(r.amount for r in rows) == subtotal
    assert all(r.total == r.amount + r.vat for r in rows)
    assert all(abs(ore(r.vat) - ore(r.amount) * rate) <= 1 for r in rows)  # each share within one øre


# ---------------------------------------------------------------- EHF


def _every_case() -> dict[str, tuple[Invoice, TenantAccount]]:
    worked_feb = invoice(
        period=Period.parse_month("2022-02"),
        paid_through=date(2022, 2, 14),
        records=[
            UsageRecord(Meter.PERIOD_ACTIVE_CLIENTS, "c2", date(2022, 2, 20)),
            UsageRecord(Meter.VPI_USERS, "u1", date(2022, 2, 3)),
        ],
    )
    annual = invoice(
        period=Period.annual(2022),
        records=usage(Meter.ANNUAL_SUBMITTED_CLIENTS, ["c2", "c3"], date(2022, 5, 2)),
        number=4,
    )
    many = invoice(
        catalog=SAMPLE,
        period=Period.parse_month("2022-06"),
        records=usage(Meter.PERIOD_ACTIVE_CLIENTS, [f"c{n}" for n in range(120)], date(2022, 6, 1))
        + usage(Meter.VPI_USERS, ["u1", "u2", "u3"], date(2022, 6, 1)),
    )
    flat_only = invoice(package="PERIODEAVSLUTNING", records=[])
    volume = invoice(
        catalog=SAMPLE,
        package="ARSOPPGJOR_PLUSS",
        period=Period.annual(2023),
        records=usage(Meter.ANNUAL_SUBMITTED_CLIENTS, [f"c{n}" for n in range(12)], date(2023, 1, 5)),
    )
    return {
        "worked example February (per unit + VPI, intro)": (worked_feb, account()),
        "worked example March (graduated, two tiers, bureau client)": (invoice(), account()),
        "worked example annual 2022 (volume)": (annual, account("en")),
        "flat fee only": (flat_only, account()),
        "all models, many lines (flat, graduated over three tiers, VPI)": (many, account()),
        "annual volume, Årsoppgjør Pluss": (volume, account("en")),
    }


CASES = _every_case()


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_ehf_is_valid_ubl_and_passes_peppol_and_en16931_without_fatal_findings(
    ehf: EhfValidator, case: str
) -> None:
    issued, buyer = CASES[case]
    basis = basis_csv(basis_rows(issued.draft, buyer.clients), buyer.language)
    check = ehf.check(build_ehf(issued, buyer, SELLER, kid_for(issued.invoice_number), basis_csv=basis))
    assert check.schema_errors == []
    assert check.fatal == []


def test_the_ehf_carries_the_basis_with_the_bureau_client() -> None:
    march = invoice()
    basis = basis_csv(basis_rows(march.draft, CLIENTS), "nb")
    document = etree.fromstring(build_ehf(march, account(), SELLER, kid_for(7), basis_csv=basis))
    ns = {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    }
    embedded = document.find(
        "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", ns
    )
    assert embedded is not None
    assert (embedded.get("mimeCode"), embedded.get("filename")) == ("text/csv", "7-basis.csv")
    assert base64.b64decode(embedded.text or "") == basis
    assert "c3;Firma Regnskap AS;933333333;ja" in basis.decode("utf-8")


def test_graduated_charges_become_one_line_per_tier() -> None:
    issued, buyer = CASES["all models, many lines (flat, graduated over three tiers, VPI)"]
    document = etree.fromstring(build_ehf(issued, buyer, SELLER, kid_for(issued.invoice_number)))
    ns = {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    }
    lines = [
        (
            line.findtext("cbc:InvoicedQuantity", namespaces=ns),
            line.findtext("cac:Price/cbc:PriceAmount", namespaces=ns),
            line.findtext("cbc:LineExtensionAmount", namespaces=ns),
        )
        for line in document.iterfind("cac:InvoiceLine", ns)
    ]
    assert lines == [
        ("1", "149.00", "149.00"),
        ("25", "50.00", "1250.00"),
        ("75", "40.00", "3000.00"),
        ("20", "30.00", "600.00"),
        ("3", "659.00", "1977.00"),
    ]
    assert document.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=ns) == "0000000075"


def test_a_price_finer_than_ore_still_gives_a_valid_ehf(ehf: EhfValidator) -> None:
    catalog = WORKED.model_copy(deep=True)
    charge = catalog.price_lists["standard"]["KOMPLETT"].monthly[0]
    assert isinstance(charge, GraduatedCharge)
    fine = charge.model_copy(
        update={"tiers": [t.model_copy(update={"unit_price": Decimal("33.333")}) for t in charge.tiers]}
    )
    catalog.price_lists["standard"]["KOMPLETT"].monthly[0] = fine
    issued = invoice(catalog=catalog)
    assert issued.draft.lines[0].amount == Decimal("100.00")  # 3 × 33.333 = 99.999 → 100.00
    check = ehf.check(build_ehf(issued, account(), SELLER, kid_for(7)))
    assert (check.schema_errors, check.fatal) == ([], [])


def test_a_buyer_without_a_valid_org_number_cannot_get_an_ehf() -> None:
    with pytest.raises(DocumentError, match="not a valid Norwegian organisation number"):
        build_ehf(invoice(), account(org_number="912345678"), SELLER, kid_for(7))


def _broken(document: bytes, xpath: str, change: str, value: str = "") -> bytes:
    ns = {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    }
    root = etree.fromstring(document)
    found = root.xpath(xpath, namespaces=ns)
    assert isinstance(found, list)
    (element,) = found
    assert isinstance(element, etree._Element)
    parent = element.getparent()
    assert parent is not None
    if change == "remove":
        parent.remove(element)
    else:
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@pytest.mark.parametrize(
    ("xpath", "change", "value", "rule"),
    [
        ("/ubl:Invoice/cac:TaxTotal/cbc:TaxAmount", "set", "33.50", "BR-CO-15"),
        (
            "/ubl:Invoice/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
            "remove",
            "",
            "PEPPOL-EN16931-R020",
        ),
        (
            "/ubl:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']"
            "/cbc:CompanyID",
            "set",
            "NO999999990MVA",
            "NO-R-001",
        ),
    ],
)
def test_the_rules_catch_deliberately_broken_documents(
    ehf: EhfValidator, xpath: str, change: str, value: str, rule: str
) -> None:
    good = build_ehf(invoice(), account(), SELLER, kid_for(7))
    check = ehf.check(_broken(good, xpath, change, value))
    assert rule in {f.rule_id for f in check.fatal}


def test_the_official_norwegian_example_passes_the_converted_rules(ehf: EhfValidator) -> None:
    example = (Path(ehf_dir()) / "peppol-bis-3" / "Norwegian-example-1.xml").read_bytes()
    assert ehf.check(example).fatal == []


def ehf_dir() -> Path:
    from tests.conftest import EHF_DIR  # noqa: PLC0415

    return EHF_DIR


# ---------------------------------------------------------------- PDF


def test_the_pdf_is_deterministic_and_in_the_tenants_language() -> None:
    march = invoice()
    norwegian = build_pdf(march, account("nb"), SELLER, kid_for(7))
    assert norwegian.startswith(b"%PDF")
    assert build_pdf(march, account("nb"), SELLER, kid_for(7)) == norwegian
    text = pdf_text(norwegian)
    for expected in (
        "FAKTURA 7",
        "0000000075",
        "12345678903",
        "01.03.2022 - 31.03.2022",
        "Å betale",
        "162,50",
        "Forfallsdato",
        "15.04.2022",
        "Foretaksregisteret",
    ):
        assert expected in text
    english = pdf_text(build_pdf(march, account("en"), SELLER, kid_for(7)))
    for expected in ("INVOICE 7", "Amount due", "162.50", "15 April 2022"):
        assert expected in english


def test_an_invoice_with_all_charge_models_fits_its_first_page_and_the_basis_follows() -> None:
    issued, buyer = CASES["all models, many lines (flat, graduated over three tiers, VPI)"]
    pages = pdf_pages(build_pdf(issued, buyer, SELLER, kid_for(issued.invoice_number)))
    assert "Å betale" in pages[0]
    assert "Grunnlag per klient" not in pages[0]
    assert "Grunnlag per klient, faktura 7" in pages[1]
    assert len(pages) <= 4  # 120 clients


# ---------------------------------------------------------------- what an accountant expects (issue 11)

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
STRANDGATA = Address("Strandgata 5", "5013", "Bergen")


def firm(
    language: str = "nb",
    *,
    address: Address | None = STRANDGATA,
    reference: str | None = "Regnskap 4410",
    clients: dict[str, Client] | None = None,
) -> TenantAccount:
    return TenantAccount(
        "tenant-internal-0042",
        "Fjord Regnskap AS",
        "999999999",
        language,
        Subscription("KOMPLETT", date(2022, 3, 1)),
        CLIENTS if clients is None else clients,
        address=address,
        customer_reference=reference,
    )


def sample_invoice(records: list[UsageRecord] | None = None) -> Invoice:
    """June 2022 on the shipped catalog: a flat fee, three tiers of period closings, VPI."""
    day = date(2022, 6, 3)
    return invoice(
        catalog=SAMPLE,
        period=Period.parse_month("2022-06"),
        records=records
        if records is not None
        else usage(Meter.PERIOD_ACTIVE_CLIENTS, [f"c{n}" for n in range(1, 31)], day)
        + usage(Meter.VPI_USERS, ["u1"], day),
    )


def ehf_of(issued: Invoice, buyer: TenantAccount) -> etree._Element:
    return etree.fromstring(build_ehf(issued, buyer, SELLER, kid_for(issued.invoice_number)))


def test_the_buyers_address_and_own_reference_are_on_the_pdf_and_in_the_ehf(ehf: EhfValidator) -> None:
    issued = invoice()
    text = pdf_text(build_pdf(issued, firm(), SELLER, kid_for(7)))
    for expected in ("Strandgata 5", "5013 Bergen", "Deres ref. Regnskap 4410"):
        assert expected in text
    assert "tenant-internal-0042" not in text
    document = ehf_of(issued, firm())
    assert document.findtext("cbc:BuyerReference", namespaces=NS) == "Regnskap 4410"
    address = document.find("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", NS)
    assert address is not None
    assert [
        address.findtext(f"cbc:{tag}", namespaces=NS) for tag in ("StreetName", "CityName", "PostalZone")
    ] == ["Strandgata 5", "Bergen", "5013"]
    assert address.findtext("cac:Country/cbc:IdentificationCode", namespaces=NS) == "NO"
    raw = build_ehf(issued, firm(), SELLER, kid_for(7))
    assert b"tenant-internal-0042" not in raw
    check = ehf.check(raw)
    assert (check.schema_errors, check.fatal) == ([], [])


def test_a_firm_without_a_reference_gets_its_org_number_as_buyer_reference_never_the_tenant_id(
    ehf: EhfValidator,
) -> None:
    buyer = firm(address=None, reference=None)
    raw = build_ehf(invoice(), buyer, SELLER, kid_for(7))
    document = etree.fromstring(raw)
    assert document.findtext("cbc:BuyerReference", namespaces=NS) == "999999999"
    assert b"tenant-internal-0042" not in raw
    text = pdf_text(build_pdf(invoice(), buyer, SELLER, kid_for(7)))
    assert "Deres ref." not in text
    assert "tenant-internal-0042" not in text
    check = ehf.check(raw)
    assert (check.schema_errors, check.fatal) == ([], [])


def test_a_buyer_abroad_has_its_country_on_the_pdf_and_in_the_ehf(ehf: EhfValidator) -> None:
    buyer = firm(address=Address("Storgatan 1", "111 22", "Stockholm", "SE"))
    document = ehf_of(invoice(), buyer)
    assert (
        document.findtext(
            "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
            namespaces=NS,
        )
        == "SE"
    )
    assert "111 22 Stockholm" in pdf_text(build_pdf(invoice(), buyer, SELLER, kid_for(7)))


def test_english_documents_use_the_catalogs_english_descriptions() -> None:
    issued, buyer = sample_invoice(), firm("en")
    descriptions = SAMPLE.descriptions("en")
    assert descriptions["KOMPLETT_PERIODE"] == "Komplett: period closing, per active client"
    text = pdf_text(build_pdf(issued, buyer, SELLER, kid_for(7), descriptions=descriptions))
    assert "Komplett: period closing, per active client" in text
    assert "Visma Partner Insights, per user per month" in text
    assert "per aktiv klient" not in text
    names = [n.text for n in ehf_of(issued, buyer).iterfind("cac:InvoiceLine/cac:Item/cbc:Name", NS)]
    assert "Komplett package, base price per month" in names
    # a package's name is a product name; the rest of an English text is English
    assert descriptions["PERIODE_GRUNNPRIS"] == "Periodeavslutning package, base price per month"
    assert not any("måned" in (n or "") for n in names)
    basis = basis_csv(basis_rows(issued.draft, buyer.clients), "en", descriptions=descriptions).decode()
    assert "Komplett: period closing, per active client" in basis
    assert "per aktiv klient" not in basis
    # Norwegian documents keep the Norwegian text
    norwegian = pdf_text(build_pdf(issued, firm("nb"), SELLER, kid_for(7)))
    assert "Komplett: periodeavslutning, per aktiv klient" in norwegian


def test_a_charge_without_an_english_text_keeps_its_norwegian_one_and_a_correction_its_period() -> None:
    from periodyear.documents.wording import describe  # noqa: PLC0415

    texts = {"K-P-STD": "Period closing"}
    assert describe("K-P-STD", "Periodeavslutning", "en", texts) == "Period closing"
    assert (
        describe("K-P-STD@2022-02", "Periodeavslutning (2022-02)", "en", texts) == "Period closing (2022-02)"
    )
    assert describe("OTHER", "Annet", "en", texts) == "Annet"
    assert describe("K-P-STD", "Periodeavslutning", "nb", texts) == "Periodeavslutning"
    assert WORKED.descriptions("en")["PERIOD"] == "Period closing per active client"  # no description_en


def test_the_norwegian_pdf_writes_every_number_the_norwegian_way() -> None:
    # 60 active clients over three tiers, 10 × 45,00 + 40 × 35,00 + 10 × 25,00, and the 99,00 base fee
    issued = invoice(
        catalog=SAMPLE,
        package="PERIODEAVSLUTNING",
        period=Period.parse_month("2022-06"),
        records=usage(Meter.PERIOD_ACTIVE_CLIENTS, [f"c{n}" for n in range(1, 61)], date(2022, 6, 3)),
    )
    text = pdf_text(build_pdf(issued, firm(), SELLER, kid_for(7)))
    for expected in ("10 × 45,00", "40 × 35,00", "10 × 25,00", "1 400,00", "2 199,00", "2 748,75"):
        assert expected in text, expected
    shown = text  # the strings drawn on the pages, decoded
    assert "45,00" in shown
    assert re.findall(r"\b\d+\.\d{2}\b(?!\.)", shown) == []  # no 45.00 anywhere (dates are 01.06.2022)
    notes = [n.text for n in ehf_of(issued, firm()).iterfind("cac:InvoiceLine/cbc:Note", NS)]
    assert notes == ["10 × 45,00", "40 × 35,00", "10 × 25,00"]
    english = pdf_text(build_pdf(issued, firm("en"), SELLER, kid_for(7)))
    for expected in ("10 × 45.00", "1,400.00", "2,199.00", "2,748.75"):
        assert expected in english, expected


@pytest.mark.parametrize(
    ("period", "language", "note"),
    [
        (Period.parse_month("2022-03"), "nb", "Samlefaktura for mars 2022"),
        (Period.parse_month("2022-03"), "en", "Collective invoice for March 2022"),
        (
            Period.annual(2022),
            "nb",
            "Samlefaktura for årsoppgjør levert til Altinn, september 2021 - august 2022",
        ),
        (
            Period.annual(2022),
            "en",
            "Collective invoice for annual settlements submitted to Altinn, September 2021 - August 2022",
        ),
    ],
)
def test_the_ehf_note_says_what_the_invoice_is_in_words(period: Period, language: str, note: str) -> None:
    records = usage(
        Meter.ANNUAL_SUBMITTED_CLIENTS if period.kind.value == "ANNUAL" else Meter.PERIOD_ACTIVE_CLIENTS,
        ["c1", "c2"],
        period.start,
    )
    document = ehf_of(invoice(period=period, records=records), firm(language))
    assert document.findtext("cbc:Note", namespaces=NS) == note
    terms = document.findtext("cac:PaymentTerms/cbc:Note", namespaces=NS)
    assert terms == ("14 dager netto" if language == "nb" else "14 days net")


def test_the_pdf_lists_each_clients_share_after_the_invoice() -> None:
    pages = pdf_pages(build_pdf(invoice(), firm(), SELLER, kid_for(7)))  # March: 130.00 over c1, c2, c3
    assert len(pages) == 2
    basis = pages[1]
    for expected in (
        "Grunnlag per klient, faktura 7",
        "Bakeri AS",
        "911 111 111",
        "43,34",
        "10,84",
        "54,18",
        "Firma Regnskap AS (byråklient)",
        "130,00",
        "32,50",
        "162,50",
    ):
        assert expected in basis, expected
    assert "Rør AS" in basis


def test_a_firm_with_50000_clients_gets_a_pdf_of_a_few_pages_that_points_to_the_full_basis() -> None:
    clients = {
        f"k{n:05d}": Client(f"k{n:05d}", f"Klient {n:05d} AS", "999999999", False) for n in range(50_000)
    }
    day = date(2022, 6, 3)
    issued = sample_invoice(usage(Meter.PERIOD_ACTIVE_CLIENTS, list(clients), day))
    buyer = firm(clients=clients)
    pdf = build_pdf(issued, buyer, SELLER, kid_for(7))
    pages = pdf_pages(pdf)
    assert len(pages) <= 7
    text = "".join(pages)
    assert "Klient 00000 AS" in text
    assert "Klient 00199 AS" in text
    assert "Klient 00200 AS" not in text
    assert "49 800 klienter til" in text
    assert "Listen viser 200 av 50 000 klienter" in text
    assert "alle 50 000" in text
    assert "CSV-filen og i vedlegget til e-fakturaen (EHF)" in " ".join(text.split())
    rows = basis_csv(basis_rows(issued.draft, buyer.clients), "nb").decode("utf-8").splitlines()
    assert len(rows) == 1 + 1 + 50_000  # header, flat fee, every client


def test_a_client_name_beyond_latin_1_is_drawn_as_written() -> None:
    clients = {"c1": Client("c1", "Łódź Bakeri – Øst AS", "911111111", False)}
    issued = invoice(records=usage(Meter.PERIOD_ACTIVE_CLIENTS, ["c1"], date(2022, 3, 2)))
    text = pdf_text(build_pdf(issued, firm(clients=clients), SELLER, kid_for(7)))
    assert "Łódź Bakeri – Øst AS" in text  # Sámi names and replacement: tests/documents/test_hostile_names.py


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_invoice_heading_stays_within_the_page_however_long(language: str) -> None:
    # Given an annual invoice, whose heading names the whole window (the longest heading there is)
    issued = invoice(
        period=Period.annual(2022), records=usage(Meter.ANNUAL_SUBMITTED_CLIENTS, ["c2"], date(2022, 5, 2))
    )
    heading = wording.collective_invoice(issued.draft.period, language)
    # When its PDF is made
    page = pdf_pages(build_pdf(issued, firm(language), SELLER, kid_for(issued.invoice_number)))[
        0
    ].splitlines()
    # Then the heading's lines, measured in the document's own bold 11 pt, each fit the text width
    measure = pdf_common.Canvas(wording.WORDS[language])
    measure.add_page()
    measure.set_font(pdf_common.FONT, "B", 11)
    start = next(i for i, line in enumerate(page) if line and heading.startswith(line.strip()))
    lines, said = [], ""
    for line in page[start:]:
        lines.append(line.strip())
        said = " ".join(lines)
        if said == heading:
            break
    assert said == heading
    assert all(measure.get_string_width(line) <= measure.epw for line in lines), lines
