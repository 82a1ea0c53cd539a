"""E-mail addresses as the project sends to them: what is an address, and its form for SES.

No I/O and no heavy imports: the register's rules, the migration and delivery all use it.
"""

from __future__ import annotations

import unicodedata
from email.errors import MessageError
from email.headerregistry import Address as MailAddress

from periodyear.domain.errors import UnsendableAddress


def is_address(value: object) -> bool:
    """A bare, deliverable addr-spec (``name@example.no``): no display name, no control or line
    separator characters (a line break would inject headers), a local part and a dotted domain.

    Python's own RFC 5322 parser (``email.headerregistry.Address``) decides the syntax; the
    project has no e-mail validation library, and this needs none."""
    if not isinstance(value, str) or not value or len(value) > 254:
        return False
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        return False
    # An internationalised local part (RFC 6531) is an address too, though SES cannot send to it
    # (``ses_address`` says so, and the notice goes to the others): its syntax is checked as if
    # each non-ASCII letter were an ASCII one, which Python's parser accepts.
    local, at, rest = value.rpartition("@")
    spec = "".join(c if c.isascii() else "a" for c in local) + at + rest
    try:
        address = MailAddress(addr_spec=spec)
    except (ValueError, MessageError, IndexError):
        return False
    domain = address.domain
    return (
        address.addr_spec == spec
        and bool(address.username)
        and "." in domain
        and not domain.startswith("[")
        and all(domain.split("."))
    )


def ses_address(address: str) -> str:
    """The address as SES takes it: the domain in its IDNA (punycode) form, so ``post@blåbær.no``
    is sent to ``post@xn--blbr-roah.no``. SES cannot send to a local part (before the @) that is
    not ASCII; such an address, or one that is not an address at all, raises ``UnsendableAddress``."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in address.strip()):
        raise UnsendableAddress("it is not an e-mail address")
    if not local.isascii():
        raise UnsendableAddress("its part before the @ is not ASCII, which SES cannot send to")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")  # IDNA 2003: æ, ø, å as in 2008
    except UnicodeError as error:
        raise UnsendableAddress("its domain is not a valid international domain name") from error
    if "." not in ascii_domain:
        raise UnsendableAddress("its domain has no dot")
    return f"{local}@{ascii_domain}"
