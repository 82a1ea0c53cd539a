"""The invoice e-mail (CONTRACT §10) read as its reader reads it: the parsed message's subject,
text, HTML and attachments, in each language."""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

import pytest

from periodyear.delivery.email import ComposedMail, InvoiceMail, compose_invoice_mail
from periodyear.domain.calendar import Period
from periodyear.domain.payment import kid_for

SENT_AT = datetime(2022, 3, 1, 6, 0, tzinfo=UTC)
START_PAGE = "https://app.example.no/"
DOCUMENTS = {
    "pdf": b"%PDF-1.7\n\x00\xff binary \r\n bytes",
    "csv": "klient;beløp\r\nFjord Bakeri AS;1 234,50\r\n".encode(),
    "xml": b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice/>\n',
}


def invoice_mail(language: str = "nb", **changes: object) -> InvoiceMail:
    mail = InvoiceMail(
        language=language,
        seller_name="Visma Software AS",
        seller_email="faktura@visma.example",
        bank_account="12345678903",
        buyer_name="Fjord Regnskap AS",
        document_type="INVOICE",
        invoice_number=123,
        period=Period.month(2022, 2),
        total=Decimal("1234.50"),
        currency="NOK",
        issue_date=date(2022, 3, 1),
        due_date=date(2022, 3, 15),
        kid=kid_for(123),
    )
    return replace(mail, **changes)  # type: ignore[arg-type]


def credit_note(language: str = "nb", **changes: object) -> InvoiceMail:
    return invoice_mail(
        language, document_type="CREDIT_NOTE", invoice_number=130, total=Decimal("-1234.50"), **changes
    )


def compose(mail: InvoiceMail, documents: dict[str, bytes] | None = None, **options: object) -> ComposedMail:
    return compose_invoice_mail(
        mail,
        DOCUMENTS if documents is None else documents,
        sender="faktura@periodeogar.example",
        recipient="regnskap@fjord.example",
        sent_at=SENT_AT,
        **options,  # type: ignore[arg-type]
    )


def parsed(raw: bytes) -> EmailMessage:
    """The message as the reader's mail program parses it."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def received(mail: InvoiceMail, documents: dict[str, bytes] | None = None, **options: object) -> EmailMessage:
    return parsed(compose(mail, documents, **options).raw)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def as_read(message: EmailMessage) -> list[str]:
    """The text part and the HTML part as the words a reader sees (lines unwrapped, tags gone)."""
    html = re.sub(r"<[^>]+>", " ", html_of(message)).replace("&amp;", "&").replace("&lt;", "<")
    return [" ".join(text_of(message).split()), " ".join(html.replace("&gt;", ">").split())]


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    """File name -> (content type, bytes), in the order attached."""
    found = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        name, data = part.get_filename(), part.get_payload(decode=True)
        assert name is not None
        assert isinstance(data, bytes)
        found[name] = (part.get_content_type(), data)
    return found


@pytest.mark.parametrize(
    ("mail", "subject"),
    [
        (invoice_mail("nb"), "Visma Software AS: faktura 123 for februar 2022"),
        (invoice_mail("en"), "Visma Software AS: invoice 123 for February 2022"),
        (credit_note("nb"), "Visma Software AS: kreditnota 130 for februar 2022"),
        (credit_note("en"), "Visma Software AS: credit note 130 for February 2022"),
        (
            invoice_mail("nb", period=Period.annual(2022)),
            "Visma Software AS: faktura 123 for årsoppgjør levert september 2021 - august 2022",
        ),
        (
            credit_note("en", period=Period.annual(2022)),
            "Visma Software AS: credit note 130 for annual settlements submitted "
            "September 2021 - August 2022",
        ),
        (invoice_mail("se"), "Visma Software AS: faktura 123 for februar 2022"),  # unknown: bokmål
    ],
)
def test_the_subject_names_the_seller_the_document_its_number_and_its_period(
    mail: InvoiceMail, subject: str
) -> None:
    assert received(mail)["Subject"] == subject


def test_a_norwegian_invoice_tells_how_much_by_when_and_where_to_pay() -> None:
    # Given an invoice of 1 234,50 NOK due 15 March 2022, When it is e-mailed in bokmål
    message = received(invoice_mail("nb"))
    # Then the reader sees the facts in Norwegian form, in the text and in the HTML
    text = text_of(message)
    assert "Hei Fjord Regnskap AS," in text
    assert "Å betale:      1 234,50 NOK" in text
    assert "Forfallsdato:  15.03.2022" in text
    assert "Kontonummer:   1234.56.78903" in text
    assert f"KID:           {kid_for(123)}" in text
    for read in as_read(message):
        assert "Vedlagt følger faktura 123 fra Visma Software AS for februar 2022." in read
        assert "Bruk KID når dere betaler." in read
        assert "faktura-123.pdf: fakturaen" in read
        assert "grunnlag-123.csv: grunnlaget per klient for viderefakturering" in read
        assert "ehf-faktura-123.xml: e-fakturaen (EHF)" in read
        assert "Har dere spørsmål om fakturaen, kan dere svare på denne e-posten" in read
        assert "faktura@visma.example" in read
    assert '<th scope="row" style="text-align: left; padding-right: 1em">Forfallsdato</th><td>15.03.2022' in (
        html_of(message)
    )


def test_an_english_invoice_writes_amounts_and_dates_in_english() -> None:
    message = received(invoice_mail("en", total=Decimal("1234567.5")))
    text = text_of(message)
    assert "Amount due:          NOK 1,234,567.50" in text
    assert "Due date:            15 March 2022" in text
    assert "Bank account:        1234.56.78903" in text
    assert f"KID (payment ref.):  {kid_for(123)}" in text
    for read in as_read(message):
        assert "Please find attached invoice 123 from Visma Software AS for February 2022." in read
        assert "invoice-123.pdf: the invoice" in read
        assert "basis-123.csv: the per-client basis for re-invoicing" in read
        assert "ehf-invoice-123.xml: the e-invoice (EHF)" in read
    assert "1 234" not in text
    assert "15.03.2022" not in text


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_credit_note_shows_what_is_credited_positive_and_asks_for_no_payment(language: str) -> None:
    message = received(credit_note(language))
    credited = (
        ("Kreditert beløp:  1 234,50 NOK", "Kreditnotadato:   01.03.2022")
        if language == "nb"
        else ("Amount credited:   NOK 1,234.50", "Credit note date:  1 March 2022")
    )
    text = text_of(message)
    for line in credited:
        assert line in text
    for read in as_read(message):
        assert re.search(r"(?<!\w)-\s?\d", read) is None  # never a negative amount
        if language == "nb":
            assert "Vedlagt følger kreditnota 130 fra Visma Software AS for februar 2022." in read
            assert "Beløpet godskrives dere, og dere skal ikke betale noe." in read
            assert "ehf-kreditnota-130.xml: EHF-kreditnotaen" in read
        else:
            assert "Please find attached credit note 130 from Visma Software AS for February 2022." in read
            assert "The amount is credited to you; there is nothing to pay." in read
        # no instruction to pay, and no invoice it corrects is named: the mail does not know it
        for unsaid in ("KID", "Forfallsdato", "Due date", "1234.56.78903", "korrigerer", "correct"):
            assert unsaid not in read
    assert list(attachments(message)) == (
        ["kreditnota-130.pdf", "grunnlag-kreditnota-130.csv", "ehf-kreditnota-130.xml"]
        if language == "nb"
        else ["credit-note-130.pdf", "basis-credit-note-130.csv", "ehf-credit-note-130.xml"]
    )


def test_an_annual_invoice_names_the_window_of_submissions() -> None:
    nb = received(invoice_mail("nb", period=Period.annual(2022)))
    en = received(invoice_mail("en", period=Period.annual(2022)))
    for read in as_read(nb):
        assert "for årsoppgjør levert til Altinn i perioden september 2021 - august 2022." in read
    for read in as_read(en):
        assert (
            "for annual settlements submitted to Altinn in the period September 2021 - August 2022." in read
        )


def test_the_documents_are_attached_byte_for_byte_with_their_content_types() -> None:
    found = attachments(received(invoice_mail("nb")))
    assert found == {
        "faktura-123.pdf": ("application/pdf", DOCUMENTS["pdf"]),
        "grunnlag-123.csv": ("text/csv", DOCUMENTS["csv"]),
        "ehf-faktura-123.xml": ("application/xml", DOCUMENTS["xml"]),
    }
    csv_part = next(
        p for p in received(invoice_mail("nb")).iter_attachments() if p.get_content_type() == "text/csv"
    )
    assert csv_part.get_content_charset() == "utf-8"


def test_without_an_ehf_none_is_attached_or_mentioned() -> None:
    message = received(invoice_mail("en"), {"pdf": DOCUMENTS["pdf"], "csv": DOCUMENTS["csv"]})
    assert list(attachments(message)) == ["invoice-123.pdf", "basis-123.csv"]
    for read in as_read(message):
        assert "EHF" not in read


def test_a_document_other_than_the_pdf_csv_and_ehf_is_refused_rather_than_dropped() -> None:
    with pytest.raises(ValueError, match="pdf, csv"):
        received(invoice_mail(), {**DOCUMENTS, "png": b"x"})
    with pytest.raises(ValueError, match="pdf, csv"):
        received(invoice_mail(), {"pdf": b"x"})


@pytest.mark.parametrize(
    "mail", [invoice_mail("nb"), credit_note("nb"), invoice_mail("nb", period=Period.annual(2022))]
)
def test_the_firm_is_addressed_as_dere_as_in_the_notice(mail: InvoiceMail) -> None:
    singular = re.compile(r"\b(du|deg|din|ditt|dine)\b", re.IGNORECASE)
    for limit in (10_000_000, 1):  # also the sentences on files left out
        message = received(mail, {**DOCUMENTS, "csv": random.Random(1).randbytes(5_000)}, max_bytes=limit)
        for read in [str(message["Subject"]), *as_read(message)]:
            assert singular.findall(read) == []


def test_composing_loads_jinja2_only_when_a_mail_is_made() -> None:
    loaded = "import sys, periodyear.delivery.email; print('jinja2' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def test_a_hostile_firm_name_is_shown_as_text_in_the_html() -> None:
    message = received(invoice_mail("nb", buyer_name="<b>Ola & Sønner</b>", seller_name='Visma "AS" <x>'))
    html = html_of(message)
    assert "Hei &lt;b&gt;Ola &amp; Sønner&lt;/b&gt;," in html
    assert "<b>" not in html
    assert "<x>" not in html
    assert "Hei <b>Ola & Sønner</b>," in text_of(message)  # the text part is text
    assert_valid_html(html)


@pytest.mark.parametrize("mail", [invoice_mail("nb"), credit_note("en")])
def test_the_html_is_well_formed_and_loads_nothing_from_outside(mail: InvoiceMail) -> None:
    html = html_of(received(mail, start_page_url=START_PAGE, max_bytes=1))
    assert_valid_html(html)
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{mail.language}">' in html
    for outside in ("<img", "<link", "<script", "src=", "url(", "<style"):
        assert outside not in html


def test_the_headers_name_sender_recipient_and_where_to_reply_and_nothing_else_personal() -> None:
    message = received(invoice_mail("en"), message_id_domain="mail.periodeogar.example")
    assert message["From"] == "Visma Software AS <faktura@periodeogar.example>"
    assert message["To"] == "regnskap@fjord.example"
    assert message["Reply-To"] == "faktura@visma.example"
    assert message["Date"].datetime == SENT_AT
    assert message["Message-ID"].endswith("@mail.periodeogar.example>")
    assert message["Content-Language"] == "en"
    assert received(invoice_mail())["Message-ID"].endswith("@periodeogar.example>")
    named = {key.lower() for key in message}
    assert named == {"from", "to", "reply-to", "subject", "date", "message-id", "mime-version"} | {
        "content-type",
        "content-language",
    }


def test_a_sender_with_its_own_name_keeps_it() -> None:
    composed = compose_invoice_mail(
        invoice_mail(),
        DOCUMENTS,
        sender="Periode & År <faktura@periodeogar.example>",
        recipient="regnskap@fjord.example",
        sent_at=SENT_AT,
    )
    message = parsed(composed.raw)
    assert message["Message-ID"].endswith("@periodeogar.example>")
    assert message["From"] == "Periode & År <faktura@periodeogar.example>"


@pytest.mark.parametrize("mail", [invoice_mail("nb", buyer_name="Ærlige Øyvind & Åse AS"), credit_note("en")])
def test_the_message_is_seven_bit_with_crlf_lines_smtp_accepts(mail: InvoiceMail) -> None:
    composed = compose(mail)
    assert b"\n" not in composed.raw.replace(b"\r\n", b"")
    for line in composed.raw.split(b"\r\n"):
        assert line.isascii()
        assert len(line) <= 998


# ---------------------------------------------------------------- the size rule
def big_compressible_csv(size: int) -> bytes:
    rows = random.Random(7)
    lines = [
        f"Klient {rows.randrange(10**6)} AS;{rows.randrange(10**7)},{rows.randrange(100):02d}"
        for _ in range(size // 24)
    ]
    return "\r\n".join(lines).encode()


def test_a_large_basis_is_zipped_and_the_reader_told_so() -> None:
    # Given a basis far over the limit that compresses well
    csv = big_compressible_csv(400_000)
    documents = {**DOCUMENTS, "csv": csv}
    # When the message is composed with a limit of 300 kB
    composed = compose(invoice_mail("nb"), documents, max_bytes=300_000)
    # Then the basis and the EHF go zipped, nothing is left out, and the message fits
    assert len(composed.raw) <= 300_000
    assert composed.attached == ("faktura-123.pdf", "grunnlag-123.zip", "ehf-faktura-123.zip")
    assert composed.compressed == ("grunnlag-123.csv", "ehf-faktura-123.xml")
    assert composed.left_out == ()
    message = parsed(composed.raw)
    found = attachments(message)
    assert found["faktura-123.pdf"] == ("application/pdf", DOCUMENTS["pdf"])
    for zipped, name, original in (
        ("grunnlag-123.zip", "grunnlag-123.csv", csv),
        ("ehf-faktura-123.zip", "ehf-faktura-123.xml", DOCUMENTS["xml"]),
    ):
        content_type, data = found[zipped]
        assert content_type == "application/zip"
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.namelist() == [name]
            assert archive.getinfo(name).compress_type == zipfile.ZIP_DEFLATED
            assert archive.read(name) == original
    for read in as_read(message):
        assert "grunnlag-123.zip: grunnlaget per klient for viderefakturering" in read
        assert (
            "For at e-posten ikke skal bli for stor, er grunnlag-123.csv og ehf-faktura-123.xml pakket i "
            "zip-filer." in read
        )
        assert "Ikke vedlagt" not in read


def test_a_basis_too_large_even_zipped_is_left_out_and_the_reader_told_where_it_is() -> None:
    # Given a basis of bytes that do not compress, over the limit even zipped
    csv = random.Random(11).randbytes(400_000)
    documents = {**DOCUMENTS, "csv": csv}
    composed = compose(invoice_mail("en"), documents, max_bytes=300_000, start_page_url=START_PAGE)
    # Then it is left out, the rest attached (the EHF zipped), and the message fits
    assert len(composed.raw) <= 300_000
    assert composed.attached == ("invoice-123.pdf", "ehf-invoice-123.zip")
    assert composed.compressed == ("ehf-invoice-123.xml",)
    assert composed.left_out == ("basis-123.csv",)
    message = parsed(composed.raw)
    assert list(attachments(message)) == list(composed.attached)
    for read in as_read(message):
        assert "Not attached, as the file is too large to send by e-mail:" in read
        assert "basis-123.csv: the per-client basis for re-invoicing" in read
        assert f"You will find it on your start page in Periode & År: {START_PAGE}" in read
    assert "- basis-123.csv: the per-client basis for re-invoicing" in text_of(message)
    assert f'<a href="{START_PAGE}">{START_PAGE}</a>' in html_of(message)


def test_every_document_is_attached_or_named_as_left_out_never_silently_missing() -> None:
    noise = random.Random(3)
    documents = {
        "pdf": noise.randbytes(50_000),
        "csv": noise.randbytes(200_000),
        "xml": noise.randbytes(120_000),
    }
    names = {"pdf": "faktura-123.pdf", "csv": "grunnlag-123.csv", "xml": "ehf-faktura-123.xml"}
    for limit in (10_000_000, 500_000, 400_000, 300_000, 100_000, 1):
        composed = compose(invoice_mail("nb"), documents, max_bytes=limit)
        message = parsed(composed.raw)
        found = attachments(message)
        text = " ".join(text_of(message).split())
        for kind, name in names.items():
            zipped = name.rsplit(".", 1)[0] + ".zip"
            if name in composed.left_out:
                assert name not in found
                assert zipped not in found
                assert f"- {name}:" in text
                assert "Ikke vedlagt" in text
            elif name in composed.compressed:
                with zipfile.ZipFile(io.BytesIO(found[zipped][1])) as archive:
                    assert archive.read(name) == documents[kind]
            else:
                assert found[name][1] == documents[kind]
        assert "faktura-123.pdf" in found
        assert list(found) == list(composed.attached)


def test_a_pdf_too_large_alone_is_still_sent_and_the_reader_told_where_everything_is() -> None:
    documents = {**DOCUMENTS, "pdf": random.Random(5).randbytes(200_000)}
    composed = compose(invoice_mail("nb"), documents, max_bytes=100_000, start_page_url=START_PAGE)
    assert len(composed.raw) > 100_000  # over the limit: the caller can tell
    assert composed.attached == ("faktura-123.pdf",)
    assert composed.left_out == ("grunnlag-123.csv", "ehf-faktura-123.xml")
    message = parsed(composed.raw)
    assert attachments(message)["faktura-123.pdf"] == ("application/pdf", documents["pdf"])
    for read in as_read(message):
        assert "Ikke vedlagt, fordi filene er for store til å sendes på e-post:" in read
        assert "Fakturaen alene gjør e-posten større enn mange e-posttjenester tar imot." in read
        assert f"Dere finner alle dokumentene på startsiden deres i Periode & År: {START_PAGE}" in read


# ---------------------------------------------------------------- HTML well-formedness
_VOID = {"meta", "br"}


class _Nesting(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"</{tag}> closes nothing open")


def assert_valid_html(html: str) -> None:
    """Every element closed in order, one html with a head holding the title, and a body."""
    nesting = _Nesting()
    nesting.feed(html)
    nesting.close()
    assert nesting.problems == []
    assert nesting.open == []
    assert re.search(r"<head>\s*<meta charset=\"utf-8\">\s*<title>[^<]+</title>\s*</head>\s*<body>", html)
