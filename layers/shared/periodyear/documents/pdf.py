"""The invoice as a PDF a person reads, Norwegian or English, deterministic.

Page 1 is the invoice: seller, buyer with its address and its own reference, the lines and
the totals. Correction lines (CONTRACT §5a) follow the period's own lines, each group under a
heading naming the period and the invoice it corrects. A credit note (a negative subtotal) is
titled so and shows the amounts of its EHF: the record's negated, so what is credited is
positive; it has no due date, KID or account, and says which invoices it corrects.

The pages after page 1 are the per-client basis for re-invoicing, one row per client (the
bureau client marked), at most ``BASIS_ROWS_IN_PDF`` of them: a firm may have tens of
thousands of clients, so beyond that the PDF says how many more there are and what they sum
to, and that the CSV and the e-invoice's attachment hold every one. Correction shares are
listed under their own heading, as on page 1.

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
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import TTFFont

from periodyear.config import Seller
from periodyear.documents import wording
from periodyear.documents.ehf import ehf_lines
from periodyear.documents.wording import WORDS, words_for
from periodyear.domain.basis import BasisRow, basis_rows, client_totals
from periodyear.domain.invoice import Invoice, InvoiceDraft, InvoiceLine
from periodyear.domain.tenant import TenantAccount

BASIS_ROWS_IN_PDF = 200  # about five pages of clients; the CSV and the EHF hold them all
FONT = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # style → file in fonts/
FONT_DIR = Path(__file__).with_name("fonts")
REPLACEMENT = "\ufffd"


def _sign(invoice: Invoice) -> int:
    """A credit note shows the record's amounts negated (as its EHF does)."""
    return -1 if invoice.draft.document_type == "CREDIT_NOTE" else 1


def _section(key: tuple[str, int] | None, draft: InvoiceDraft, language: str) -> str:
    """The heading of a group of lines: ``Mars 2022`` (the period's own), or ``Korrigering for
    februar 2022 (faktura 1)``."""
    if key is None:
        text = wording.period_text(draft.period, language)
        return text[:1].upper() + text[1:]
    return wording.correction_heading(key[0], key[1], language)


def _corrects(period: str | None, invoice_number: int | None) -> tuple[str, int] | None:
    """What a line or a basis row corrects (the period's label, the invoice's number), or None."""
    return None if period is None or invoice_number is None else (period, invoice_number)


def _groups(lines: Sequence[InvoiceLine]) -> list[tuple[tuple[str, int] | None, list[InvoiceLine]]]:
    """The period's own lines (key None), then the correction lines per corrected period and
    invoice (key: the period's label and the invoice's number), in the order of the lines."""
    groups: dict[tuple[str, int] | None, list[InvoiceLine]] = {None: []}
    for line in lines:
        groups.setdefault(_corrects(line.corrected_period, line.correction_of), []).append(line)
    return [(key, group) for key, group in groups.items() if group]


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

    def wrapped(self, text: str, width: float) -> list[str]:
        """``text`` as the lines it takes in a cell ``width`` (mm) wide in the current font."""
        lines = self.multi_cell(width, 5.5, self.drawable(text), dry_run=True, output=MethodReturnValue.LINES)
        assert isinstance(lines, list)  # what output=LINES returns
        return [str(line) for line in lines] or [""]

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
    words, draft = words_for(invoice, language), invoice.draft
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
    credit = draft.document_type == "CREDIT_NOTE"
    period = f"{wording.day(draft.period.start, language)} - {wording.day(draft.period.last_day, language)}"
    facts = [
        (words["number"], str(invoice.invoice_number)),
        (words["issued"], wording.day(draft.issue_date, language)),
        *([] if credit else [(words["due"], wording.day(draft.due_date, language))]),
        (words["period"], period),
        *([] if credit else [(words["kid"], kid), (words["account"], seller.bank_account)]),
        *(
            [(words["corrects"], ", ".join(str(n) for n in draft.corrected_invoices))]
            if draft.corrected_invoices
            else []
        ),
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
    words, draft, sign = WORDS[language], invoice.draft, _sign(invoice)
    credit = sign < 0
    pdf.set_font(FONT, "B", 11)
    heading = pdf.drawable(wording.document_heading(draft, language))
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
    groups = _groups(draft.lines)
    for key, group in groups:
        if key is not None or len(groups) > 1:  # with corrections, each group under its heading
            pdf.ln(1)
            pdf.set_font(FONT, "B", 9)
            pdf.text_cell(
                0,
                5.5,
                pdf.fitted(_section(key, draft, language), pdf.epw),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        pdf.set_font(FONT, "", 9)
        for line in group:
            description = wording.describe(line.code, line.description, language, descriptions)
            if line.corrected_period is not None:  # its heading names the period
                description = description.removesuffix(f" ({line.corrected_period})")
            for quantity, price, amount, note in ehf_lines(line, language, description, credit_note=credit):
                first, *more = _described(pdf, description, note, widths[0])
                pdf.text_cell(widths[0], 5.5, first)
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
                for rest in more:  # a long text wraps within its column
                    pdf.text_cell(widths[0], 4.5, rest, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _described(pdf: _Document, description: str, note: str, width: float) -> list[str]:
    """A line's text in the lines it takes: ``description (note)`` on one line when it fits,
    else the note on a line of its own (never split at its ``×``)."""
    text = description + (f" ({note})" if note else "")
    lines = pdf.wrapped(text, width)
    if len(lines) > 1 and note:
        return pdf.wrapped(description, width) + pdf.wrapped(f"({note})", width)
    return lines


def _totals(
    pdf: _Document, invoice: Invoice, seller: Seller, kid: str, language: str, *, basis: bool
) -> None:
    words, draft, sign = words_for(invoice, language), invoice.draft, _sign(invoice)
    percent = format((draft.vat_rate * 100).normalize(), "f")
    for label, value, bold in (
        (words["subtotal"], draft.subtotal, False),
        (f"{words['vat']} {percent} %", draft.vat_amount, False),
        (f"{words['total']} ({draft.currency})", draft.total, True),
    ):
        pdf.set_font(FONT, "B" if bold else "", 10)
        pdf.set_x(110)
        pdf.text_cell(60, 6, label)
        pdf.text_cell(
            30, 6, wording.amount(sign * value, language), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(6)
    pdf.set_font(FONT, "", 9)
    corrected = wording.invoices(draft.corrected_invoices, language) if draft.corrected_invoices else ""
    if sign < 0:
        texts = [words["credited"]]
    else:
        due = wording.day(draft.due_date, language)
        texts = [words["pay"].format(account=seller.bank_account, kid=kid, due=due)]
    if corrected:
        explained = words["correction" if len(draft.corrections) == 1 else "corrections"]
        texts.append(explained.format(invoices=corrected))
    if basis:
        texts.append(words["basis_follows"])
    for text in texts:
        pdf.text_block(text)


def client_shares(
    rows: Sequence[BasisRow], language: str, *, sign: int = 1
) -> tuple[list[ClientShare], list[ClientShare]]:
    """The basis per client (``domain.basis.client_totals``), labelled for the page; and the
    lines that have no clients. ``sign`` -1 negates the amounts (a credit note shows them so)."""
    words = WORDS[language]
    totals, without = client_totals(rows, sign=sign)
    shares = [
        ClientShare(
            label=f"{t.name} {words['bureau']}" if t.is_bureau_client else t.name,
            org_number=t.org_number,
            amount=t.amount,
            vat=t.vat,
            total=t.total,
        )
        for t in totals
    ]
    return shares, [
        ClientShare(
            words["no_client"].format(description=_without_period(r)),
            "",
            sign * r.amount,
            sign * r.vat,
            sign * r.total,
        )
        for r in without
    ]


def _without_period(row: BasisRow) -> str:
    """A row's description; a correction's without its period (its heading names it)."""
    if row.corrected_period is None:
        return row.description
    return row.description.removesuffix(f" ({row.corrected_period})")


def _basis_sections(
    rows: Sequence[BasisRow], draft: InvoiceDraft, language: str
) -> list[tuple[str, list[BasisRow]]]:
    """The rows of the period's own lines, then those of each correction, in the order of the
    lines; each under its heading (as on page 1) when there are corrections."""
    sections: dict[tuple[str, int] | None, list[BasisRow]] = {None: []}
    for row in rows:
        sections.setdefault(_corrects(row.corrected_period, row.correction_of), []).append(row)
    present = [(key, own) for key, own in sections.items() if own]
    if len(present) == 1 and present[0][0] is None:
        return [("", present[0][1])]  # no corrections: no headings
    return [(_section(key, draft, language), own) for key, own in present]


class _BasisTable:
    """The basis page's table: its heading again on each new page, one row per client's share."""

    WIDTHS = (85, 25, 25, 25, 30)

    def __init__(self, pdf: _Document, words: Mapping[str, str], language: str) -> None:
        self._pdf, self._words, self._language = pdf, words, language

    def heading(self) -> None:
        pdf, words = self._pdf, self._words
        pdf.set_font(FONT, "B", 9)
        pdf.set_fill_color(230, 230, 230)
        titles = (words["client"], words["org"], words["excl"], words["vat"], words["incl"])
        for width, title, align in zip(self.WIDTHS, titles, "LLRRR", strict=True):
            pdf.text_cell(width, 6, title, align=align, fill=True)
        pdf.ln()
        pdf.set_font(FONT, "", 9)

    def title(self, text: str) -> None:
        """A section's heading (the period's own lines, or a correction), kept with its rows."""
        pdf = self._pdf
        if pdf.will_page_break(12):
            pdf.add_page()
            self.heading()
        pdf.ln(1)
        pdf.set_font(FONT, "B", 9)
        pdf.text_cell(0, 5.5, pdf.fitted(text, pdf.epw), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)

    def row(self, label: str, org: str, amount: Decimal, vat: Decimal, total: Decimal) -> None:
        """One client's share; a name wider than its column goes on over more lines, whole (a
        reader re-invoices by it), and the row is never split over two pages."""
        pdf, widths = self._pdf, self.WIDTHS
        lines = pdf.wrapped(label, widths[0])
        if pdf.will_page_break(5.5 * len(lines)):
            pdf.add_page()
            self.heading()
        pdf.text_cell(widths[0], 5.5, lines[0])
        pdf.text_cell(widths[1], 5.5, _org(org))
        for width, value in zip(widths[2:], (amount, vat, total), strict=True):
            pdf.text_cell(width, 5.5, wording.amount(value, self._language), align="R")
        pdf.ln()
        for more in lines[1:]:
            pdf.text_cell(widths[0], 5.5, more, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def shares(self, own: Sequence[BasisRow], sign: int) -> tuple[int, int] | None:
        """A section's shares, the first ``BASIS_ROWS_IN_PDF`` clients by name and the rest in
        one row; (shown, in all) when the rest is summed up (the CSV holds every client)."""
        clients, without = client_shares(own, self._language, sign=sign)
        shown, rest = clients[:BASIS_ROWS_IN_PDF], clients[BASIS_ROWS_IN_PDF:]
        for share in shown:
            self.row(share.label, share.org_number, share.amount, share.vat, share.total)
        if rest:
            self.row(
                self._words["more"].format(count=wording.quantity(len(rest), self._language)),
                "",
                sum((s.amount for s in rest), Decimal(0)),
                sum((s.vat for s in rest), Decimal(0)),
                sum((s.total for s in rest), Decimal(0)),
            )
        for share in without:
            self.row(share.label, share.org_number, share.amount, share.vat, share.total)
        return (len(shown), len(clients)) if rest else None


def _basis(pdf: _Document, invoice: Invoice, rows: Sequence[BasisRow], language: str) -> None:
    words, draft, sign = words_for(invoice, language), invoice.draft, _sign(invoice)
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    title = words["basis_title"].format(number=invoice.invoice_number)
    pdf.text_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.text_block(words["basis_intro"])
    pdf.ln(2)
    table = _BasisTable(pdf, words, language)
    table.heading()
    truncated: list[tuple[str, int, int]] = []  # section heading, clients shown, clients in all
    for heading, own in _basis_sections(rows, draft, language):
        if heading:
            table.title(heading)
        if counts := table.shares(own, sign):
            truncated.append((heading, *counts))
    pdf.set_font(FONT, "B", 9)
    table.row(words["sum"], "", sign * draft.subtotal, sign * draft.vat_amount, sign * draft.total)
    for heading, shown_count, total_count in truncated:
        pdf.ln(3)
        pdf.set_font(FONT, "", 9)
        note = words["all_in_csv"].format(
            shown=wording.quantity(shown_count, language),
            total=wording.quantity(total_count, language),
        )
        pdf.text_block(f"{heading}: {note}" if heading else note)


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
    words = words_for(invoice, language)
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
