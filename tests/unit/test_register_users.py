"""A tenant's users through the register's service on in-memory stores (CONTRACT §9): an admin
adds, changes and removes them, each with its sign-in; one address a user, an admin always."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from periodyear.domain.client_register import (
    Caller,
    Conflict,
    Forbidden,
    Invalid,
    Member,
    NotFound,
    RegisterUser,
    Stale,
    Unauthenticated,
    UserChange,
)
from periodyear.register.users import UserService
from periodyear_local.memory_register import MemoryFirm, MemoryRegisterEvents, MemorySignIns, MemoryTenants

NOW = datetime(2022, 9, 5, 10, 0, tzinfo=UTC)
ADA = Caller("firm-a", "u1", operator=False)  # firm-a's admin
PER = Caller("firm-a", "u2", operator=False)  # firm-a's plain user
BOB = Caller("firm-b", "u9", operator=False)  # firm-b's admin
OPERATOR = Caller(None, None, operator=True, subject="op-1")


def firm(tenant_id: str, *users: RegisterUser, status: str = "ACTIVE") -> MemoryFirm:
    profile = {"tenant_id": tenant_id, "name": f"{tenant_id} AS", "status": status, "version": 0}
    return MemoryFirm(profile, {"package": "KOMPLETT"}, {u.user_id: u for u in users})


class World:
    """Given firm-a (admin Ada, user Per, both moved by the migration) and firm-b (admin Bob)."""

    def __init__(self) -> None:
        self.store = MemoryTenants(
            {
                "firm-a": firm(
                    "firm-a",
                    RegisterUser("u1", "Ada", "ada@a.example", "admin"),
                    RegisterUser("u2", "Per", "per@a.example", "user"),
                ),
                "firm-b": firm("firm-b", RegisterUser("u9", "Bob", "bob@b.example", "admin")),
            }
        )
        self.pool = MemorySignIns()
        self.events = MemoryRegisterEvents()
        ids = iter(f"gen{n}" for n in range(100))
        self.service = UserService(
            store=self.store,
            sign_ins=self.pool,
            events=self.events,
            clock=lambda: NOW,
            new_id=lambda: next(ids),
        )

    def user(self, tenant_id: str, user_id: str) -> RegisterUser:
        return self.store.firms[tenant_id].users[user_id]

    def users(self, tenant_id: str) -> list[str]:
        return sorted(self.store.firms[tenant_id].users)


@pytest.fixture
def world() -> World:
    return World()


def test_an_admin_adds_a_user_who_gets_a_sign_in_and_one_event_without_an_address(world: World) -> None:
    # When Ada adds Ola as a user
    added = world.service.add_user(ADA, name="Ola", email="Ola@A.example", user_role="user")
    # Then Ola is in the register at version 1, signs in as firm-a's, and one event names the ids
    assert added == RegisterUser(
        "gen0", "Ola", "Ola@A.example", "user", 1, "2022-09-05T10:00:00Z", "2022-09-05T10:00:00Z"
    )
    assert world.user("firm-a", "gen0") == added
    assert world.pool.held == {"Ola@A.example": ("firm-a", "gen0", True)}
    assert world.events.sent == [("UserAdded", {"tenant_id": "firm-a", "actor": "u1", "user_id": "gen0"})]
    assert "@" not in str(world.events.sent)


@pytest.mark.parametrize(
    ("caller", "error"),
    [
        (PER, Forbidden),  # a user, not an admin
        (OPERATOR, Forbidden),  # an operator is no tenant's user
        (Caller("firm-a", "u-gone", operator=False), Unauthenticated),  # no longer a user of the tenant
    ],
)
def test_only_an_admin_of_the_tenant_adds_a_user(
    world: World, caller: Caller, error: type[Exception]
) -> None:
    with pytest.raises(error):
        world.service.add_user(caller, name="Ola", email="ola@a.example", user_role="admin")
    assert (world.users("firm-a"), world.pool.held, world.events.sent) == (["u1", "u2"], {}, [])


def test_an_admin_of_a_tenant_that_is_not_active_adds_no_one(world: World) -> None:
    world.store.firms["firm-a"].profile["status"] = "SUSPENDED"
    with pytest.raises(Forbidden):
        world.service.add_user(ADA, name="Ola", email="ola@a.example", user_role="user")
    assert world.users("firm-a") == ["u1", "u2"]


def test_an_address_is_one_users_in_a_tenant_whatever_its_case(world: World) -> None:
    with pytest.raises(Conflict, match="email"):
        world.service.add_user(ADA, name="Per 2", email="PER@a.example", user_role="user")
    assert (world.users("firm-a"), world.pool.held, world.events.sent) == (["u1", "u2"], {}, [])
    # another tenant may have a user with that address in the register
    assert world.service.add_user(BOB, name="Per", email="per@a.example", user_role="user").user_id == "gen1"


def test_an_address_that_signs_in_already_leaves_no_user_behind(world: World) -> None:
    # Given ola@a.example signs in already, as firm-b's user
    world.pool.held["ola@a.example"] = ("firm-b", "u7", True)
    # When Ada adds a user with that address
    with pytest.raises(Conflict, match="signs in"):
        world.service.add_user(ADA, name="Ola", email="ola@a.example", user_role="user")
    # Then the register holds no such user, the sign-in stays firm-b's, and no event is put
    assert world.users("firm-a") == ["u1", "u2"]
    assert world.pool.held == {"ola@a.example": ("firm-b", "u7", True)}
    assert world.events.sent == []


def test_an_address_the_pool_refuses_gives_back_the_admin_it_would_have_counted(world: World) -> None:
    world.pool.refused.add("åse@a.example")
    with pytest.raises(Invalid) as refused:
        world.service.add_user(ADA, name="Åse", email="åse@a.example", user_role="admin")
    assert refused.value.fields == {"email": "refused by the pool"}
    assert world.users("firm-a") == ["u1", "u2"]
    # Ada is still the only admin: she cannot step down
    with pytest.raises(Conflict, match="no admin left"):
        world.service.change_user(ADA, "u1", UserChange(role="user"), if_match=None)


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [("no address", "user", "email"), ("ola@a.example", "owner", "role")],
)
def test_an_address_or_a_role_the_register_cannot_take_is_invalid(
    world: World, email: str, role: str, field: str
) -> None:
    with pytest.raises(Invalid) as invalid:
        world.service.add_user(ADA, name="Ola", email=email, user_role=role)
    assert field in invalid.value.fields
    assert world.users("firm-a") == ["u1", "u2"]


def test_an_admin_changes_a_users_name_address_and_role_at_a_new_version(world: World) -> None:
    world.pool.held["per@a.example"] = ("firm-a", "u2", True)
    changed = world.service.change_user(
        ADA, "u2", UserChange(name="Per Hansen", email="per.hansen@a.example", role="admin"), if_match=0
    )
    assert (changed.name, changed.email, changed.role, changed.version, changed.updated_at) == (
        "Per Hansen",
        "per.hansen@a.example",
        "admin",
        1,
        "2022-09-05T10:00:00Z",
    )
    assert world.user("firm-a", "u2") == changed
    assert world.pool.held == {"per.hansen@a.example": ("firm-a", "u2", True)}  # the sign-in moved with it
    assert world.events.sent == [("UserUpdated", {"tenant_id": "firm-a", "actor": "u1", "user_id": "u2"})]


def test_a_change_that_changes_nothing_writes_nothing_and_puts_no_event(world: World) -> None:
    same = world.service.change_user(ADA, "u2", UserChange(name="Per", role="user"), if_match=None)
    assert (same, world.events.sent) == (world.user("firm-a", "u2"), [])
    assert same.version == 0


def test_a_change_to_an_address_another_user_has_is_a_conflict(world: World) -> None:
    with pytest.raises(Conflict, match="email"):
        world.service.change_user(ADA, "u2", UserChange(email="Ada@a.example"), if_match=None)
    assert world.user("firm-a", "u2") == RegisterUser("u2", "Per", "per@a.example", "user")


def test_an_if_match_of_another_version_changes_nothing(world: World) -> None:
    world.service.change_user(ADA, "u2", UserChange(name="Per H"), if_match=0)  # now version 1
    with pytest.raises(Stale):
        world.service.change_user(ADA, "u2", UserChange(name="Feil"), if_match=0)
    with pytest.raises(Stale):
        world.service.remove_user(ADA, "u2", if_match=0)
    held = world.user("firm-a", "u2")
    assert (held.name, held.version) == ("Per H", 1)
    assert [detail_type for detail_type, _ in world.events.sent] == ["UserUpdated"]


class ChangedAfterItsRead(MemoryTenants):
    """Another request renames Per each time this one has read a user."""

    def member_and_user(
        self, tenant_id: str, caller_id: str, user_id: str
    ) -> tuple[Member, RegisterUser | None]:
        found = super().member_and_user(tenant_id, caller_id, user_id)
        self.firms["firm-a"].users["u2"] = RegisterUser("u2", "Per X", "per@a.example", "user", 1)
        return found


def test_a_user_changed_between_its_read_and_its_write_is_stale(world: World) -> None:
    store = ChangedAfterItsRead(world.store.firms)
    service = UserService(store=store, sign_ins=world.pool, events=world.events, clock=lambda: NOW)
    # When this request writes its change after the other's, Then it is refused and the other's stays
    with pytest.raises(Stale):
        service.change_user(ADA, "u2", UserChange(name="Per Y"), if_match=None)
    assert world.user("firm-a", "u2").name == "Per X"
    assert world.events.sent == []


def test_a_tenant_always_keeps_an_admin(world: World) -> None:
    # Ada, the only admin, may neither step down nor leave
    with pytest.raises(Conflict, match="no admin left"):
        world.service.change_user(ADA, "u1", UserChange(role="user"), if_match=None)
    with pytest.raises(Conflict, match="no admin left"):
        world.service.remove_user(ADA, "u1", if_match=None)
    # once Per is an admin, Ada may step down, and then Per is the one who may not
    world.service.change_user(ADA, "u2", UserChange(role="admin"), if_match=None)
    assert world.service.change_user(ADA, "u1", UserChange(role="user"), if_match=None).role == "user"
    with pytest.raises(Forbidden):  # Ada is no admin any more: at once
        world.service.remove_user(ADA, "u2", if_match=None)
    with pytest.raises(Conflict, match="no admin left"):
        world.service.remove_user(PER, "u2", if_match=None)


def test_an_admin_removes_a_user_whose_sign_in_is_disabled(world: World) -> None:
    world.pool.held["per@a.example"] = ("firm-a", "u2", True)
    world.service.remove_user(ADA, "u2", if_match=0)
    assert world.users("firm-a") == ["u1"]
    assert world.pool.held == {"per@a.example": ("firm-a", "u2", False)}
    assert world.events.sent == [("UserRemoved", {"tenant_id": "firm-a", "actor": "u1", "user_id": "u2"})]


@pytest.mark.parametrize("user_id", ["u9", "u404"])  # another tenant's user, or none at all
def test_another_tenants_user_is_not_found_never_forbidden(world: World, user_id: str) -> None:
    with pytest.raises(NotFound):
        world.service.change_user(ADA, user_id, UserChange(name="Overtatt"), if_match=None)
    with pytest.raises(NotFound):
        world.service.remove_user(ADA, user_id, if_match=None)
    assert world.users("firm-b") == ["u9"]
    assert world.events.sent == []


def test_a_user_id_that_is_no_id_is_invalid(world: World) -> None:
    with pytest.raises(Invalid) as invalid:
        world.service.remove_user(ADA, "TENANT#firm-b", if_match=None)
    assert invalid.value.fields == {"user_id": "not an id"}
