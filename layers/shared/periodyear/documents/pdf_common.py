"""What the PDF's pages share: the canvas (A4, DejaVu Sans, every text drawable) and the
headings and signs both the invoice page and the basis pages use."""

from __future__ import annotations

import copy
import unicodedata
from functools import cache
from pathlib import Path

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import TTFFont

from periodyear.documents import wording
from periodyear.domain.invoice import Invoice, InvoiceDraft

FONT = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # style → file in fonts/
FONT_DIR = Path(__file__).with_name("fonts")
REPLACEMENT = "\ufffd"


def sign_of(invoice: Invoice) -> int:
    """A credit note shows the record's amounts negated (as its EHF does)."""
    return -1 if invoice.draft.document_type == "CREDIT_NOTE" else 1


def section(key: tuple[str, int] | None, draft: InvoiceDraft, language: str) -> str:
    """The heading of a group of lines: ``Mars 2022`` (the period's own), or ``Korrigering for
    februar 2022 (faktura 1)``."""
    if key is None:
        text = wording.period_text(draft.period, language)
        return text[:1].upper() + text[1:]
    return wording.correction_heading(key[0], key[1], language)


def corrects(period: str | None, invoice_number: int | None) -> tuple[str, int] | None:
    """What a line or a basis row corrects (the period's label, the invoice's number), or None."""
    return None if period is None or invoice_number is None else (period, invoice_number)


def org_text(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 9 else number


@cache
def fonts() -> dict[str, TTFFont]:
    """The embedded fonts as fpdf2 reads them (widths, character map: about 45 ms), once per process."""
    reader = FPDF()
    for style, file in FONT_FILES.items():
        reader.add_font(FONT, style, FONT_DIR / file)
    return {key: font for key, font in reader.fonts.items() if isinstance(font, TTFFont)}


class Canvas(FPDF):
    """A4 with a page footer, in DejaVu Sans; every text goes through ``drawable``."""

    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(format="A4")
        self._words = words
        for key, font in fonts().items():
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
