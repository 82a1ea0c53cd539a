"""The re-invoicing basis as CSV: UTF-8 with a byte-order mark and a header, in the reader's
spreadsheet convention (``nb``: ``;`` between fields and decimal comma; ``en``: ``,`` and point)."""

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
                row.client_id,
                row.client_name,
                row.org_number,
                bureau,
                row.code,
                wording.describe(row.code, row.description, language, texts),
                row.quantity,
                _money(row.amount, language),
                _money(row.vat, language),
                _money(row.total, language),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
