"""The client register's rules as its API applies them (CONTRACT §9), with no I/O.

Ids, organisation numbers (9 digits, MOD11), the clients a tenant may change, and the errors
the API maps to problem+json in one place (each carries its HTTP status; ``Conflict``, the
domain's one, is a 409). Who the caller is comes from the token's claims alone; a user's role
from its register item, read on each call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from periodyear.domain.errors import Conflict as Conflict  # noqa: PLC0414 (re-exported: one Conflict)
from periodyear.domain.errors import PeriodYearError

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
OPERATORS_GROUP = "operators"


class RegisterError(PeriodYearError):
    """A request the register refuses; ``status`` is the HTTP status its problem carries."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}


class Unauthenticated(RegisterError):
    status, title = 401, "Not signed in"


class Forbidden(RegisterError):
    status, title = 403, "Not allowed"


class NotFound(RegisterError):
    status, title = 404, "Not found"


class Stale(RegisterError):
    status, title = 412, "Changed since it was read"


class Invalid(RegisterError):
    status, title = 422, "Invalid fields"


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"


@dataclass(frozen=True)
class Caller:
    """Who calls, from the token's claims only: a tenant's user, or an operator."""

    tenant_id: str | None
    user_id: str | None
    operator: bool
    subject: str | None = None  # the token's ``sub``: who an operator is, for events

    @property
    def actor(self) -> str:
        """Who made a change, as an event names it (an id, never an address)."""
        return self.user_id or self.subject or "operator"


def _groups(value: object) -> list[str]:
    """``cognito:groups`` as API Gateway passes it (``[operators other]``) or as a JSON list."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if not isinstance(value, str):
        return []
    text = value.strip()
    if text.startswith("[") and '"' in text:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
    return [part for part in text.strip("[]").replace(",", " ").split() if part]


def caller_from_claims(claims: object) -> Caller:
    """The caller the JWT authorizer's claims name; ``Unauthenticated`` when they name none."""
    if not isinstance(claims, dict):
        raise Unauthenticated("the request carries no verified token")
    tenant, user = claims.get("custom:tenant_id"), claims.get("custom:user_id")
    operator = OPERATORS_GROUP in _groups(claims.get("cognito:groups"))
    tenant_id = tenant if isinstance(tenant, str) and ID.match(tenant) else None
    user_id = user if isinstance(user, str) and ID.match(user) else None
    if tenant_id is None or user_id is None:
        tenant_id = user_id = None
    if not operator and tenant_id is None:
        raise Unauthenticated("the token names no tenant's user and no operator")
    sub = claims.get("sub")
    return Caller(tenant_id, user_id, operator, sub if isinstance(sub, str) and ID.match(sub) else None)


def tenant_user(caller: Caller) -> tuple[str, str]:
    """The caller's tenant and user id; an operator (no tenant's user) may not."""
    if caller.tenant_id is None or caller.user_id is None:
        raise Forbidden("this route is for a tenant's users")
    return caller.tenant_id, caller.user_id


def check_member(member: Member) -> None:
    """The caller's tenant is active and the caller still one of its users."""
    if not member.tenant_active:
        raise Forbidden("the tenant is not active in the register")
    if member.role is None:
        raise Unauthenticated("the signed-in user is no longer a user of the tenant")


def check_id(name: str, value: str) -> str:
    if not ID.match(value):
        raise Invalid(
            f"{name} must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            fields={name: "not an id"},
        )
    return value


def org_number(value: str, name: str = "org_number") -> str:
    """A Norwegian organisation number: 9 digits whose last is the MOD11 check digit."""
    from stdnum.no import orgnr  # noqa: PLC0415 (only the register's writes need it)

    if not (len(value) == 9 and value.isascii() and value.isdigit()):
        raise Invalid(f"{name} must be 9 digits", fields={name: "not 9 digits"})
    if not orgnr.is_valid(value):
        raise Invalid(f"{name} {value} fails the MOD11 check digit", fields={name: "MOD11 check digit"})
    return value


@dataclass(frozen=True)
class Member:
    """The caller's standing in its tenant, as the register holds it now."""

    tenant_active: bool
    role: str | None  # None: no USER# item (removed, or never added)


@dataclass(frozen=True)
class RegisterClient:
    """A client of a tenant, as the register keeps it (CONTRACT §2, with the API's additions)."""

    client_id: str
    name: str
    org_number: str
    is_bureau_client: bool
    version: int = 0  # 0: written by the migration, never changed through the API
    archived_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def as_resource(self) -> dict[str, object]:
        shown: dict[str, object] = {
            "client_id": self.client_id,
            "name": self.name,
            "org_number": self.org_number,
            "is_bureau_client": self.is_bureau_client,
        }
        if self.archived_at is not None:
            shown["archived_at"] = self.archived_at
        return shown


@dataclass(frozen=True)
class ClientChange:
    """What a PATCH asks for: only the fields it names."""

    name: str | None = None
    org_number: str | None = None
    asked: frozenset[str] = field(default_factory=frozenset)


def check_changeable(client: RegisterClient) -> None:
    if client.archived:
        raise Conflict(f"client {client.client_id} is archived, and an archived client is read-only")


def check_archivable(client: RegisterClient) -> None:
    if client.is_bureau_client:
        raise Conflict(f"client {client.client_id} is the firm's own (bureau) client, which stays")


def check_version(client: RegisterClient, if_match: int | None) -> None:
    """``If-Match`` (the version an ETag named) must still be the client's version."""
    if if_match is not None and if_match != client.version:
        raise Stale(f"client {client.client_id} changed since that version was read (If-Match)")


TENANT_FIELDS = (
    "tenant_id",
    "name",
    "org_number",
    "email",
    "invoice_email",
    "language",
    "address",
    "customer_reference",
    "status",
    "package",
    "price_switch_date",
    "paid_through",
    "migrated_at",
)


def tenant_view(profile: dict[str, object], subscription: dict[str, object] | None) -> dict[str, object]:
    """``GET /v1/tenant``: the profile and subscription fields of CONTRACT §9, absent ones omitted."""
    merged = {
        **{
            k: v
            for k, v in (subscription or {}).items()
            if k in ("package", "price_switch_date", "paid_through")
        }
    }
    merged |= {k: v for k, v in profile.items() if k in TENANT_FIELDS and k not in merged}
    return {k: merged[k] for k in TENANT_FIELDS if merged.get(k) is not None}


@dataclass(frozen=True)
class RegisterUser:
    user_id: str
    name: str
    email: str
    role: str
    version: int = 0  # 0: written by the migration, never changed through the API
    created_at: str | None = None
    updated_at: str | None = None

    def as_resource(self) -> dict[str, object]:
        return {"user_id": self.user_id, "name": self.name, "email": self.email, "role": self.role}


def email_address(value: str, name: str = "email") -> str:
    """A bare e-mail address (the notice's rule: no display name, no line break), else 422."""
    from periodyear.domain.addresses import is_address  # noqa: PLC0415

    if not is_address(value):
        raise Invalid(f"{name} is not an e-mail address", fields={name: "not an address"})
    return value


def email_key(address: str) -> str:
    """What makes two addresses the same user's in a tenant: case does not count."""
    return address.strip().casefold()


def role(value: str) -> str:
    if value not in (Role.ADMIN, Role.USER):
        raise Invalid("role is admin or user", fields={"role": "admin or user"})
    return value


@dataclass(frozen=True)
class UserChange:
    name: str | None = None
    email: str | None = None
    role: str | None = None


LANGUAGES = ("nb", "en")  # the languages a notice, an invoice and its basis are written in


def language(value: str) -> str:
    if value not in LANGUAGES:
        raise Invalid("language is nb or en", fields={"language": "nb or en"})
    return value


def address_of(value: dict[str, object] | None) -> dict[str, str] | None:
    """An ``address`` as the register keeps it (CONTRACT §2), or 422 naming what is wrong."""
    from periodyear.domain.tenant import address_item, parse_address  # noqa: PLC0415

    try:
        parsed = parse_address(value)
    except ValueError as problem:
        raise Invalid(str(problem), fields={"address": str(problem)}) from None
    return address_item(parsed) if parsed is not None else None


@dataclass(frozen=True)
class TenantChange:
    """``PATCH /v1/tenant``: the profile fields asked to change (``None`` in ``asked``: removed)."""

    name: str | None = None
    email: str | None = None
    language: str | None = None
    address: dict[str, object] | None = None
    customer_reference: str | None = None
    invoice_email: str | None = None
    asked: frozenset[str] = field(default_factory=frozenset)


# a profile may lose these (``invoice_email``: its invoices then go to ``email``); the rest always hold
REMOVABLE = ("address", "customer_reference", "invoice_email")


def profile_changes(profile: dict[str, object], change: TenantChange) -> dict[str, object | None]:
    """What a change sets on the PROFILE (``None``: removes), judged by the register's rules:
    ``org_number`` never changes; name, email and language cannot be removed."""
    if "org_number" in change.asked:
        raise Invalid(
            "org_number cannot change: the tenant is its organisation",
            fields={"org_number": "cannot change"},
        )
    wanted: dict[str, object | None] = {}
    for name in ("name", "email", "language", *REMOVABLE):
        if name not in change.asked:
            continue
        value = getattr(change, name)
        if value is None and name not in REMOVABLE:
            raise Invalid(f"{name} cannot be removed", fields={name: "required"})
        if name in ("email", "invoice_email") and value is not None:
            value = email_address(str(value), name)
        elif name == "language" and value is not None:
            value = language(str(value))
        elif name == "address":
            value = address_of(change.address)
        elif name == "customer_reference" and value is not None:
            value = str(value).strip() or None
        wanted[name] = value
    return {k: v for k, v in wanted.items() if profile.get(k) != v}


def first_billed_day(now: datetime) -> date:
    """A tenant created in the new service is billed at the standard price list from the first
    day of the Oslo month in which it was created (CONTRACT §2)."""
    from periodyear.domain.calendar import oslo_date  # noqa: PLC0415

    return oslo_date(now).replace(day=1)


@dataclass(frozen=True)
class NewTenant:
    """``POST /v1/tenants``: a tenant created in the new service, with its first admin."""

    tenant_id: str
    name: str
    org_number: str
    email: str
    language: str
    package: str
    address: dict[str, str] | None
    customer_reference: str | None
    admin: RegisterUser
    price_switch_date: date
    terms_effective_from: date
    created_at: str


def new_tenant(
    fields: dict[str, object],
    admin: RegisterUser,
    *,
    packages: frozenset[str],
    terms_from: date,
    now: datetime,
) -> NewTenant:
    """The tenant an operator asks for, each field judged by the register's rules (422 naming it)."""
    from periodyear.domain.calendar import format_instant  # noqa: PLC0415

    package = str(fields["package"])
    if package not in packages:
        raise Invalid(f"package is one of {', '.join(sorted(packages))}", fields={"package": "not a package"})
    reference = fields.get("customer_reference")
    address = fields.get("address")
    return NewTenant(
        tenant_id=check_id("tenant_id", str(fields["tenant_id"])),
        name=str(fields["name"]),
        org_number=org_number(str(fields["org_number"])),
        email=email_address(str(fields["email"])),
        language=language(str(fields.get("language") or "nb")),
        package=package,
        address=address_of(address if isinstance(address, dict) else None),
        customer_reference=str(reference).strip() or None if reference is not None else None,
        admin=admin,
        price_switch_date=first_billed_day(now),
        terms_effective_from=terms_from,
        created_at=format_instant(now),
    )
