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
class TenantAccount:
    tenant_id: str
    name: str
    org_number: str
    language: str
    subscription: Subscription
    clients: dict[str, Client] = field(default_factory=dict)
