"""The PDF's basis pages: one row per client for re-invoicing (the bureau client marked), at most
``BASIS_ROWS_IN_PDF`` of them, correction shares under their own headings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from fpdf.enums import XPos, YPos

from periodyear.documents import wording
from periodyear.documents.pdf_common import FONT, Canvas, corrects, org_text, section, sign_of
from periodyear.documents.wording import WORDS, words_for
from periodyear.domain.basis import BasisRow, client_totals
from periodyear.domain.invoice import Invoice, InvoiceDraft

BASIS_ROWS_IN_PDF = 200  # about five pages of clients; the CSV and the EHF hold them all


@dataclass(frozen=True)
class ClientShare:
    """One row of the PDF's basis: a client's share of the invoice, or a line without clients."""

    label: str
    org_number: str
    amount: Decimal
    vat: Decimal
    total: Decimal


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
        sections.setdefault(corrects(row.corrected_period, row.correction_of), []).append(row)
    present = [(key, own) for key, own in sections.items() if own]
    if len(present) == 1 and present[0][0] is None:
        return [("", present[0][1])]  # no corrections: no headings
    return [(section(key, draft, language), own) for key, own in present]


class _BasisTable:
    """The basis page's table: its heading again on each new page, one row per client's share."""

    WIDTHS = (85, 25, 25, 25, 30)

    def __init__(self, pdf: Canvas, words: Mapping[str, str], language: str) -> None:
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
        pdf.text_cell(widths[1], 5.5, org_text(org))
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


def basis_pages(pdf: Canvas, invoice: Invoice, rows: Sequence[BasisRow], language: str) -> None:
    words, draft, sign = words_for(invoice, language), invoice.draft, sign_of(invoice)
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


def translated(row: BasisRow, language: str, descriptions: Mapping[str, str]) -> BasisRow:
    return replace(row, description=wording.describe(row.code, row.description, language, descriptions))
