"""The register table's items (CONTRACT §2 and the register API's own), built and read here alone.

Every key (``pk`` = ``TENANT#<tenant_id>``; ``sk`` = ``PROFILE``, ``SUBSCRIPTION``, ``CLIENT#<id>``,
``USER#<id>`` and the API's guards ``ORGNR#<org_number>``, ``EMAIL#<address>``, ``ADMINS``), the
``gsi1`` keys through which billing lists tenants, and every item's attributes: the stores,
billing, the migration, delivery and the local seed go through this module, so a change of the
layout is one edit that every test sees. Domain types are imported where an item becomes one, so
a function importing this module (delivery, billing) loads only the types it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from periodyear.domain.calendar import format_instant, parse_date
from periodyear.domain.errors import InvalidDate, TenantDataError, TenantNotFound

if TYPE_CHECKING:
    from periodyear.domain.client_register import Member, NewTenant, RegisterClient, RegisterUser
    from periodyear.domain.delivery import Buyer
    from periodyear.domain.migration import RegisterProfile, RegisterTenant
    from periodyear.domain.tenant import Client, Subscription, TenantAccount

Item = Mapping[str, Any]  # an item as plain values (``items.from_item``)

# ---------------------------------------------------------------------- keys
PROFILE, SUBSCRIPTION, ADMINS = "PROFILE", "SUBSCRIPTION", "ADMINS"  # ADMINS: the API's admin count
CLIENT_PREFIX, USER_PREFIX = "CLIENT#", "USER#"
TENANTS_INDEX, LISTED = "gsi1", "TENANTS"  # gsi1pk of every listed PROFILE; gsi1sk is its tenant id
LISTING = ("gsi1pk", "gsi1sk")  # the PROFILE's keys in ``gsi1``, through which billing lists tenants
ACTIVE = "ACTIVE"
# The API's guard items' sets, and the PROFILE's marks that a tenant's guard items are complete.
CLIENT_HOLDERS, USER_HOLDERS, ADMIN_COUNT = "client_ids", "user_ids", "count"
ORG_GUARDS, USER_GUARDS = "org_guards", "user_guards"
VERSION, ARCHIVED, MIGRATED_AT = "version", "archived_at", "migrated_at"
MOVED_OPTIONAL = ("address", "customer_reference")  # a move's PROFILE attributes that may be absent


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def client_sk(client_id: str) -> str:
    return f"{CLIENT_PREFIX}{client_id}"


def user_sk(user_id: str) -> str:
    return f"{USER_PREFIX}{user_id}"


def org_number_sk(org_number: str) -> str:
    """The guard item naming the active clients that hold an org number."""
    return f"ORGNR#{org_number}"


def email_sk(address: str) -> str:
    """The guard item naming the users with an address (its case does not count)."""
    from periodyear.domain.client_register import email_key  # noqa: PLC0415

    return f"EMAIL#{email_key(address)}"


def key(tenant_id: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": tenant_pk(tenant_id)}, "sk": {"S": sk}}


def listing(tenant_id: str) -> dict[str, str]:
    """The PROFILE's ``gsi1`` keys: listed, so billing bills the tenant."""
    return dict(zip(LISTING, (LISTED, tenant_id), strict=True))


def is_listed(profile: Item) -> bool:
    """The PROFILE is in ``gsi1`` (a sparse index: both keys present)."""
    return profile.get(LISTING[0]) == LISTED and LISTING[1] in profile


def unlisted(item: Item) -> dict[str, Any]:
    """A register item without the ``gsi1`` keys (a PROFILE that billing cannot list yet)."""
    return {k: v for k, v in item.items() if k not in LISTING}


def listed_query(after: str | None = None) -> dict[str, Any]:
    """A ``Query`` of ``gsi1``'s listed tenants (keys only), in tenant id order after ``after``."""
    arguments: dict[str, Any] = {
        "IndexName": TENANTS_INDEX,
        "KeyConditionExpression": f"{LISTING[0]} = :listed",
        "ExpressionAttributeValues": {":listed": {"S": LISTED}},
    }
    if after is not None:
        start = {name: {"S": value} for name, value in listing(after).items()}
        arguments["ExclusiveStartKey"] = start | key(after, PROFILE)
    return arguments


def listed_tenant_id(raw: Item) -> str:  # a raw ``gsi1`` item's
    return str(raw[LISTING[1]]["S"])


# ---------------------------------------------------------------------- items
def profile_item(
    tenant_id: str,
    *,
    name: str,
    org_number: str,
    email: str,
    language: str,
    terms_effective_from: date,
    migrated_at: datetime | None = None,
    address: Mapping[str, str] | None = None,
    customer_reference: str | None = None,
    invoice_email: str | None = None,
) -> dict[str, Any]:
    """A listed PROFILE as CONTRACT §2 writes it; optional attributes only when given."""
    from periodyear.domain.migration import TERMS_PROVIDER  # noqa: PLC0415 (only a profile's writers)

    item: dict[str, Any] = {
        "pk": tenant_pk(tenant_id),
        "sk": PROFILE,
        "tenant_id": tenant_id,
        "name": name,
        "org_number": org_number,
        "email": email,
        "language": language,
        "status": ACTIVE,
        "terms_provider": TERMS_PROVIDER,
        "terms_effective_from": terms_effective_from.isoformat(),
    }
    item |= {MIGRATED_AT: format_instant(migrated_at)} if migrated_at is not None else {}
    item |= listing(tenant_id)
    item |= {"address": dict(address)} if address else {}
    item |= {"customer_reference": customer_reference} if customer_reference else {}
    return item | ({"invoice_email": invoice_email} if invoice_email else {})


def subscription_item(
    tenant_id: str,
    *,
    package: str,
    price_switch_date: date,
    paid_through: date | None = None,
    legacy_package: str | None = None,
) -> dict[str, Any]:
    """A SUBSCRIPTION (``None``: not written, as a new tenant's ``paid_through``, ``legacy_package``)."""
    return {
        "pk": tenant_pk(tenant_id),
        "sk": SUBSCRIPTION,
        "package": package,
        "legacy_package": legacy_package,
        "paid_through": paid_through.isoformat() if paid_through else None,
        "price_switch_date": price_switch_date.isoformat(),
    }


def client_item(tenant_id: str, client_id: str, name: str, org_number: str, bureau: bool) -> dict[str, Any]:
    """A ``CLIENT#`` item as CONTRACT §2 writes it (a move, another system)."""
    return {
        "pk": tenant_pk(tenant_id),
        "sk": client_sk(client_id),
        "client_id": client_id,
        "name": name,
        "org_number": org_number,
        "is_bureau_client": bureau,
    }


def versioned_client_item(tenant_id: str, client: RegisterClient) -> dict[str, Any]:
    """A client as the register API keeps it: CONTRACT §2's attributes and its version and times."""
    item = client_item(tenant_id, client.client_id, client.name, client.org_number, client.is_bureau_client)
    return item | client_changes(client)


def client_changes(client: RegisterClient) -> dict[str, Any]:
    """What a change of a client sets: every attribute but its keys and id (``None``: not set)."""
    return {
        "name": client.name,
        "org_number": client.org_number,
        "is_bureau_client": client.is_bureau_client,
        VERSION: client.version,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        ARCHIVED: client.archived_at,
    }


def user_item(tenant_id: str, user_id: str, name: str, email: str, role: str) -> dict[str, Any]:
    """A ``USER#`` item as CONTRACT §2 writes it."""
    pk, sk = tenant_pk(tenant_id), user_sk(user_id)
    return {"pk": pk, "sk": sk, "user_id": user_id, "name": name, "email": email, "role": role}


def versioned_user_item(tenant_id: str, user: RegisterUser) -> dict[str, Any]:
    item = user_item(tenant_id, user.user_id, user.name, user.email, user.role)
    return item | {VERSION: user.version, "created_at": user.created_at, "updated_at": user.updated_at}


def user_changes(user: RegisterUser) -> dict[str, Any]:
    """What a change of a user sets."""
    changes = {"name": user.name, "email": user.email, "role": user.role, VERSION: user.version}
    return changes | {"updated_at": user.updated_at}


def profile_changes(changes: Item, *, version: int, at: str) -> tuple[dict[str, Any], list[str]]:
    """What a change of the PROFILE sets (its fields, its new version and time) and removes
    (the fields changed to ``None``)."""
    sets = {k: v for k, v in changes.items() if v is not None} | {VERSION: version, "updated_at": at}
    return sets, [k for k, v in changes.items() if v is None]


def moved_tenant_items(tenant: RegisterTenant) -> list[dict[str, Any]]:
    """The register items of a moved tenant, exactly as CONTRACT §2 writes them, PROFILE first."""
    from periodyear.domain.tenant import address_item  # noqa: PLC0415

    tenant_id, terms = tenant.tenant_id, tenant.terms
    profile = profile_item(
        tenant_id,
        name=tenant.name,
        org_number=tenant.org_number,
        email=tenant.email,
        language=tenant.language,
        terms_effective_from=terms.terms_effective_from,
        migrated_at=tenant.migrated_at,
        address=address_item(tenant.address) if tenant.address else None,
        customer_reference=tenant.customer_reference,
    )
    subscription = subscription_item(
        tenant_id,
        package=terms.package,
        price_switch_date=terms.price_switch_date,
        paid_through=terms.paid_through,
        legacy_package=terms.legacy_package,
    )
    clients = [
        client_item(tenant_id, c.client_id, c.name, c.org_number, c.is_bureau_client) for c in tenant.clients
    ]
    users = [user_item(tenant_id, u.user_id, u.name, u.email, u.role) for u in tenant.users]
    return [profile, subscription, *clients, *users]


def new_tenant_items(tenant: NewTenant) -> list[dict[str, Any]]:
    """Every item of a tenant created in the new service: listed at once (the next monthly run
    bills it), its guards complete (nothing the migration wrote is left to guard), one admin."""
    tenant_id, admin, created = tenant.tenant_id, tenant.admin, tenant.created_at
    profile = profile_item(
        tenant_id,
        name=tenant.name,
        org_number=tenant.org_number,
        email=tenant.email,
        language=tenant.language,
        terms_effective_from=tenant.terms_effective_from,
        address=tenant.address,
        customer_reference=tenant.customer_reference,
    ) | {VERSION: 1, "created_at": created, "updated_at": created, ORG_GUARDS: created, USER_GUARDS: created}
    subscription = subscription_item(
        tenant_id, package=tenant.package, price_switch_date=tenant.price_switch_date
    )
    pk = tenant_pk(tenant_id)
    email = {"pk": pk, "sk": email_sk(admin.email), USER_HOLDERS: {admin.user_id}}
    admins = {"pk": pk, "sk": ADMINS, ADMIN_COUNT: 1}
    return [profile, subscription, versioned_user_item(tenant_id, admin), email, admins]


# ---------------------------------------------------------------------- parsing
def _id(item: Item, name: str, prefix: str) -> str:
    return str(item.get(name) or str(item["sk"]).removeprefix(prefix))


def register_client(item: Item) -> RegisterClient:
    from periodyear.domain.client_register import RegisterClient  # noqa: PLC0415

    return RegisterClient(
        client_id=_id(item, "client_id", CLIENT_PREFIX),
        name=str(item.get("name", "")),
        org_number=str(item.get("org_number", "")),
        is_bureau_client=item.get("is_bureau_client") is True,
        version=int(item.get(VERSION, 0)),
        archived_at=item.get(ARCHIVED),
        created_at=item.get("created_at"),
        updated_at=item.get("updated_at"),
    )


def register_user(item: Item) -> RegisterUser:
    from periodyear.domain.client_register import RegisterUser  # noqa: PLC0415

    return RegisterUser(
        user_id=_id(item, "user_id", USER_PREFIX),
        name=str(item.get("name", "")),
        email=str(item.get("email", "")),
        role=str(item.get("role", "")),
        version=int(item.get(VERSION, 0)),
        created_at=item.get("created_at"),
        updated_at=item.get("updated_at"),
    )


def member(profile: Item | None, user: Item | None) -> Member:
    """A caller's standing: its tenant's PROFILE is active, and its ``USER#`` item's role."""
    from periodyear.domain.client_register import Member  # noqa: PLC0415

    active = profile is not None and profile.get("status") == ACTIVE
    return Member(tenant_active=active, role=str(user["role"]) if user and user.get("role") else None)


def tenant_summary(tenant_id: str, profile: Item, subscription: Item) -> dict[str, Any]:
    """An operator's line of a tenant: its PROFILE's fields and its SUBSCRIPTION's ``package``."""
    fields = {name: profile.get(name) for name in ("name", "org_number", "status")}
    return {"tenant_id": tenant_id, **fields, "package": subscription.get("package")}


BUYER_READ: dict[str, Any] = {  # a PROFILE's attributes that say where invoices go (``get_item`` arguments)
    "ProjectionExpression": "#name, org_number, email, invoice_email, #language",
    "ExpressionAttributeNames": {"#name": "name", "#language": "language"},
}


def buyer(tenant_id: str, profile: Item) -> Buyer:
    from periodyear.domain.delivery import Buyer  # noqa: PLC0415

    return Buyer(
        tenant_id=tenant_id,
        name=str(profile.get("name", "")),
        org_number=str(profile.get("org_number", "")),
        address=str(profile.get("invoice_email") or profile.get("email") or ""),
        language=str(profile.get("language") or "nb"),
    )


def register_profile(tenant_id: str, profile: Item) -> RegisterProfile:
    from periodyear.domain.migration import RegisterProfile  # noqa: PLC0415

    return RegisterProfile(tenant_id, str(profile.get("name", "")), str(profile.get("org_number", "")))


def _billed_client(item: Item) -> Client:
    from periodyear.domain.tenant import Client  # noqa: PLC0415

    name, org = str(item.get("name", "")), str(item.get("org_number", ""))
    return Client(_id(item, "client_id", CLIENT_PREFIX), name, org, item.get("is_bureau_client") is True)


def tenant_account(tenant_id: str, items: Iterable[Item]) -> TenantAccount:
    """A tenant as billing reads it from its partition's items: profile, subscription, clients."""
    from periodyear.domain.tenant import TenantAccount, parse_address, parse_reference  # noqa: PLC0415

    by_sk = {str(item["sk"]): item for item in items}
    profile, subscription = by_sk.get(PROFILE), by_sk.get(SUBSCRIPTION)
    clients = [_billed_client(item) for sk, item in by_sk.items() if sk.startswith(CLIENT_PREFIX)]
    if profile is None:
        raise TenantNotFound(f"tenant {tenant_id} has no profile in the register")
    if profile.get(LISTING[0]) != LISTED:  # listed by a move's last write, once verified
        raise TenantNotFound(f"tenant {tenant_id} is not listed for billing: its move is not complete")
    if subscription is None:
        raise TenantDataError(f"tenant {tenant_id} has no subscription in the register")
    terms = _subscription(tenant_id, subscription)
    try:
        address = parse_address(profile.get("address"))
        reference = parse_reference(profile.get("customer_reference"))
    except ValueError as problem:
        raise TenantDataError(f"tenant {tenant_id}'s profile {problem}") from None
    return TenantAccount(
        tenant_id=tenant_id,
        name=str(profile.get("name", "")),
        org_number=str(profile.get("org_number", "")),
        language=str(profile.get("language") or "nb"),
        subscription=terms,
        clients={client.client_id: client for client in clients},
        address=address,
        customer_reference=reference,
    )


def _subscription(tenant_id: str, item: Item) -> Subscription:
    from periodyear.domain.tenant import Subscription  # noqa: PLC0415

    package = item.get("package")
    if not isinstance(package, str) or not package:
        raise TenantDataError(f"tenant {tenant_id}'s subscription has no package")
    switch = _optional_date(tenant_id, item, "price_switch_date")
    if switch is None:
        raise TenantDataError(f"tenant {tenant_id}'s subscription has no price_switch_date")
    return Subscription(
        package=package,
        price_switch_date=switch,
        paid_through=_optional_date(tenant_id, item, "paid_through"),
        legacy_package=item.get("legacy_package"),
    )


def _optional_date(tenant_id: str, item: Item, name: str) -> date | None:
    value = item.get(name)
    problem = f"tenant {tenant_id}'s subscription {name} is not an ISO date: {value!r}"
    try:
        return None if value is None else parse_date(value)
    except InvalidDate:
        raise TenantDataError(problem) from None
