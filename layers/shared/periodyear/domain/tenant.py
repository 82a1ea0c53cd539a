"""A tenant as billing sees it: its subscription and its clients (CONTRACT §2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Subscription:
    package: str
    price_switch_date: date  # first Oslo date billed at the standard price list
    paid_through: date | None = None  # last Oslo date covered by the prepaid old agreement
    legacy_package: str | None = None


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    org_number: str
    is_bureau_client: bool


@dataclass(frozen=True)
class Address:
    """A postal address (CONTRACT §2): every part optional but the country, ISO 3166 alpha-2."""

    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "NO"

    @property
    def lines(self) -> tuple[str, ...]:
        """As written on an envelope: street, then postal code and city; the country only when abroad."""
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        abroad = self.country if self.country != "NO" else ""
        return tuple(line for line in (self.street, place, abroad) if line)


@dataclass(frozen=True)
class TenantAccount:
    tenant_id: str
    name: str
    org_number: str
    language: str
    subscription: Subscription
    clients: dict[str, Client] = field(default_factory=dict)
    address: Address | None = None  # the invoice address, when the firm has given one
    customer_reference: str | None = None  # the firm's own reference for its invoices ("Deres ref.")


_ADDRESS_PARTS = ("street", "postal_code", "city", "country")


def parse_address(value: object) -> Address | None:
    """The ``address`` map of a PROFILE (CONTRACT §2), None when absent; ``ValueError`` says what is wrong."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("address is not a map of street, postal_code, city and country")
    unknown = sorted(set(value) - set(_ADDRESS_PARTS))
    if unknown:
        raise ValueError(f"address has unknown parts {unknown}; it holds {', '.join(_ADDRESS_PARTS)}")
    parts: dict[str, str] = {}
    for name in _ADDRESS_PARTS:
        part = value.get(name)
        if part is None:
            continue
        if not isinstance(part, str):
            raise ValueError(f"address {name} is not text")
        if part.strip():
            parts[name] = part.strip()
    country = parts.get("country", "NO")
    if len(country) != 2 or not country.isascii() or not country.isalpha() or not country.isupper():
        raise ValueError(f"address country must be an ISO 3166 alpha-2 code such as NO, not {country!r}")
    return Address(**parts)


def address_item(address: Address) -> dict[str, str]:
    """The ``address`` map as the register stores it: the parts that are given, and the country."""
    parts = {"street": address.street, "postal_code": address.postal_code, "city": address.city}
    return {name: text for name, text in parts.items() if text} | {"country": address.country}


def parse_reference(value: object) -> str | None:
    """``customer_reference``: text, None when absent or blank; ``ValueError`` when it is not text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("customer_reference is not text")
    return value.strip() or None
