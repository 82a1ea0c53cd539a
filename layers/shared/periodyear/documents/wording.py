"""How the documents write numbers, dates, periods and charge texts in the reader's language.

Norwegian (``nb``): ``1 234,50``, ``01.03.2022``, ``august 2022``; English (``en``): ``1,234.50``,
``1 March 2022``, ``August 2022``. English documents use each charge's ``description_en`` from
the catalog (CONTRACT §4), and the Norwegian text where a charge has none.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from periodyear.domain.calendar import MONTH_NAMES, Period, PeriodKind, written_day
from periodyear.domain.catalog import load_catalog
from periodyear.domain.invoice import Invoice, InvoiceDraft
from periodyear.domain.money import ORE

LANGUAGES = ("nb", "en")
MONTHS = MONTH_NAMES
_COLLECTIVE = {
    ("nb", PeriodKind.MONTHLY): "Samlefaktura for {period}",
    ("nb", PeriodKind.ANNUAL): "Samlefaktura for årsoppgjør levert til Altinn, {period}",
    ("en", PeriodKind.MONTHLY): "Collective invoice for {period}",
    ("en", PeriodKind.ANNUAL): "Collective invoice for annual settlements submitted to Altinn, {period}",
}
_CREDIT_NOTE = {
    ("nb", PeriodKind.MONTHLY): "Kreditnota for {period}",
    ("nb", PeriodKind.ANNUAL): "Kreditnota for årsoppgjør levert til Altinn, {period}",
    ("en", PeriodKind.MONTHLY): "Credit note for {period}",
    ("en", PeriodKind.ANNUAL): "Credit note for annual settlements submitted to Altinn, {period}",
}
_CORRECTING = {  # what a document with correction lines adds to its heading
    ("nb", "INVOICE"): "{heading}, med korrigering av {invoices}",
    ("nb", "CREDIT_NOTE"): "{heading}, korrigerer {invoices}",
    ("en", "INVOICE"): "{heading}, with a correction of {invoices}",
    ("en", "CREDIT_NOTE"): "{heading}, correcting {invoices}",
}
_CORRECTION = {"nb": "Korrigering for {period} ({invoice})", "en": "Correction for {period} ({invoice})"}


def language_of(language: str) -> str:
    return language if language in LANGUAGES else "nb"


def amount(value: Decimal, language: str) -> str:
    """Money to øre with the language's separators (a narrow space between thousands is not in the
    PDF's font, so Norwegian uses an ordinary space)."""
    text = f"{value.quantize(ORE):,.2f}"
    return text.replace(",", " ").replace(".", ",") if language == "nb" else text


def quantity(value: int, language: str) -> str:
    text = f"{value:,}"
    return text.replace(",", " ") if language == "nb" else text


def piece(count: int, price: Decimal, language: str) -> str:
    """A price piece as a note: ``10 × 45,00``; a negative one (a correction taking back what the
    corrected invoice charged at that price) ``tidligere fakturert 5 × 100,00``."""
    text = f"{quantity(abs(count), language)} × {amount(price, language)}"
    if count >= 0:
        return text
    return f"{'tidligere fakturert' if language == 'nb' else 'previously invoiced'} {text}"


def day(value: date, language: str) -> str:
    return written_day(value, language)


def month(value: date, language: str) -> str:
    return f"{MONTHS[language][value.month - 1]} {value.year}"


def period_text(period: Period, language: str) -> str:
    """``august 2022``, or for an annual window ``september 2021 - august 2022``."""
    if period.kind is PeriodKind.MONTHLY:
        return month(period.start, language)
    return f"{month(period.start, language)} - {month(period.last_day, language)}"


def collective_invoice(period: Period, language: str) -> str:
    """What the invoice is, in words (the PDF's heading and the EHF's note): no codes."""
    return _COLLECTIVE[(language, period.kind)].format(period=period_text(period, language))


def invoices(numbers: Sequence[int], language: str) -> str:
    """``faktura 1``, ``faktura 1 og 2``; ``invoice 1``, ``invoices 1, 2 and 3``."""
    texts = [str(n) for n in numbers]
    listed = (
        texts[0]
        if len(texts) == 1
        else f"{', '.join(texts[:-1])} {'og' if language == 'nb' else 'and'} {texts[-1]}"
    )
    noun = "faktura" if language == "nb" else ("invoice" if len(texts) == 1 else "invoices")
    return f"{noun} {listed}"


def document_heading(draft: InvoiceDraft, language: str) -> str:
    """What the document is, in words (the PDF's heading and the EHF's note): ``Samlefaktura for
    mars 2022``; a credit note ``Kreditnota for mars 2022, korrigerer faktura 1``; an invoice
    holding corrections ``…, med korrigering av faktura 1``."""
    credit = draft.document_type == "CREDIT_NOTE"
    words = _CREDIT_NOTE if credit else _COLLECTIVE
    heading = words[(language, draft.period.kind)].format(period=period_text(draft.period, language))
    if not draft.corrected_invoices:
        return heading
    return _CORRECTING[(language, draft.document_type)].format(
        heading=heading, invoices=invoices(draft.corrected_invoices, language)
    )


def corrected_period(label: str) -> Period:
    """The period a correction line's label names: ``2022-02`` a month, ``2021`` an annual window."""
    return Period.parse_month(label) if "-" in label else Period.annual(int(label))


def correction_heading(label: str, invoice_number: int, language: str) -> str:
    """``Korrigering for februar 2022 (faktura 1)`` / ``Correction for February 2022 (invoice 1)``."""
    return _CORRECTION[language].format(
        period=period_text(corrected_period(label), language), invoice=invoices([invoice_number], language)
    )


def describe(code: str, description: str, language: str, descriptions: Mapping[str, str] | None) -> str:
    """A line's text in the document's language. ``descriptions`` maps charge codes to it; a
    correction line (``<code>@<period>``, CONTRACT §5a) keeps its period in brackets."""
    if language == "nb" or not descriptions:
        return description
    base, _, label = code.partition("@")
    text = descriptions.get(base)
    if text is None:
        return description
    return f"{text} ({label})" if label else text


@functools.cache
def _catalog_descriptions(path: str | None, language: str) -> Mapping[str, str]:
    return load_catalog(Path(path) if path else None).descriptions(language)


def catalog_descriptions(language: str) -> Mapping[str, str]:
    """Charge code → text in ``language``, from the catalog billing uses (``CATALOG_PATH``, else the
    shipped one), read once per process. Used when a caller passes no ``descriptions``."""
    return _catalog_descriptions(os.environ.get("CATALOG_PATH") or None, language_of(language))


# ---------------------------------------------------------------- the PDF's words

WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "title": "FAKTURA",
        "number": "Fakturanummer",
        "issued": "Fakturadato",
        "due": "Forfallsdato",
        "period": "Periode",
        "kid": "KID",
        "account": "Kontonummer",
        "buyer": "Kunde",
        "reference": "Deres ref.",
        "description": "Beskrivelse",
        "quantity": "Antall",
        "price": "Pris",
        "amount": "Beløp",
        "subtotal": "Sum eks. mva",
        "vat": "Mva",
        "total": "Å betale",
        "org": "Org.nr.",
        "pay": "Betal til konto {account} med KID {kid} innen {due}.",
        "basis_follows": "Grunnlaget per klient for viderefakturering står på neste side, i CSV-filen og i "
        "e-fakturaen (EHF).",
        "basis_title": "Grunnlag per klient, faktura {number}",
        "basis_intro": "Hva hver klient står for av fakturaen, til viderefakturering. Mva er fordelt som "
        "beløpene, så kolonnene summerer til fakturaens beløp.",
        "client": "Klient",
        "excl": "Eks. mva",
        "incl": "Inkl. mva",
        "bureau": "(byråklient)",
        "no_client": "Uten klient: {description}",
        "more": "{count} klienter til",
        "sum": "Sum",
        "all_in_csv": "Listen viser {shown} av {total} klienter. Hele grunnlaget, med alle {total} "
        "klientene, står i CSV-filen og i vedlegget til e-fakturaen (EHF).",
        "page": "Side {page} av {pages}",
        "corrects": "Korrigerer faktura",
        "correction": "Korrigeringen gjelder bruk som ble registrert for sent til å komme med på "
        "{invoices}: forskjellen mellom prisen for all bruk som nå er registrert i perioden, og det som "
        "ble fakturert.",
        "corrections": "Korrigeringene gjelder bruk som ble registrert for sent til å komme med på "
        "{invoices}: forskjellen mellom prisen for all bruk som nå er registrert i perioden, og det som "
        "ble fakturert.",
        "credited": "Beløpet godskrives dere, og dere skal ikke betale noe.",
    },
    "en": {
        "title": "INVOICE",
        "number": "Invoice number",
        "issued": "Invoice date",
        "due": "Due date",
        "period": "Period",
        "kid": "KID (payment ref.)",
        "account": "Bank account",
        "buyer": "Customer",
        "reference": "Your ref.",
        "description": "Description",
        "quantity": "Qty",
        "price": "Price",
        "amount": "Amount",
        "subtotal": "Total excl. VAT",
        "vat": "VAT",
        "total": "Amount due",
        "org": "Org. no.",
        "pay": "Please pay to account {account} with KID {kid} by {due}.",
        "basis_follows": "The per-client basis for re-invoicing is on the next page, in the CSV file and in "
        "the e-invoice (EHF).",
        "basis_title": "Per-client basis, invoice {number}",
        "basis_intro": "What each client accounts for on this invoice, for re-invoicing. VAT is split like "
        "the amounts, so the columns add up to the invoice's totals.",
        "client": "Client",
        "excl": "Excl. VAT",
        "incl": "Incl. VAT",
        "bureau": "(bureau client)",
        "no_client": "No client: {description}",
        "more": "{count} more clients",
        "sum": "Total",
        "all_in_csv": "This list shows {shown} of {total} clients. The full basis, with all {total} "
        "clients, is in the CSV file and in the e-invoice's (EHF) attachment.",
        "page": "Page {page} of {pages}",
        "corrects": "Corrects invoice",
        "correction": "The correction is for usage recorded too late for {invoices}: the difference "
        "between the price of all usage now recorded for the period and what was invoiced.",
        "corrections": "The corrections are for usage recorded too late for {invoices}: the difference "
        "between the price of all usage now recorded for the period and what was invoiced.",
        "credited": "The amount is credited to you; there is nothing to pay.",
    },
}
CREDIT_NOTE_WORDS: dict[str, dict[str, str]] = {  # what a credit note says instead
    "nb": {
        "title": "KREDITNOTA",
        "number": "Kreditnotanummer",
        "issued": "Kreditnotadato",
        "total": "Til gode",
        "basis_follows": "Grunnlaget per klient for viderefakturering står på neste side, i CSV-filen og i "
        "EHF-kreditnotaen.",
        "basis_title": "Grunnlag per klient, kreditnota {number}",
        "basis_intro": "Hva hver klient står for av kreditnotaen, til viderefakturering. Mva er fordelt som "
        "beløpene, så kolonnene summerer til kreditnotaens beløp.",
        "all_in_csv": "Listen viser {shown} av {total} klienter. Hele grunnlaget, med alle {total} "
        "klientene, står i CSV-filen og i vedlegget til EHF-kreditnotaen.",
    },
    "en": {
        "title": "CREDIT NOTE",
        "number": "Credit note number",
        "issued": "Credit note date",
        "total": "Amount credited",
        "basis_follows": "The per-client basis for re-invoicing is on the next page, in the CSV file and in "
        "the EHF credit note.",
        "basis_title": "Per-client basis, credit note {number}",
        "basis_intro": "What each client accounts for on this credit note, for re-invoicing. VAT is split "
        "like the amounts, so the columns add up to the credit note's totals.",
        "all_in_csv": "This list shows {shown} of {total} clients. The full basis, with all {total} "
        "clients, is in the CSV file and in the EHF credit note's attachment.",
    },
}


def words_for(invoice: Invoice, language: str) -> dict[str, str]:
    """The document's words: an invoice's, or a credit note's."""
    if invoice.draft.document_type == "CREDIT_NOTE":
        return {**WORDS[language], **CREDIT_NOTE_WORDS[language]}
    return WORDS[language]
