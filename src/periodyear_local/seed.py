"""Writes contract-shaped items (CONTRACT §2–3) the way the other systems would: tests and demo."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from periodyear.adapters.items import batch_write
from periodyear.adapters.register_items import client_item, profile_item, subscription_item, user_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_event_ids = itertools.count(1)
NEW_PRICES_FROM = date(2022, 3, 1)  # the sample catalog's ``new_prices_from``: every PROFILE's terms


def batch_put(client: DynamoDBClient, table: str, items: Iterable[Mapping[str, Any]]) -> int:
    """Write items as the other systems would (through the project's own batch writer)."""
    return batch_write(client, table, items)


def register_items(
    tenant_id: str,
    *,
    package: str,
    price_switch_date: date,
    paid_through: date | None = None,
    legacy_package: str | None = None,
    name: str | None = None,
    org_number: str = "999999999",
    email: str | None = None,
    language: str = "nb",
    clients: Iterable[tuple[str, str, str, bool]] = (),
    users: Iterable[tuple[str, str, str, str]] = (),
    with_subscription: bool = True,
    address: Mapping[str, str] | None = None,
    customer_reference: str | None = None,
    invoice_email: str | None = None,
) -> list[dict[str, Any]]:
    """PROFILE, SUBSCRIPTION, CLIENT# and USER# items of one listed tenant, built by the register's
    own layout; clients are (id, name, org, bureau), users (id, name, email, role)."""
    items = [
        profile_item(
            tenant_id,
            name=name or tenant_id,
            org_number=org_number,
            email=email or f"post@{tenant_id}.example",
            language=language,
            terms_effective_from=NEW_PRICES_FROM,
            address=address,
            customer_reference=customer_reference,
            invoice_email=invoice_email,
        )
    ]
    if with_subscription:
        items.append(
            subscription_item(
                tenant_id,
                package=package,
                price_switch_date=price_switch_date,
                paid_through=paid_through,
                legacy_package=legacy_package,
            )
        )
    items += [client_item(tenant_id, *client) for client in clients]
    items += [user_item(tenant_id, *user) for user in users]
    return items


def _optional_profile(address: Mapping[str, str] | None, customer_reference: str | None) -> dict[str, Any]:
    """The PROFILE's optional ``address`` map and ``customer_reference`` (CONTRACT §1–2), when given."""
    return ({"address": dict(address)} if address else {}) | (
        {"customer_reference": customer_reference} if customer_reference else {}
    )


def usage_item(
    tenant_id: str, usage_type: str, occurred_at: str, *, event_id: str | None = None, **attributes: Any
) -> dict[str, Any]:
    """One usage item; ``client_id=`` or ``user_id=`` as the type needs."""
    event = event_id or f"e{next(_event_ids):07d}"
    return {
        "pk": f"TENANT#{tenant_id}",
        "sk": f"{usage_type}#{occurred_at}#{event}",
        "type": usage_type,
        "occurred_at": occurred_at,
        "event_id": event,
        **attributes,
    }


def legacy_items(
    tenant_id: str,
    *,
    package: str | None = "PERIODE_OG_AR",
    interval_months: int | None = 3,
    current_period_start: str | None = "2021-11-15",
    name: str | None = None,
    org_number: str = "912345678",
    email: str | None = None,
    language: str | None = "nb",
    clients: Iterable[tuple[str, str, str]] = (),
    bureau_client: tuple[str, str, str] | None = None,
    users: Iterable[tuple[str, str, str, str]] = (),
    with_profile: bool = True,
    with_agreement: bool = True,
    address: Mapping[str, str] | None = None,
    customer_reference: str | None = None,
) -> list[dict[str, Any]]:
    """The old platform's items of one tenant (CONTRACT §1); clients are (id, name, org),
    users (id, name, email, role)."""
    pk = f"TENANT#{tenant_id}"
    items: list[dict[str, Any]] = []
    if with_profile:
        items.append(
            {
                "pk": pk,
                "sk": "PROFILE",
                "tenant_id": tenant_id,
                "name": name or f"Firma {tenant_id}",
                "org_number": org_number,
                "email": email or f"post@{tenant_id}.example",
                "language": language,
            }
            | _optional_profile(address, customer_reference)
        )
    if with_agreement:
        items.append(
            {
                "pk": pk,
                "sk": "AGREEMENT",
                "package": package,
                "interval_months": interval_months,
                "current_period_start": current_period_start,
            }
        )
    items += [
        {"pk": pk, "sk": f"CLIENT#{c}", "client_id": c, "name": n, "org_number": o} for c, n, o in clients
    ]
    if bureau_client:
        c, n, o = bureau_client
        items.append({"pk": pk, "sk": "BUREAU_CLIENT", "client_id": c, "name": n, "org_number": o})
    items += [
        {"pk": pk, "sk": f"USER#{u}", "user_id": u, "name": n, "email": e, "role": r} for u, n, e, r in users
    ]
    return items


def eventbridge_event(
    detail_type: str, detail: dict[str, Any], time: str, source: str = "periodyear.migration"
) -> dict[str, Any]:
    """An event as EventBridge delivers it to a Lambda function."""
    return {
        "version": "0",
        "id": f"local-{next(_event_ids)}",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": time,
        "region": "eu-north-1",
        "resources": [],
        "detail": detail,
    }
