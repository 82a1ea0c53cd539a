"""The re-invoicing basis as CSV: UTF-8 with a byte-order mark and a header, in the reader's
spreadsheet convention (``nb``: ``;`` between fields and decimal comma; ``en``: ``,`` and point).

Text cells (ids, names, org numbers, codes, descriptions) come from the register and the catalog,
so a name such as ``=HYPERLINK(...)`` could run as a formula in the customer's spreadsheet. As
OWASP's CSV-injection guidance recommends, a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a single quote in front. Numbers (quantities, amounts,
negative ones included) are written as numbers and never quoted.

Amounts keep the record's sign, a credit note's included (negative: a credit), since the file
feeds re-invoicing. A basis that holds correction rows (CONTRACT §5a) has two more columns
at the end: the period a row corrects (``2022-02``, an annual one ``2021``) and the invoice it
corrects, empty on the period's own rows. A basis without corrections keeps the ten columns
it always had, so an import set up for them goes on working."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal

from periodyear.documents import wording
from periodyear.domain.basis import BasisRow

HEADERS = {
    "nb": [
        "Klient-ID",
        "Klientnavn",
        "Org.nr.",
        "Byråklient",
        "Produktkode",
        "Beskrivelse",
        "Antall",
        "Beløp eks. mva",
        "Mva",
        "Beløp inkl. mva",
    ],
    "en": [
        "Client ID",
        "Client name",
        "Org. no.",
        "Bureau client",
        "Charge code",
        "Description",
        "Quantity",
        "Amount excl. VAT",
        "VAT",
        "Amount incl. VAT",
    ],
}
CORRECTION_HEADERS = {  # the columns a basis holding corrections adds
    "nb": ["Korrigerer periode", "Korrigerer faktura"],
    "en": ["Corrects period", "Corrects invoice"],
}
YES_NO = {"nb": ("ja", "nei"), "en": ("yes", "no")}
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula


def _text(value: str) -> str:
    """A text cell no spreadsheet runs as a formula (OWASP: prefix a single quote)."""
    return "'" + value if value.startswith(FORMULA_LEADS) else value


def _money(value: Decimal, language: str) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if language == "nb" else text


def _correction(row: BasisRow) -> list[object]:
    """The period and the invoice a row corrects; empty cells on a row of the period's own."""
    if row.correction_of is None:
        return ["", ""]
    return [_text(row.corrected_period or ""), row.correction_of]


def basis_csv(
    rows: Sequence[BasisRow], language: str, *, descriptions: Mapping[str, str] | None = None
) -> bytes:
    """The rows as CSV in ``language``; an English file takes each charge's English text
    (``descriptions``: charge code → text, by default the catalog's)."""
    language = language if language in HEADERS else "nb"
    texts = (
        descriptions
        if descriptions is not None or language == "nb"
        else wording.catalog_descriptions(language)
    )
    yes, no = YES_NO[language]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if language == "nb" else ",", lineterminator="\r\n")
    corrections = any(row.correction_of is not None for row in rows)
    writer.writerow(HEADERS[language] + (CORRECTION_HEADERS[language] if corrections else []))
    for row in rows:
        bureau = "" if row.is_bureau_client is None else (yes if row.is_bureau_client else no)
        writer.writerow(
            [
                _text(row.client_id),
                _text(row.client_name),
                _text(row.org_number),
                bureau,
                _text(row.code),
                _text(wording.describe(row.code, row.description, language, texts)),
                row.quantity,
                _money(row.amount, language),
                _money(row.vat, language),
                _money(row.total, language),
            ]
            + (_correction(row) if corrections else [])
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
