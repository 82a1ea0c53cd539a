"""The invoice as a PDF a person reads: one or two pages, Norwegian or English, deterministic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from periodyear.config import Seller
from periodyear.documents.ehf import ehf_lines
from periodyear.domain.invoice import Invoice
from periodyear.domain.money import ORE
from periodyear.domain.tenant import TenantAccount

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
        "MONTHLY": "Samlefaktura, måned",
        "ANNUAL": "Samlefaktura, årsoppgjør",
        "basis": "Grunnlaget per klient for viderefakturering følger som CSV og i e-fakturaen.",
        "pay": "Betal til konto {account} med KID {kid} innen {due}.",
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
        "MONTHLY": "Collective invoice, month",
        "ANNUAL": "Collective invoice, annual settlement",
        "basis": "The per-client basis for re-invoicing comes as CSV and in the e-invoice.",
        "pay": "Pay to account {account} with KID {kid} by {due}.",
    },
}


def _amount(value: Decimal, language: str) -> str:
    text = f"{value.quantize(ORE):,.2f}"
    return text.replace(",", " ").replace(".", ",") if language == "nb" else text


def _day(value: date, language: str) -> str:
    return f"{value:%d.%m.%Y}" if language == "nb" else value.isoformat()


def _org(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 9 else number


def _header(pdf: FPDF, invoice: Invoice, seller: Seller, words: dict[str, str]) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(110, 8, seller.name)
    pdf.cell(
        0, 8, f"{words['title']} {invoice.invoice_number}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font("Helvetica", "", 9)
    for text in (
        seller.street,
        f"{seller.postal_code} {seller.city}",
        f"{words['org']} {_org(seller.org_number)} MVA  Foretaksregisteret",
        seller.email,
    ):
        pdf.cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _parties(
    pdf: FPDF, invoice: Invoice, buyer: TenantAccount, seller: Seller, *, kid: str, language: str
) -> None:
    words, draft = WORDS[language], invoice.draft
    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(90, 5, words["buyer"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    for text in (
        buyer.name,
        f"{words['org']} {_org(buyer.org_number)}",
        f"{words['reference']} {draft.tenant_id}",
    ):
        pdf.cell(90, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    facts = [
        (words["number"], str(invoice.invoice_number)),
        (words["issued"], _day(draft.issue_date, language)),
        (words["due"], _day(draft.due_date, language)),
        (words["period"], f"{_day(draft.period.start, language)} - {_day(draft.period.last_day, language)}"),
        (words["kid"], kid),
        (words["account"], seller.bank_account),
    ]
    pdf.set_y(top)
    for label, value in facts:
        pdf.set_x(110)
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(40, 5, label)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)


def _lines(pdf: FPDF, invoice: Invoice, language: str) -> None:
    words, draft = WORDS[language], invoice.draft
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, f"{words[draft.kind.value]} {draft.period.label}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    widths = (110, 20, 30, 30)
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(230, 230, 230)
    for width, title, align in zip(
        widths, ("description", "quantity", "price", "amount"), "LRRR", strict=True
    ):
        pdf.cell(width, 6, words[title], align=align, fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in draft.lines:
        for quantity, price, amount, note in ehf_lines(line):
            text = line.description + (f" ({note})" if note and quantity != line.quantity else "")
            pdf.cell(widths[0], 5.5, text[:70])
            pdf.cell(widths[1], 5.5, str(quantity), align="R")
            pdf.cell(widths[2], 5.5, _amount(price, language), align="R")
            pdf.cell(
                widths[3], 5.5, _amount(amount, language), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
    pdf.ln(3)


def _totals(pdf: FPDF, invoice: Invoice, seller: Seller, kid: str, language: str) -> None:
    words, draft = WORDS[language], invoice.draft
    percent = format((draft.vat_rate * 100).normalize(), "f")
    for label, value, bold in (
        (words["subtotal"], draft.subtotal, False),
        (f"{words['vat']} {percent} %", draft.vat_amount, False),
        (f"{words['total']} ({draft.currency})", draft.total, True),
    ):
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.set_x(110)
        pdf.cell(60, 6, label)
        pdf.cell(30, 6, _amount(value, language), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 9)
    payment = words["pay"].format(account=seller.bank_account, kid=kid, due=_day(draft.due_date, language))
    for text in (payment, words["basis"]):
        pdf.multi_cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def build_pdf(invoice: Invoice, buyer: TenantAccount, seller: Seller, kid: str) -> bytes:
    """The invoice as PDF bytes; the same invoice always gives the same bytes."""
    language = buyer.language if buyer.language in WORDS else "nb"
    issued = invoice.draft.issue_date
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
    pdf.set_producer("periodyear")
    pdf.set_title(f"{WORDS[language]['title']} {invoice.invoice_number}")
    pdf.set_author(seller.name)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    _header(pdf, invoice, seller, WORDS[language])
    _parties(pdf, invoice, buyer, seller, kid=kid, language=language)
    _lines(pdf, invoice, language)
    _totals(pdf, invoice, seller, kid, language)
    return bytes(pdf.output())
