"""The invoice as a PDF a person reads, Norwegian or English, deterministic.

Page 1 is the invoice: seller, buyer with its address and its own reference, the lines and
the totals. The pages after it are the per-client basis for re-invoicing, one row per client
(the bureau client marked), at most ``BASIS_ROWS_IN_PDF`` of them: a firm may have tens of
thousands of clients, so beyond that the PDF says how many more there are and what they sum
to, and that the CSV and the e-invoice's attachment hold every one.

Text is drawn in DejaVu Sans (``fonts/``, shipped in the layer with its licence), which has
every Norwegian and Sámi letter; fpdf2 embeds only the glyphs used. A character the font does
not have (or a control character) is drawn as U+FFFD, the replacement character, so no name
ever stops a PDF. The fonts are read once per process and each document gets its own copy,
so a document's bytes never depend on what was rendered before it.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from periodyear.config import Seller
from periodyear.documents import wording
from periodyear.documents.ehf import ehf_lines
from periodyear.domain.basis import BasisRow, basis_rows
from periodyear.domain.invoice import Invoice
from periodyear.domain.tenant import TenantAccount

BASIS_ROWS_IN_PDF = 200  # about five pages of clients; the CSV and the EHF hold them all
FONT = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # style → file in fonts/
FONT_DIR = Path(__file__).with_name("fonts")
REPLACEMENT = "\ufffd"

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
    },
}


@dataclass(frozen=True)
class ClientShare:
    """One row of the PDF's basis: a client's share of the invoice, or a line without clients."""

    label: str
    org_number: str
    amount: Decimal
    vat: Decimal
    total: Decimal


def _org(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 9 else number


@cache
def _fonts() -> dict[str, TTFFont]:
    """The embedded fonts as fpdf2 reads them (widths, character map: about 45 ms), once per process."""
    reader = FPDF()
    for style, file in FONT_FILES.items():
        reader.add_font(FONT, style, FONT_DIR / file)
    return {key: font for key, font in reader.fonts.items() if isinstance(font, TTFFont)}


class _Document(FPDF):
    """A4 with a page footer, in DejaVu Sans; every text goes through ``drawable``."""

    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(format="A4")
        self._words = words
        for key, font in _fonts().items():
            # fpdf2 keeps the glyphs used in the font object and subsets its fontTools font in
            # place when writing: each document gets a copy and its own (lazily read) file.
            own = copy.deepcopy(font)
            own.ttfont = ttLib.TTFont(own.ttffile, recalcTimestamp=False, lazy=True)
            self.fonts[key] = own

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, self._words["page"].format(page=self.page_no(), pages="{nb}"), align="R")

    def drawable(self, text: str) -> str:
        """``text`` with each character the current font lacks, and each control character,
        as the replacement character."""
        glyphs = self.current_font.cmap if isinstance(self.current_font, TTFFont) else {}
        return "".join(
            c if ord(c) in glyphs and unicodedata.category(c) != "Cc" else REPLACEMENT for c in text
        )

    def text_cell(self, width: float, height: float, text: str, **options: object) -> None:
        self.cell(width, height, self.drawable(text), **options)  # type: ignore[arg-type]

    def text_block(self, text: str) -> None:
        """A paragraph over the page's width."""
        self.multi_cell(0, 4.5, self.drawable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fitted(self, text: str, width: float) -> str:
        """``text`` as is when it fits ``width`` (mm) in the current font, else cut with "..."."""
        text = self.drawable(text)
        room = width - 2 * self.c_margin
        if self.get_string_width(text) <= room:
            return text
        while text and self.get_string_width(text + "...") > room:
            text = text[:-1]
        return text.rstrip() + "..."


def _header(pdf: _Document, invoice: Invoice, seller: Seller, words: dict[str, str]) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.text_cell(110, 8, seller.name)
    pdf.text_cell(
        0, 8, f"{words['title']} {invoice.invoice_number}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, "", 9)
    for text in (
        seller.street,
        f"{seller.postal_code} {seller.city}",
        f"{words['org']} {_org(seller.org_number)} MVA  Foretaksregisteret",
        seller.email,
    ):
        pdf.text_cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _parties(
    pdf: _Document, invoice: Invoice, buyer: TenantAccount, seller: Seller, *, kid: str, language: str
) -> None:
    words, draft = WORDS[language], invoice.draft
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 10)
    pdf.text_cell(90, 5, words["buyer"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    lines = [buyer.name, *(buyer.address.lines if buyer.address else ())]
    lines.append(f"{words['org']} {_org(buyer.org_number)}")
    if buyer.customer_reference:
        lines.append(f"{words['reference']} {buyer.customer_reference}")
    for text in lines:
        pdf.text_cell(95, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    below_buyer = pdf.get_y()
    facts = [
        (words["number"], str(invoice.invoice_number)),
        (words["issued"], wording.day(draft.issue_date, language)),
        (words["due"], wording.day(draft.due_date, language)),
        (
            words["period"],
            f"{wording.day(draft.period.start, language)} - {wording.day(draft.period.last_day, language)}",
        ),
        (words["kid"], kid),
        (words["account"], seller.bank_account),
    ]
    pdf.set_y(top)
    for label, value in facts:
        pdf.set_x(110)
        pdf.set_font(FONT, "", 10)
        pdf.text_cell(40, 5, label)
        pdf.set_font(FONT, "B", 10)
        pdf.text_cell(0, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), below_buyer))
    pdf.ln(8)


def _lines(pdf: _Document, invoice: Invoice, language: str, descriptions: Mapping[str, str]) -> None:
    words, draft = WORDS[language], invoice.draft
    pdf.set_font(FONT, "B", 11)
    heading = pdf.drawable(wording.collective_invoice(draft.period, language))
    pdf.multi_cell(0, 6, heading, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # a long one wraps
    pdf.ln(2)
    widths = (110, 20, 30, 30)
    pdf.set_font(FONT, "B", 9)
    pdf.set_fill_color(230, 230, 230)
    for width, title, align in zip(
        widths, ("description", "quantity", "price", "amount"), "LRRR", strict=True
    ):
        pdf.text_cell(width, 6, words[title], align=align, fill=True)
    pdf.ln()
    pdf.set_font(FONT, "", 9)
    for line in draft.lines:
        description = wording.describe(line.code, line.description, language, descriptions)
        for quantity, price, amount, note in ehf_lines(line, language, description):
            text = description + (f" ({note})" if note and quantity != line.quantity else "")
            pdf.text_cell(widths[0], 5.5, pdf.fitted(text, widths[0]))
            pdf.text_cell(widths[1], 5.5, wording.quantity(quantity, language), align="R")
            pdf.text_cell(widths[2], 5.5, wording.amount(price, language), align="R")
            pdf.text_cell(
                widths[3],
                5.5,
                wording.amount(amount, language),
                align="R",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
    pdf.ln(3)


def _totals(
    pdf: _Document, invoice: Invoice, seller: Seller, kid: str, language: str, *, basis: bool
) -> None:
    words, draft = WORDS[language], invoice.draft
    percent = format((draft.vat_rate * 100).normalize(), "f")
    for label, value, bold in (
        (words["subtotal"], draft.subtotal, False),
        (f"{words['vat']} {percent} %", draft.vat_amount, False),
        (f"{words['total']} ({draft.currency})", draft.total, True),
    ):
        pdf.set_font(FONT, "B" if bold else "", 10)
        pdf.set_x(110)
        pdf.text_cell(60, 6, label)
        pdf.text_cell(30, 6, wording.amount(value, language), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, "", 9)
    due = wording.day(draft.due_date, language)
    texts = [words["pay"].format(account=seller.bank_account, kid=kid, due=due)]
    if basis:
        texts.append(words["basis_follows"])
    for text in texts:
        pdf.text_block(text)


def client_shares(rows: Sequence[BasisRow], language: str) -> tuple[list[ClientShare], list[ClientShare]]:
    """The basis per client (a client's rows over every line added up), by name; and the lines
    that have no clients (flat charges, per-user add-ons)."""
    words = WORDS[language]
    per_client: dict[str, list[BasisRow]] = {}
    without: list[BasisRow] = []
    for row in rows:
        if row.client_id:
            per_client.setdefault(row.client_id, []).append(row)
        else:
            without.append(row)
    shares = []
    for client_id, own in per_client.items():
        first = own[0]
        name = first.client_name or client_id
        shares.append(
            (
                (name.casefold(), client_id),
                ClientShare(
                    label=f"{name} {words['bureau']}" if first.is_bureau_client else name,
                    org_number=first.org_number,
                    amount=sum((r.amount for r in own), Decimal(0)),
                    vat=sum((r.vat for r in own), Decimal(0)),
                    total=sum((r.total for r in own), Decimal(0)),
                ),
            )
        )
    ordered = [share for _, share in sorted(shares, key=lambda pair: pair[0])]
    return ordered, [
        ClientShare(words["no_client"].format(description=r.description), "", r.amount, r.vat, r.total)
        for r in without
    ]


def _basis(pdf: _Document, invoice: Invoice, rows: Sequence[BasisRow], language: str) -> None:
    words, draft = WORDS[language], invoice.draft
    clients, without = client_shares(rows, language)
    shown, rest = clients[:BASIS_ROWS_IN_PDF], clients[BASIS_ROWS_IN_PDF:]
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.text_cell(
        0,
        7,
        words["basis_title"].format(number=invoice.invoice_number),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, "", 9)
    pdf.text_block(words["basis_intro"])
    pdf.ln(2)
    widths = (85, 25, 25, 25, 30)
    titles = (words["client"], words["org"], words["excl"], words["vat"], words["incl"])

    def heading() -> None:
        pdf.set_font(FONT, "B", 9)
        pdf.set_fill_color(230, 230, 230)
        for width, title, align in zip(widths, titles, "LLRRR", strict=True):
            pdf.text_cell(width, 6, title, align=align, fill=True)
        pdf.ln()
        pdf.set_font(FONT, "", 9)

    def row(label: str, org: str, amount: Decimal, vat: Decimal, total: Decimal) -> None:
        if pdf.will_page_break(5.5):
            pdf.add_page()
            heading()
        pdf.text_cell(widths[0], 5.5, pdf.fitted(label, widths[0]))
        pdf.text_cell(widths[1], 5.5, _org(org))
        for width, value in zip(widths[2:], (amount, vat, total), strict=True):
            pdf.text_cell(width, 5.5, wording.amount(value, language), align="R")
        pdf.ln()

    heading()
    for share in shown:
        row(share.label, share.org_number, share.amount, share.vat, share.total)
    if rest:
        row(
            words["more"].format(count=wording.quantity(len(rest), language)),
            "",
            sum((s.amount for s in rest), Decimal(0)),
            sum((s.vat for s in rest), Decimal(0)),
            sum((s.total for s in rest), Decimal(0)),
        )
    for share in without:
        row(share.label, share.org_number, share.amount, share.vat, share.total)
    pdf.set_font(FONT, "B", 9)
    row(words["sum"], "", draft.subtotal, draft.vat_amount, draft.total)
    if rest:
        pdf.ln(3)
        pdf.set_font(FONT, "", 9)
        pdf.text_block(
            words["all_in_csv"].format(
                shown=wording.quantity(len(shown), language),
                total=wording.quantity(len(clients), language),
            )
        )


def build_pdf(
    invoice: Invoice,
    buyer: TenantAccount,
    seller: Seller,
    kid: str,
    *,
    descriptions: Mapping[str, str] | None = None,
) -> bytes:
    """The invoice as PDF bytes; the same invoice always gives the same bytes. ``descriptions``
    (charge code → text in the buyer's language) defaults to the catalog's."""
    language = wording.language_of(buyer.language)
    texts = descriptions if descriptions is not None else wording.catalog_descriptions(language)
    rows = [
        r if language == "nb" else _translated(r, language, texts)
        for r in basis_rows(invoice.draft, buyer.clients)
    ]
    with_basis = any(r.client_id for r in rows)
    issued = invoice.draft.issue_date
    words = WORDS[language]
    pdf = _Document(words)
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
    pdf.set_producer("periodyear")
    pdf.set_title(f"{words['title']} {invoice.invoice_number}")
    pdf.set_author(seller.name)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    _header(pdf, invoice, seller, words)
    _parties(pdf, invoice, buyer, seller, kid=kid, language=language)
    _lines(pdf, invoice, language, texts)
    _totals(pdf, invoice, seller, kid, language, basis=with_basis)
    if with_basis:
        _basis(pdf, invoice, rows, language)
    return bytes(pdf.output())


def _translated(row: BasisRow, language: str, descriptions: Mapping[str, str]) -> BasisRow:
    return replace(row, description=wording.describe(row.code, row.description, language, descriptions))
