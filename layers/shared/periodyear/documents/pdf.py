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

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos

from periodyear.config import Seller
from periodyear.documents import wording
from periodyear.documents.ehf import ehf_lines
from periodyear.documents.pdf_basis import basis_pages, translated
from periodyear.documents.pdf_common import FONT, Canvas, corrects, org_text, section, sign_of
from periodyear.documents.wording import WORDS, words_for
from periodyear.domain.basis import basis_rows
from periodyear.domain.invoice import Invoice, InvoiceLine
from periodyear.domain.tenant import TenantAccount


def _groups(lines: Sequence[InvoiceLine]) -> list[tuple[tuple[str, int] | None, list[InvoiceLine]]]:
    """The period's own lines (key None), then the correction lines per corrected period and
    invoice (key: the period's label and the invoice's number), in the order of the lines."""
    groups: dict[tuple[str, int] | None, list[InvoiceLine]] = {None: []}
    for line in lines:
        groups.setdefault(corrects(line.corrected_period, line.correction_of), []).append(line)
    return [(key, group) for key, group in groups.items() if group]


def _header(pdf: Canvas, invoice: Invoice, seller: Seller, words: dict[str, str]) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.text_cell(110, 8, seller.name)
    pdf.text_cell(
        0, 8, f"{words['title']} {invoice.invoice_number}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, "", 9)
    for text in (
        seller.street,
        f"{seller.postal_code} {seller.city}",
        f"{words['org']} {org_text(seller.org_number)} MVA  Foretaksregisteret",
        seller.email,
    ):
        pdf.text_cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _parties(
    pdf: Canvas, invoice: Invoice, buyer: TenantAccount, seller: Seller, *, kid: str, language: str
) -> None:
    words, draft = words_for(invoice, language), invoice.draft
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 10)
    pdf.text_cell(90, 5, words["buyer"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    lines = [buyer.name, *(buyer.address.lines if buyer.address else ())]
    lines.append(f"{words['org']} {org_text(buyer.org_number)}")
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


def _lines(pdf: Canvas, invoice: Invoice, language: str, descriptions: Mapping[str, str]) -> None:
    words, draft, sign = WORDS[language], invoice.draft, sign_of(invoice)
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
                pdf.fitted(section(key, draft, language), pdf.epw),
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


def _described(pdf: Canvas, description: str, note: str, width: float) -> list[str]:
    """A line's text in the lines it takes: ``description (note)`` on one line when it fits,
    else the note on a line of its own (never split at its ``×``)."""
    text = description + (f" ({note})" if note else "")
    lines = pdf.wrapped(text, width)
    if len(lines) > 1 and note:
        return pdf.wrapped(description, width) + pdf.wrapped(f"({note})", width)
    return lines


def _totals(pdf: Canvas, invoice: Invoice, seller: Seller, kid: str, language: str, *, basis: bool) -> None:
    words, draft, sign = words_for(invoice, language), invoice.draft, sign_of(invoice)
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
        r if language == "nb" else translated(r, language, texts)
        for r in basis_rows(invoice.draft, buyer.clients)
    ]
    with_basis = any(r.client_id for r in rows)
    issued = invoice.draft.issue_date
    words = words_for(invoice, language)
    pdf = Canvas(words)
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
        basis_pages(pdf, invoice, rows, language)
    return bytes(pdf.output())
