"""The EHF e-invoice: PEPPOL BIS Billing 3.0, a UBL 2.1 ``Invoice`` or, for a credit note
(CONTRACT §5a), a UBL 2.1 ``CreditNote`` (elements in schema order).

A credit note shows every amount of the record negated, so its totals are positive (what is
credited); a line that adds to what the buyer owes (a charge of the period, or a correction
piece at its new price) is shown with a negative quantity and amount. Prices are never
negative (BR-27): the sign is on the quantity, so quantity × price = amount holds on every line
(PEPPOL-EN16931-R120). A document holding correction lines references each invoice it corrects
(``BillingReference``)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from xml.etree import ElementTree as ET

from stdnum.no import orgnr

from periodyear.config import Seller
from periodyear.documents import wording
from periodyear.domain.errors import DocumentError
from periodyear.domain.invoice import Invoice, InvoiceLine
from periodyear.domain.money import ORE
from periodyear.domain.tenant import TenantAccount

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
ORGNR_SCHEME = "0192"  # Norwegian organisation number (Enhetsregisteret)
UNIT = "C62"  # "one": a client, a user, a fee
ET.register_namespace("", UBL)
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)


def _cac(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{CAC}}}{name}")


def _cbc(parent: ET.Element, tag: str, text: object, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CBC}}}{tag}", attributes)
    element.text = str(text)
    return element


def _money(parent: ET.Element, tag: str, amount: Decimal, currency: str) -> None:
    _cbc(parent, tag, amount.quantize(ORE), currencyID=currency)


def _plain(number: Decimal) -> str:
    """25.00 → 25, 0.1250 → 0.125, 100 → 100 (never exponent notation)."""
    return format(number.normalize(), "f")


def _price(price: Decimal) -> str:
    return str(price.quantize(ORE)) if price == price.quantize(ORE) else _plain(price)


def _vat_category(parent: ET.Element, tag: str, percent: Decimal) -> None:
    category = _cac(parent, tag)
    _cbc(category, "ID", "S")
    _cbc(category, "Percent", _plain(percent))
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _country(address: ET.Element, code: str = "NO") -> None:
    _cbc(_cac(address, "Country"), "IdentificationCode", code)


def ehf_lines(
    line: InvoiceLine, language: str = "nb", description: str | None = None, *, credit_note: bool = False
) -> list[tuple[int, Decimal, Decimal, str]]:
    """(quantity, unit price, amount, note) per e-invoice line: one per price piece (a tier of a
    graduated charge, or a correction's piece at a price), so quantity × price = amount holds on
    each (PEPPOL-EN16931-R120). A piece priced finer than øre cannot be shown so; then the charge
    is one line at its rounded amount, quantity 1 (-1 for a negative amount, the price positive).
    In a credit note (``credit_note``) every quantity and amount is negated; prices never are.
    The note is written in ``language`` (``10 × 45,00`` in Norwegian; a correction's negative
    piece, what the corrected invoice charged at a price: ``tidligere fakturert 5 × 100,00``)."""
    sign = -1 if credit_note else 1
    pieces = line.pieces
    exact = all(p.amount == p.amount.quantize(ORE) for p in pieces)
    if pieces and exact and sum((p.amount for p in pieces), Decimal(0)) == line.amount:
        multi = len(pieces) > 1
        return [
            (
                sign * p.quantity,
                p.unit_price,
                sign * p.amount,
                wording.piece(p.quantity, p.unit_price, language) if multi else "",
            )
            for p in pieces
        ]
    text = description if description is not None else line.description
    quantity = 1 if line.amount >= 0 else -1
    return [
        (
            sign * quantity,
            abs(line.amount),
            sign * line.amount,
            f"{wording.quantity(line.quantity, language)} × {text}",
        )
    ]


def _supplier(root: ET.Element, seller: Seller) -> None:
    party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    _cbc(party, "EndpointID", seller.org_number, schemeID=ORGNR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", seller.name)
    address = _cac(party, "PostalAddress")
    _cbc(address, "StreetName", seller.street)
    _cbc(address, "CityName", seller.city)
    _cbc(address, "PostalZone", seller.postal_code)
    _country(address)
    vat_scheme = _cac(party, "PartyTaxScheme")
    _cbc(vat_scheme, "CompanyID", seller.vat_id)
    _cbc(_cac(vat_scheme, "TaxScheme"), "ID", "VAT")
    register = _cac(party, "PartyTaxScheme")
    _cbc(register, "CompanyID", "Foretaksregisteret")
    _cbc(_cac(register, "TaxScheme"), "ID", "TAX")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", seller.name)
    _cbc(legal, "CompanyID", seller.org_number, schemeID=ORGNR_SCHEME)
    _cbc(_cac(party, "Contact"), "ElectronicMail", seller.email)


def _customer(root: ET.Element, buyer: TenantAccount) -> None:
    party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    _cbc(party, "EndpointID", buyer.org_number, schemeID=ORGNR_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", buyer.name)
    address = _cac(party, "PostalAddress")
    given = buyer.address
    if given is not None:
        for tag, text in (
            ("StreetName", given.street),
            ("CityName", given.city),
            ("PostalZone", given.postal_code),
        ):
            if text:
                _cbc(address, tag, text)
    _country(address, given.country if given else "NO")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", buyer.name)
    _cbc(legal, "CompanyID", buyer.org_number, schemeID=ORGNR_SCHEME)


PAYMENT_TERMS = {"nb": "{days} dager netto", "en": "{days} days net"}
CREDITED = {  # a credit note's payment terms: nothing to pay (BR-CO-25 wants terms for a positive amount)
    "nb": "Kreditnota: beløpet godskrives dere, ingenting å betale",
    "en": "Credit note: the amount is credited to you, nothing to pay",
}
BASIS_DESCRIPTION = {
    "nb": "Grunnlag per klient for viderefakturering",
    "en": "Per-client basis for re-invoicing",
}


def _payment_and_totals(root: ET.Element, invoice: Invoice, seller: Seller, kid: str, language: str) -> None:
    """An invoice is paid to the seller's account with the KID; a credit note is paid by no one
    (no ``PaymentMeans``), its terms say the amount is credited, and its totals are positive."""
    draft = invoice.draft
    currency = draft.currency
    credit = draft.document_type == "CREDIT_NOTE"
    sign = -1 if credit else 1
    if credit:
        _cbc(_cac(root, "PaymentTerms"), "Note", CREDITED[language])
    else:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "30", name="Credit transfer")
        _cbc(means, "PaymentID", kid)
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", seller.bank_account)
        _cbc(
            _cac(root, "PaymentTerms"),
            "Note",
            PAYMENT_TERMS[language].format(days=(draft.due_date - draft.issue_date).days),
        )
    subtotal_shown, vat_shown, total_shown = (
        sign * a for a in (draft.subtotal, draft.vat_amount, draft.total)
    )
    tax_total = _cac(root, "TaxTotal")
    _money(tax_total, "TaxAmount", vat_shown, currency)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _money(subtotal, "TaxableAmount", subtotal_shown, currency)
    _money(subtotal, "TaxAmount", vat_shown, currency)
    _vat_category(subtotal, "TaxCategory", draft.vat_rate * 100)
    totals = _cac(root, "LegalMonetaryTotal")
    _money(totals, "LineExtensionAmount", subtotal_shown, currency)
    _money(totals, "TaxExclusiveAmount", subtotal_shown, currency)
    _money(totals, "TaxInclusiveAmount", total_shown, currency)
    _money(totals, "PayableAmount", total_shown, currency)


def _lines(root: ET.Element, invoice: Invoice, language: str, descriptions: Mapping[str, str]) -> None:
    draft = invoice.draft
    credit = draft.document_type == "CREDIT_NOTE"
    tag, quantity_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    number = 0
    for line in draft.lines:
        description = wording.describe(line.code, line.description, language, descriptions)
        correction = (
            wording.correction_heading(line.corrected_period, line.correction_of, language)
            if line.corrected_period is not None and line.correction_of is not None
            else ""
        )
        for quantity, price, amount, note in ehf_lines(line, language, description, credit_note=credit):
            number += 1
            element = _cac(root, tag)
            _cbc(element, "ID", number)
            if text := ": ".join(t for t in (correction, note) if t):
                _cbc(element, "Note", text)
            _cbc(element, quantity_tag, quantity, unitCode=UNIT)
            _money(element, "LineExtensionAmount", amount, draft.currency)
            item = _cac(element, "Item")
            _cbc(item, "Name", description)
            _cbc(_cac(item, "SellersItemIdentification"), "ID", line.code)
            _vat_category(item, "ClassifiedTaxCategory", draft.vat_rate * 100)
            _cbc(_cac(element, "Price"), "PriceAmount", _price(price), currencyID=draft.currency)


def _basis_attachment(root: ET.Element, invoice: Invoice, basis_csv: bytes, language: str) -> None:
    """The re-invoicing basis travels with the e-invoice as an embedded CSV (BG-24)."""
    reference = _cac(root, "AdditionalDocumentReference")
    _cbc(reference, "ID", f"BASIS-{invoice.invoice_number}")
    _cbc(reference, "DocumentDescription", BASIS_DESCRIPTION[language])
    _cbc(
        _cac(reference, "Attachment"),
        "EmbeddedDocumentBinaryObject",
        base64.b64encode(basis_csv).decode(),
        mimeCode="text/csv",
        filename=f"{invoice.invoice_number}-basis.csv",
    )


def ehf_held_reason(buyer: TenantAccount) -> str | None:
    """Why no EHF can be written for ``buyer`` (its org number fails MOD11, so the e-invoice
    cannot address it), or None. The PDF and the CSV do not depend on it."""
    if orgnr.is_valid(buyer.org_number):
        return None
    return (
        f"tenant {buyer.tenant_id}'s org number {buyer.org_number!r} is not a valid "
        "Norwegian organisation number; the e-invoice cannot address it"
    )


def build_ehf(
    invoice: Invoice,
    buyer: TenantAccount,
    seller: Seller,
    kid: str,
    basis_csv: bytes | None = None,
    *,
    descriptions: Mapping[str, str] | None = None,
) -> bytes:
    """The invoice as an EHF (PEPPOL BIS Billing 3.0) document, UTF-8 bytes, its texts in the
    buyer's language; with ``basis_csv``, the per-client basis is embedded as an attachment.
    ``descriptions`` (charge code → text in the buyer's language) defaults to the catalog's.

    ``BuyerReference`` is the firm's own ``customer_reference``; a firm that has given none gets
    its organisation number there (PEPPOL-EN16931-R003 requires a reference), never the
    project's internal tenant id."""
    draft = invoice.draft
    language = wording.language_of(buyer.language)
    texts = descriptions if descriptions is not None else wording.catalog_descriptions(language)
    if (reason := ehf_held_reason(buyer)) is not None:
        raise DocumentError(reason)
    credit = draft.document_type == "CREDIT_NOTE"
    # ElementTree has one default namespace for the process (the Invoice's); a CreditNote root
    # declares its own, so both are written with an unprefixed root element.
    root = ET.Element("CreditNote", xmlns=UBL_CREDIT_NOTE) if credit else ET.Element(f"{{{UBL}}}Invoice")
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.invoice_number)
    _cbc(root, "IssueDate", draft.issue_date.isoformat())
    if credit:
        _cbc(root, "CreditNoteTypeCode", "381")  # a CreditNote has no DueDate: nothing falls due
    else:
        _cbc(root, "DueDate", draft.due_date.isoformat())
        _cbc(root, "InvoiceTypeCode", "380")
    _cbc(root, "Note", wording.document_heading(draft, language))
    _cbc(root, "DocumentCurrencyCode", draft.currency)
    _cbc(root, "BuyerReference", buyer.customer_reference or buyer.org_number)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", draft.period.start.isoformat())
    _cbc(period, "EndDate", draft.period.last_day.isoformat())
    for corrected in draft.corrected_invoices:
        _cbc(_cac(_cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", corrected)
    if basis_csv is not None:
        _basis_attachment(root, invoice, basis_csv, language)
    _supplier(root, seller)
    _customer(root, buyer)
    _payment_and_totals(root, invoice, seller, kid, language)
    _lines(root, invoice, language, texts)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
