"""The re-invoicing basis as CSV: UTF-8 with a byte-order mark and a header, in the reader's
spreadsheet convention (``nb``: ``;`` between fields and decimal comma; ``en``: ``,`` and point).

Text cells (ids, names, org numbers, codes, descriptions) come from the register and the catalog,
so a name such as ``=HYPERLINK(...)`` could run as a formula in the customer's spreadsheet. As
OWASP's CSV-injection guidance recommends, a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a single quote in front. Numbers (quantities, amounts,
negative ones included) are written as numbers and never quoted."""

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
YES_NO = {"nb": ("ja", "nei"), "en": ("yes", "no")}
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula


def _text(value: str) -> str:
    """A text cell no spreadsheet runs as a formula (OWASP: prefix a single quote)."""
    return "'" + value if value.startswith(FORMULA_LEADS) else value


def _money(value: Decimal, language: str) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if language == "nb" else text


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
    writer.writerow(HEADERS[language])
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
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
