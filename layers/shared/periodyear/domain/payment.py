"""The payment reference (KID) of an invoice: the invoice number with a MOD10 (Luhn) check digit."""

from __future__ import annotations

from stdnum import luhn

KID_DIGITS = 9  # the invoice number, zero-padded; the check digit makes ten


def kid_for(invoice_number: int) -> str:
    if invoice_number < 1 or invoice_number >= 10**KID_DIGITS:
        raise ValueError(f"invoice number {invoice_number} does not fit a {KID_DIGITS + 1}-digit KID")
    body = f"{invoice_number:0{KID_DIGITS}d}"
    return body + luhn.calc_check_digit(body)
