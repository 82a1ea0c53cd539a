"""The tenant itself through the register API (CONTRACT §9): its admins change its profile,
and operators create tenants in the new service, each with its first admin and sign-in.

A created tenant is written whole in one transaction (listed for billing at once, at the
standard price list from the first day of the Oslo month it was created in), then its admin's
sign-in is made; a sign-in the pool refuses takes the tenant back out, as a refused user is.
A tenant the old platform still holds is refused: it will be moved, not created.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from periodyear.domain.calendar import format_instant
from periodyear.domain.client_register import (
    Caller,
    Conflict,
    Forbidden,
    Invalid,
    Member,
    NewTenant,
    NotFound,
    RegisterUser,
    Stale,
    TenantChange,
    check_member,
    email_address,
    new_tenant,
    profile_changes,
    tenant_user,
    tenant_view,
)
from periodyear.register.ports import Events, Legacy, SignIns, TenantStore


@dataclass(frozen=True)
class TenantRecord:
    """``GET /v1/tenant``'s fields and the PROFILE's version (its ETag)."""

    view: dict[str, object]
    version: int


@dataclass(frozen=True)
class CreatedTenant:
    tenant: TenantRecord
    admin: RegisterUser


@dataclass(frozen=True)
class Offer:
    """What a new tenant may be offered: the catalog's packages, its terms' first day."""

    packages: frozenset[str]
    terms_from: date


class TenantService:
    def __init__(
        self,
        *,
        store: TenantStore,
        legacy: Legacy,
        sign_ins: SignIns,
        events: Events,
        offer: Callable[[], Offer],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:20],
    ) -> None:
        self._store = store
        self._legacy = legacy
        self._sign_ins = sign_ins
        self._events = events
        self._offer = offer
        self._clock = clock
        self._new_id = new_id

    def _read(self, tenant_id: str, user_id: str) -> tuple[Member, TenantRecord]:
        member, profile, subscription = self._store.member_and_tenant(tenant_id, user_id)
        check_member(member)
        if profile is None:  # pragma: no cover - an active member's tenant has a profile
            raise NotFound("no tenant")
        version = int(profile.get("version", 0))
        return member, TenantRecord(tenant_view(profile, subscription), version)

    def tenant(self, caller: Caller) -> TenantRecord:
        return self._read(*tenant_user(caller))[1]

    def change_tenant(self, caller: Caller, change: TenantChange, *, if_match: int | None) -> TenantRecord:
        """Apply the change to the version ``If-Match`` names; without one, to the profile as it
        is (a concurrent change in between is read again, never answered 412)."""
        tenant_id, user_id = tenant_user(caller)
        for _ in range(3):
            member, held = self._read(tenant_id, user_id)
            if member.role != "admin":
                raise Forbidden("only an admin of the tenant may change its profile")
            if if_match is not None and if_match != held.version:
                raise Stale("the tenant changed since that version was read (If-Match)")
            changes = profile_changes(held.view, change)
            if not changes:
                return held  # nothing to change: no write, no event
            try:
                self._store.change_profile(tenant_id, held.version, changes, format_instant(self._clock()))
            except Stale:
                if if_match is not None:
                    raise
                continue
            self._events.changed("TenantUpdated", {"tenant_id": tenant_id, "actor": user_id})
            view = {k: v for k, v in {**held.view, **changes}.items() if v is not None}
            return TenantRecord(view, held.version + 1)  # as written: no read again
        raise Stale("the tenant kept changing while it was changed; try again")

    def create_tenant(
        self, caller: Caller, fields: dict[str, object], *, admin_name: str, admin_email: str
    ) -> CreatedTenant:
        if not caller.operator:
            raise Forbidden("only an operator creates tenants")
        now = self._clock()
        at = format_instant(now)
        address = email_address(admin_email, "admin.email")
        admin = RegisterUser(self._new_id(), admin_name, address, "admin", 1, at, at)
        offer = self._offer()
        tenant = new_tenant(fields, admin, packages=offer.packages, terms_from=offer.terms_from, now=now)
        if self._legacy.holds_unmoved(tenant.tenant_id):
            raise Conflict(f"the old platform holds tenant {tenant.tenant_id}: it will be moved, not created")
        self._store.create_tenant(tenant)
        try:
            self._sign_ins.create(tenant.tenant_id, admin)
        except (Conflict, Invalid):  # the pool refused the admin's address: take the tenant back
            self._store.remove_created_tenant(tenant)
            raise
        detail = {"tenant_id": tenant.tenant_id, "actor": caller.actor, "user_id": admin.user_id}
        self._events.changed("TenantCreated", detail)  # one change, one event: the admin with it
        view = tenant_view(profile_of(tenant), _subscription_of(tenant))
        return CreatedTenant(TenantRecord(view, 1), admin)


def profile_of(tenant: NewTenant) -> dict[str, object]:
    """A new tenant's profile as the register shows it (its store adds the version and times)."""
    return {
        "tenant_id": tenant.tenant_id,
        "name": tenant.name,
        "org_number": tenant.org_number,
        "email": tenant.email,
        "language": tenant.language,
        "address": tenant.address,
        "customer_reference": tenant.customer_reference,
        "status": "ACTIVE",
    }


def _subscription_of(tenant: NewTenant) -> dict[str, object]:
    return {"package": tenant.package, "price_switch_date": tenant.price_switch_date.isoformat()}
