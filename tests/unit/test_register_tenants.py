"""The tenant itself through the register's service on in-memory stores (CONTRACT §9): its admins
change its profile once per version, operators create tenants with their first admin and sign-in,
and a tenant the register or the old platform holds is never created again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from periodyear.domain.client_register import (
    Caller,
    Conflict,
    Forbidden,
    Invalid,
    RegisterUser,
    Stale,
    TenantChange,
)
from periodyear.register.tenants import Offer, TenantService
from periodyear_local.memory_register import (
    MemoryFirm,
    MemoryLegacy,
    MemoryRegisterEvents,
    MemorySignIns,
    MemoryTenants,
)

NOW = datetime(2022, 5, 20, 9, 0, tzinfo=UTC)
ADA = Caller("firm-a", "u1", operator=False)  # firm-a's admin
PER = Caller("firm-a", "u2", operator=False)  # firm-a's plain user
OPERATOR = Caller(None, None, operator=True, subject="op-1")
PROFILE: dict[str, Any] = {
    "tenant_id": "firm-a",
    "name": "Firma A AS",
    "org_number": "923609016",
    "email": "post@a.example",
    "language": "nb",
    "customer_reference": "Kari",
    "status": "ACTIVE",
}
NEW_FIRM: dict[str, object] = {
    "tenant_id": "firm-c",
    "name": "Ny Regnskap AS",
    "org_number": "914778271",
    "email": "faktura@ny.example",
    "package": "KOMPLETT",
}


class World:
    """Given firm-a as the migration wrote it (PROFILE at version 0; admin Ada, user Per) and an
    old platform that still holds legacy-1."""

    def __init__(self) -> None:
        users = {
            "u1": RegisterUser("u1", "Ada", "ada@a.example", "admin"),
            "u2": RegisterUser("u2", "Per", "per@a.example", "user"),
        }
        subscription = {"package": "KOMPLETT", "price_switch_date": "2022-03-01"}
        self.store = MemoryTenants({"firm-a": MemoryFirm(dict(PROFILE), subscription, users)})
        self.pool = MemorySignIns()
        self.events = MemoryRegisterEvents()
        self.legacy = MemoryLegacy({"legacy-1"})
        self.service = self.with_store(self.store)

    def with_store(self, store: MemoryTenants) -> TenantService:
        ids = iter(f"gen{n}" for n in range(100))
        return TenantService(
            store=store,
            legacy=self.legacy,
            sign_ins=self.pool,
            events=self.events,
            offer=lambda: Offer(packages=frozenset({"KOMPLETT", "ENKEL"}), terms_from=date(2022, 1, 1)),
            clock=lambda: NOW,
            new_id=lambda: next(ids),
        )

    def profile(self, tenant_id: str = "firm-a") -> dict[str, Any]:
        return self.store.firms[tenant_id].profile


@pytest.fixture
def world() -> World:
    return World()


def test_a_user_reads_its_tenant_as_the_contract_shows_it_and_its_version(world: World) -> None:
    held = world.service.tenant(PER)
    assert (held.view, held.version) == (
        {
            "tenant_id": "firm-a",
            "name": "Firma A AS",
            "org_number": "923609016",
            "email": "post@a.example",
            "language": "nb",
            "customer_reference": "Kari",
            "status": "ACTIVE",
            "package": "KOMPLETT",
            "price_switch_date": "2022-03-01",
        },
        0,
    )


def test_an_admin_changes_the_profile_at_a_new_version_with_one_event(world: World) -> None:
    change = TenantChange(
        name="Firma A Regnskap AS",
        customer_reference=None,
        invoice_email="faktura@a.example",
        asked=frozenset({"name", "customer_reference", "invoice_email"}),
    )
    changed = world.service.change_tenant(ADA, change, if_match=0)
    assert changed.version == 1
    assert (changed.view["name"], changed.view["invoice_email"], "customer_reference" in changed.view) == (
        "Firma A Regnskap AS",
        "faktura@a.example",
        False,  # set to null: removed
    )
    assert world.service.tenant(ADA) == changed  # what it answered is what the register holds
    assert world.profile()["updated_at"] == "2022-05-20T09:00:00Z"
    assert world.events.sent == [("TenantUpdated", {"tenant_id": "firm-a", "actor": "u1"})]


def test_a_change_that_changes_nothing_writes_nothing_and_puts_no_event(world: World) -> None:
    same = world.service.change_tenant(
        ADA, TenantChange(name="Firma A AS", asked=frozenset({"name"})), if_match=None
    )
    assert (same.version, world.profile().get("version", 0), world.events.sent) == (0, 0, [])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (TenantChange(asked=frozenset({"org_number"})), "org_number"),  # the tenant is its organisation
        (TenantChange(name=None, asked=frozenset({"name"})), "name"),  # cannot be removed
        (TenantChange(email="post", asked=frozenset({"email"})), "email"),
        (TenantChange(language="se", asked=frozenset({"language"})), "language"),
    ],
)
def test_a_change_the_rules_refuse_names_its_field_and_changes_nothing(
    world: World, change: TenantChange, field: str
) -> None:
    with pytest.raises(Invalid) as invalid:
        world.service.change_tenant(ADA, change, if_match=None)
    assert field in invalid.value.fields
    assert (world.profile(), world.events.sent) == (PROFILE, [])


def test_only_an_admin_changes_the_profile(world: World) -> None:
    with pytest.raises(Forbidden):
        world.service.change_tenant(
            PER, TenantChange(name="Pers AS", asked=frozenset({"name"})), if_match=None
        )
    with pytest.raises(Forbidden):  # an operator is no tenant's user
        world.service.change_tenant(
            OPERATOR, TenantChange(name="X", asked=frozenset({"name"})), if_match=None
        )
    assert (world.profile(), world.events.sent) == (PROFILE, [])


def test_an_if_match_of_another_version_changes_nothing(world: World) -> None:
    world.service.change_tenant(ADA, TenantChange(name="Første", asked=frozenset({"name"})), if_match=0)
    with pytest.raises(Stale):
        world.service.change_tenant(ADA, TenantChange(name="Andre", asked=frozenset({"name"})), if_match=0)
    assert (world.profile()["name"], world.profile()["version"]) == ("Første", 1)
    assert len(world.events.sent) == 1


class ChangedAfterItsRead(MemoryTenants):
    """Another request renames the tenant after this one's first read of it."""

    def __init__(self, firms: dict[str, MemoryFirm]) -> None:
        super().__init__(firms)
        self.reads = 0

    def member_and_tenant(
        self, tenant_id: str, user_id: str
    ) -> tuple[Any, dict[str, Any] | None, dict[str, Any] | None]:
        found = super().member_and_tenant(tenant_id, user_id)
        self.reads += 1
        if self.reads == 1:
            self.change_profile(tenant_id, 0, {"customer_reference": "Ola"}, "2022-05-20T08:59:00Z")
        return found


def test_a_profile_changed_meanwhile_is_read_again_without_if_match_and_stale_with_it(world: World) -> None:
    # Without If-Match: the change is applied to the profile as it now is, once
    store = ChangedAfterItsRead(world.store.firms)
    changed = world.with_store(store).change_tenant(
        ADA, TenantChange(name="Ny AS", asked=frozenset({"name"})), if_match=None
    )
    assert (store.reads, changed.version) == (2, 2)
    assert (world.profile()["name"], world.profile()["customer_reference"]) == ("Ny AS", "Ola")
    assert world.events.sent == [("TenantUpdated", {"tenant_id": "firm-a", "actor": "u1"})]
    # With If-Match naming the version read: refused, the other request's change stays
    world.profile().update(version=0, customer_reference="Kari")
    with pytest.raises(Stale):
        world.with_store(ChangedAfterItsRead(world.store.firms)).change_tenant(
            ADA, TenantChange(name="Feil AS", asked=frozenset({"name"})), if_match=0
        )
    assert (world.profile()["name"], world.profile()["customer_reference"]) == ("Ny AS", "Ola")


def test_an_operator_creates_a_tenant_billed_from_this_month_with_its_admin_and_sign_in(world: World) -> None:
    created = world.service.create_tenant(
        OPERATOR, dict(NEW_FIRM), admin_name="Kari", admin_email="Kari@Ny.example"
    )
    admin = RegisterUser(
        "gen0", "Kari", "Kari@Ny.example", "admin", 1, "2022-05-20T09:00:00Z", "2022-05-20T09:00:00Z"
    )
    assert (created.admin, created.tenant.version) == (admin, 1)
    assert created.tenant.view == {
        "tenant_id": "firm-c",
        "name": "Ny Regnskap AS",
        "org_number": "914778271",
        "email": "faktura@ny.example",
        "language": "nb",
        "status": "ACTIVE",
        "package": "KOMPLETT",
        "price_switch_date": "2022-05-01",  # the first day of the Oslo month it was created in
    }
    # Its admin reads it, signs in as firm-c's, and one event names the operator and the admin
    assert world.service.tenant(Caller("firm-c", "gen0", operator=False)).view == created.tenant.view
    assert world.pool.held == {"Kari@Ny.example": ("firm-c", "gen0", True)}
    assert world.events.sent == [
        ("TenantCreated", {"tenant_id": "firm-c", "actor": "op-1", "user_id": "gen0"})
    ]


@pytest.mark.parametrize(
    ("tenant_id", "reason"),
    [("firm-a", "in the register already"), ("legacy-1", "will be moved, not created")],
)
def test_a_tenant_the_register_or_the_old_platform_holds_is_not_created(
    world: World, tenant_id: str, reason: str
) -> None:
    with pytest.raises(Conflict, match=reason):
        world.service.create_tenant(
            OPERATOR, {**NEW_FIRM, "tenant_id": tenant_id}, admin_name="Kari", admin_email="kari@ny.example"
        )
    assert (sorted(world.store.firms), world.profile(), world.pool.held, world.events.sent) == (
        ["firm-a"],
        PROFILE,
        {},
        [],
    )


def test_an_admin_address_that_signs_in_already_takes_the_new_tenant_back(world: World) -> None:
    world.pool.held["kari@ny.example"] = ("firm-b", "u7", True)
    with pytest.raises(Conflict, match="signs in"):
        world.service.create_tenant(
            OPERATOR, dict(NEW_FIRM), admin_name="Kari", admin_email="kari@ny.example"
        )
    assert sorted(world.store.firms) == ["firm-a"]
    assert world.pool.held == {"kari@ny.example": ("firm-b", "u7", True)}
    assert world.events.sent == []


@pytest.mark.parametrize(
    ("fields", "admin_email", "named"),
    [
        ({**NEW_FIRM, "package": "GULL"}, "kari@ny.example", "package"),
        ({**NEW_FIRM, "org_number": "914778272"}, "kari@ny.example", "org_number"),
        ({**NEW_FIRM, "tenant_id": "TENANT#x"}, "kari@ny.example", "tenant_id"),
        (NEW_FIRM, "no address", "admin.email"),
    ],
)
def test_a_tenant_the_rules_refuse_names_the_field_and_writes_nothing(
    world: World, fields: dict[str, object], admin_email: str, named: str
) -> None:
    with pytest.raises(Invalid) as invalid:
        world.service.create_tenant(OPERATOR, dict(fields), admin_name="Kari", admin_email=admin_email)
    assert named in invalid.value.fields
    assert (sorted(world.store.firms), world.pool.held, world.events.sent) == (["firm-a"], {}, [])


def test_only_an_operator_creates_a_tenant(world: World) -> None:
    with pytest.raises(Forbidden):
        world.service.create_tenant(ADA, dict(NEW_FIRM), admin_name="Kari", admin_email="kari@ny.example")
    assert (sorted(world.store.firms), world.pool.held, world.events.sent) == (["firm-a"], {}, [])
