"""The e-mail that delivers an issued invoice or credit note to a customer outside PEPPOL (CONTRACT
§10), from template files, in the tenant's language (``nb``, or ``en``; anything else is ``nb``).

It tells who sends what, how much, by when and where to pay (a credit note: how much is credited,
and that nothing is to be paid), which files are attached, and whom to ask (Reply-To the seller).
Money, dates and periods are written as the PDF writes them (``documents.wording``).

The attached documents are the ones stored, byte for byte. The size rule, so that a receiving
server that refuses large messages (often above 10 MB) still gets the invoice:

1. everything attached as it is, if the whole message fits ``max_bytes``;
2. else the CSV basis and the EHF each zipped (one file inside, its own name and bytes);
3. else, while it does not fit, the largest attachment other than the PDF is left out; the text
   and HTML name each one left out and say that it is on the start page;
4. the PDF is never left out: if the message with the PDF alone is still too large, it is sent
   anyway (``len(raw) > max_bytes`` tells the caller), every other document left out, and the
   text says the documents are on the start page too.

``ComposedMail.compressed`` and ``left_out`` name the documents by their own file names
(``grunnlag-123.csv``); ``attached`` names what is attached (``grunnlag-123.zip``). Every
document given is in exactly one of ``attached`` (as itself or zipped) and ``left_out``.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from periodyear.documents.plain_text import wrapped
from periodyear.documents.wording import CREDIT_NOTE_WORDS, WORDS, amount, day, language_of, period_text
from periodyear.domain.calendar import Period, PeriodKind

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_MESSAGE_BYTES = 10_000_000  # receiving servers often refuse more than 10 MB (SES itself takes 40 MB)
KINDS = ("pdf", "csv", "xml")  # the order documents are attached in
_CONTENT_TYPES: dict[str, tuple[str, str, dict[str, str]]] = {
    "pdf": ("application", "pdf", {}),
    "csv": ("text", "csv", {"charset": "utf-8"}),
    "xml": ("application", "xml", {}),
}
_ZIP: tuple[str, str, dict[str, str]] = ("application", "zip", {})
_FILE_NAMES = {  # (language, credit note) -> each kind's file name
    ("nb", False): {"pdf": "faktura-{n}.pdf", "csv": "grunnlag-{n}.csv", "xml": "ehf-faktura-{n}.xml"},
    ("nb", True): {
        "pdf": "kreditnota-{n}.pdf",
        "csv": "grunnlag-kreditnota-{n}.csv",
        "xml": "ehf-kreditnota-{n}.xml",
    },
    ("en", False): {"pdf": "invoice-{n}.pdf", "csv": "basis-{n}.csv", "xml": "ehf-invoice-{n}.xml"},
    ("en", True): {
        "pdf": "credit-note-{n}.pdf",
        "csv": "basis-credit-note-{n}.csv",
        "xml": "ehf-credit-note-{n}.xml",
    },
}
_DOCUMENT = {
    ("nb", False): "faktura",
    ("nb", True): "kreditnota",
    ("en", False): "invoice",
    ("en", True): "credit note",
}
_ANNUAL_SUBJECT = {"nb": "årsoppgjør levert {period}", "en": "annual settlements submitted {period}"}
_CREDITED = {"nb": "Kreditert beløp", "en": "Amount credited"}
_NO_BREAK = "\u00a0"  # keeps an amount or a date on one line of the text part (``wrapped``)


@dataclass(frozen=True)
class InvoiceMail:
    """The facts the e-mail tells."""

    language: str  # "nb" or "en" (anything else: nb)
    seller_name: str
    seller_email: str  # where the customer asks questions (Reply-To)
    bank_account: str  # 11 digits; written as the reader's bank shows it (1234.56.78903)
    buyer_name: str
    document_type: str  # "INVOICE" or "CREDIT_NOTE"
    invoice_number: int
    period: Period
    total: Decimal  # signed as stored: negative for a credit note
    currency: str
    issue_date: date
    due_date: date
    kid: str


@dataclass(frozen=True)
class ComposedMail:
    raw: bytes  # the whole MIME message, for SES v2 SendEmail Content.Raw
    subject: str
    attached: tuple[str, ...]  # file names attached, in order
    compressed: tuple[str, ...]  # documents sent zipped to fit the size limit
    left_out: tuple[str, ...]  # documents not attached (too large even zipped); the body says so


@dataclass(frozen=True)
class _File:
    """One document: ``name`` its own file name; ``data`` what is attached (zipped: a zip archive
    holding the document, named ``<stem>.zip``)."""

    kind: str
    name: str
    data: bytes
    zipped: bool = False
    left_out: bool = False

    @property
    def sent_name(self) -> str:
        return self.name.rsplit(".", 1)[0] + ".zip" if self.zipped else self.name


@functools.cache
def _environment() -> Environment:
    """The templates' environment, made when the first e-mail is composed (jinja2 is not loaded
    at the function's cold start)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # noqa: PLC0415

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def account_number(number: str) -> str:
    """``12345678903`` as Norwegian banks write it, ``1234.56.78903``; anything else as given."""
    digits = number.replace(".", "").replace(" ", "")
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}" if len(digits) == 11 and digits.isdigit() else number


def subject_of(mail: InvoiceMail) -> str:
    """``Visma Software AS: faktura 123 for august 2022``; an annual invoice ``… for årsoppgjør
    levert september 2021 - august 2022``."""
    language = language_of(mail.language)
    period = period_text(mail.period, language)
    if mail.period.kind is PeriodKind.ANNUAL:
        period = _ANNUAL_SUBJECT[language].format(period=period)
    document = _DOCUMENT[(language, mail.document_type == "CREDIT_NOTE")]
    return f"{mail.seller_name}: {document} {mail.invoice_number} for {period}"


def _rows(mail: InvoiceMail, language: str) -> list[tuple[str, str]]:
    """The payment facts as label and value, labelled as the PDF labels them."""
    if mail.document_type == "CREDIT_NOTE":
        return [
            (_CREDITED[language], _money(amount(-mail.total, language), mail.currency, language)),
            (CREDIT_NOTE_WORDS[language]["issued"], day(mail.issue_date, language)),
        ]
    words = WORDS[language]
    return [
        (words["total"], _money(amount(mail.total, language), mail.currency, language)),
        (words["due"], day(mail.due_date, language)),
        (words["account"], account_number(mail.bank_account)),
        (words["kid"], mail.kid),
    ]


def _money(value: str, currency: str, language: str) -> str:
    """``1 234,50 NOK`` in Norwegian, ``NOK 1,234.50`` in English."""
    return f"{value} {currency}" if language == "nb" else f"{currency} {value}"


def _render(
    mail: InvoiceMail, files: list[_File], *, oversized: bool, start_page_url: str | None
) -> tuple[str, str]:
    """The text part and the HTML part."""
    language = language_of(mail.language)
    credit = mail.document_type == "CREDIT_NOTE"
    rows = _rows(mail, language)
    values: dict[str, object] = {
        "buyer_name": mail.buyer_name,
        "seller_name": mail.seller_name,
        "seller_email": mail.seller_email,
        "credit": credit,
        "document": _DOCUMENT[(language, credit)],
        "number": mail.invoice_number,
        "annual": mail.period.kind is PeriodKind.ANNUAL,
        "period": period_text(mail.period, language),
        "rows": rows,
        "credited": WORDS[language]["credited"],
        "attached": [f for f in files if not f.left_out],
        "left_out": [f for f in files if f.left_out],
        "zipped": [f for f in files if f.zipped and not f.left_out],
        "oversized": oversized,
        "start_page_url": start_page_url,
    }
    width = max(len(label) for label, _ in rows) + 3
    unbroken = [(f"{label}:".ljust(width), value.replace(" ", _NO_BREAK)) for label, value in rows]
    text_values = {**values, "rows": unbroken, "period": str(values["period"]).replace(" ", _NO_BREAK)}
    text = wrapped(_environment().get_template(f"invoice.{language}.txt").render(text_values))
    return text, _environment().get_template(f"invoice.{language}.html").render(values)


def _zipped(file: _File, on: date) -> bytes:
    """The document alone in a zip archive (deflate), dated its issue day so the bytes repeat."""
    info = zipfile.ZipInfo(file.name, date_time=(on.year, on.month, on.day, 0, 0, 0))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, file.data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def compose_invoice_mail(
    mail: InvoiceMail,
    documents: Mapping[str, bytes],
    *,
    sender: str,
    recipient: str,
    sent_at: datetime,
    message_id_domain: str | None = None,
    start_page_url: str | None = None,
    max_bytes: int = MAX_MESSAGE_BYTES,
) -> ComposedMail:
    """The whole message for SES ``Raw`` content, within ``max_bytes`` by the module's rule."""
    if set(documents) - set(KINDS) or "pdf" not in documents or "csv" not in documents:
        raise ValueError(f"documents are pdf, csv and maybe xml, not {sorted(documents)}")
    language = language_of(mail.language)
    names = _FILE_NAMES[(language, mail.document_type == "CREDIT_NOTE")]
    files = [
        _File(kind, names[kind].format(n=mail.invoice_number), documents[kind])
        for kind in KINDS
        if kind in documents
    ]
    name, address = parseaddr(sender)
    headers = {
        "From": sender if name else formataddr((mail.seller_name, address)),
        "To": recipient,
        "Reply-To": mail.seller_email,
        "Subject": subject_of(mail),
        "Date": format_datetime(sent_at),
        "Message-ID": make_msgid(domain=message_id_domain or address.rpartition("@")[2]),
    }

    def build(files: list[_File], oversized: bool = False) -> bytes:
        text, html = _render(mail, files, oversized=oversized, start_page_url=start_page_url)
        return _message(headers, text, html, files, language).as_bytes(policy=policy.SMTP)

    files, raw = _fit(files, build, max_bytes, mail.issue_date)
    return ComposedMail(
        raw=raw,
        subject=headers["Subject"],
        attached=tuple(f.sent_name for f in files if not f.left_out),
        compressed=tuple(f.name for f in files if f.zipped and not f.left_out),
        left_out=tuple(f.name for f in files if f.left_out),
    )


def _fit(
    files: list[_File], build: Callable[..., bytes], max_bytes: int, issue_date: date
) -> tuple[list[_File], bytes]:
    """The files as they fit: all as given; else the CSV and EHF zipped; else the largest
    non-PDF left out, one at a time; the PDF is sent even alone too large (the text says so)."""
    raw = build(files)
    if len(raw) > max_bytes:
        files = [
            f if f.kind == "pdf" else replace(f, data=_zipped(f, issue_date), zipped=True) for f in files
        ]
        raw = build(files)
    while len(raw) > max_bytes and (kept := [f for f in files if f.kind != "pdf" and not f.left_out]):
        largest = max(kept, key=lambda f: len(f.data))
        files = [replace(f, left_out=True) if f is largest else f for f in files]
        raw = build(files)
    if len(raw) > max_bytes:
        raw = build(files, oversized=True)
    return files, raw


def _message(
    headers: Mapping[str, str], text: str, html: str, files: list[_File], language: str
) -> EmailMessage:
    message = EmailMessage()
    for header, value in headers.items():
        message[header] = value
    # Quoted-printable, as the notice: 7-bit safe on every hop.
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    for file in files:
        if not file.left_out:
            maintype, subtype, params = _ZIP if file.zipped else _CONTENT_TYPES[file.kind]
            message.add_attachment(
                file.data, maintype=maintype, subtype=subtype, filename=file.sent_name, params=params
            )
    message["Content-Language"] = language  # after the body: set_content drops Content-* headers
    return message
