"""The register API's client verbs on an in-memory store (CONTRACT §9): who may, what holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from periodyear.domain.client_register import (
    Caller,
    ClientChange,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RegisterClient,
    Stale,
    Unauthenticated,
    caller_from_claims,
    org_number,
)
from periodyear.register.service import ClientService
from periodyear_local.memory_register import MemoryClientStore, MemoryRegisterEvents, MemoryTenant

NOW = datetime(2022, 9, 5, 10, 0, tzinfo=UTC)
ADA = Caller("firm-a", "u1", operator=False)
BOB = Caller("firm-b", "u9", operator=False)
BUREAU = RegisterClient("b1", "Firma A Regnskap AS", "923609016", True)
BAKERI = RegisterClient("c1", "Bakeri AS", "974760673", False)


def _mod11(eight: str) -> str | None:
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    rest = sum(int(d) * w for d, w in zip(eight, weights, strict=True)) % 11
    check = 0 if rest == 0 else 11 - rest
    return None if check == 10 else eight + str(check)


class World:
    def __init__(self) -> None:
        self.store = MemoryClientStore(
            {
                "firm-a": MemoryTenant(
                    users={"u1": "admin", "u2": "user"}, clients={"b1": BUREAU, "c1": BAKERI}
                ),
                "firm-b": MemoryTenant(
                    users={"u9": "admin"}, clients={"x1": RegisterClient("x1", "B's", "974760673", False)}
                ),
            }
        )
        self.events = MemoryRegisterEvents()
        ids = iter(f"gen{n}" for n in range(100))
        self.service = ClientService(
            store=self.store, events=self.events, clock=lambda: NOW, new_id=lambda: next(ids)
        )


@pytest.fixture
def world() -> World:
    return World()


def test_a_user_adds_a_client_with_a_generated_id_and_one_event(world: World) -> None:
    client = world.service.add_client(ADA, name="Rør AS", org="914778271", client_id=None)
    assert (client.client_id, client.version, client.created_at, client.is_bureau_client) == (
        "gen0",
        1,
        "2022-09-05T10:00:00Z",
        False,
    )
    assert world.events.sent == [
        ("ClientCreated", {"tenant_id": "firm-a", "actor": "u1", "client_id": "gen0"})
    ]
    assert "email" not in str(world.events.sent)


@pytest.mark.parametrize(
    ("org", "why"),
    [
        ("91477827", "9 digits"),
        ("914778272", "MOD11"),
        ("９１４７７８２７１", "9 digits"),
        ("91477827a", "9 digits"),
    ],
)
def test_an_org_number_must_be_nine_digits_with_its_mod11_digit(world: World, org: str, why: str) -> None:
    with pytest.raises(Invalid, match=why) as refused:
        world.service.add_client(ADA, name="Rør AS", org=org, client_id=None)
    assert refused.value.fields == {"org_number": refused.value.fields["org_number"]}
    assert world.events.sent == []


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_number_with_its_mod11_digit_is_taken_and_every_other_last_digit_refused(eight: str) -> None:
    valid = _mod11(eight)
    for last in "0123456789":
        number = eight + last
        if number == valid:
            assert org_number(number) == number
        else:
            with pytest.raises(Invalid):
                org_number(number)


def test_an_active_org_number_is_held_once_and_freed_by_archiving(world: World) -> None:
    with pytest.raises(Conflict, match="org_number 974760673"):
        world.service.add_client(ADA, name="Bakeri igjen", org="974760673", client_id=None)
    world.service.archive_client(ADA, "c1", if_match=None)
    again = world.service.add_client(ADA, name="Bakeri AS (ny)", org="974760673", client_id="c2")
    assert again.client_id == "c2"
    # another tenant's client with the same number never stood in the way
    assert world.store.tenants["firm-b"].clients["x1"].org_number == "974760673"


def test_an_archived_client_stays_named_and_is_read_only(world: World) -> None:
    world.service.archive_client(ADA, "c1", if_match=None)
    archived = world.service.client(ADA, "c1")
    assert (archived.name, archived.archived_at) == ("Bakeri AS", "2022-09-05T10:00:00Z")
    with pytest.raises(Conflict, match="read-only"):
        world.service.change_client(ADA, "c1", ClientChange(name="Nytt navn"), if_match=None)
    world.service.archive_client(ADA, "c1", if_match=None)  # DELETE again: nothing changes
    assert [e for e, _ in world.events.sent] == ["ClientArchived"]
    listed = world.service.list_clients(ADA, limit=100, cursor=None, include_archived=False)
    assert [c.client_id for c in listed.items] == ["b1"]
    everything = world.service.list_clients(ADA, limit=100, cursor=None, include_archived=True)
    assert [c.client_id for c in everything.items] == ["b1", "c1"]


def test_the_bureau_client_cannot_be_archived(world: World) -> None:
    with pytest.raises(Conflict, match="bureau"):
        world.service.archive_client(ADA, "b1", if_match=None)


def test_a_change_applies_only_to_the_version_it_names(world: World) -> None:
    changed = world.service.change_client(ADA, "c1", ClientChange(name="Bakeri Nord AS"), if_match=0)
    assert (changed.name, changed.version) == ("Bakeri Nord AS", 1)
    with pytest.raises(Stale):
        world.service.change_client(ADA, "c1", ClientChange(name="Bakeri Sør AS"), if_match=0)
    assert world.service.client(ADA, "c1").name == "Bakeri Nord AS"


def test_another_tenants_client_is_not_found_whatever_the_id(world: World) -> None:
    for client_id in ("x1", "c1"):
        with pytest.raises(NotFound):
            world.service.client(BOB if client_id == "c1" else ADA, client_id)
    for hostile in ("TENANT#firm-b", "a#b", "x1#", "../x1", ""):
        with pytest.raises((NotFound, Invalid)):
            world.service.client(ADA, hostile)
    with pytest.raises(NotFound):
        world.service.change_client(ADA, "x1", ClientChange(name="Mine now"), if_match=None)
    with pytest.raises(NotFound):
        world.service.archive_client(ADA, "x1", if_match=None)
    assert world.store.tenants["firm-b"].clients["x1"].name == "B's"


def test_a_removed_user_or_an_inactive_tenant_is_refused(world: World) -> None:
    with pytest.raises(Unauthenticated):
        world.service.client(Caller("firm-a", "u7", operator=False), "c1")
    world.store.tenants["firm-a"].active = False
    with pytest.raises(Forbidden):
        world.service.client(ADA, "c1")


def test_pages_of_clients_follow_their_cursor_to_the_end(world: World) -> None:
    for n in range(7):
        number = _mod11(f"9100000{n}")
        assert number is not None
        world.service.add_client(ADA, name=f"Klient {n}", org=number, client_id=f"k{n}")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = world.service.list_clients(ADA, limit=3, cursor=cursor, include_archived=False)
        seen += [c.client_id for c in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["b1", "c1", "k0", "k1", "k2", "k3", "k4", "k5", "k6"]


@pytest.mark.parametrize(
    ("claims", "caller"),
    [
        ({"custom:tenant_id": "firm-a", "custom:user_id": "u1"}, Caller("firm-a", "u1", operator=False)),
        ({"cognito:groups": "[operators other]"}, Caller(None, None, operator=True)),
        ({"cognito:groups": '["operators"]'}, Caller(None, None, operator=True)),
        ({"cognito:groups": ["other", "operators"]}, Caller(None, None, operator=True)),
    ],
)
def test_the_caller_comes_from_the_claims(claims: dict[str, object], caller: Caller) -> None:
    assert caller_from_claims(claims) == caller


@pytest.mark.parametrize(
    "claims",
    [
        None,
        {},
        {"custom:tenant_id": "firm-a"},
        {"custom:tenant_id": "a#b", "custom:user_id": "u1"},
        {"cognito:groups": "[other]"},
    ],
)
def test_claims_that_name_nobody_are_not_signed_in(claims: object) -> None:
    with pytest.raises(Unauthenticated):
        caller_from_claims(claims)


def test_a_change_without_if_match_meeting_a_concurrent_change_reads_again_instead_of_412(
    world: World,
) -> None:
    real = world.store.replace_client
    raced: list[bool] = []

    def another_change_first(tenant_id: str, before: RegisterClient, after: RegisterClient) -> None:
        if not raced:  # another request renames the client between this one's read and its write
            raced.append(True)
            real(tenant_id, before, replace(before, name="Bakeri Vest AS", version=before.version + 1))
        real(tenant_id, before, after)

    world.store.replace_client = another_change_first  # type: ignore[method-assign]
    changed = world.service.change_client(ADA, "c1", ClientChange(org_number="914778271"), if_match=None)
    assert (changed.name, changed.org_number, changed.version) == ("Bakeri Vest AS", "914778271", 2)
    raced.clear()
    with pytest.raises(Stale):  # with If-Match, the same race is the caller's to settle
        world.service.change_client(ADA, "c1", ClientChange(name="X"), if_match=2)


class _Invoices:
    """Two kinds' invoices, each newest period first; February invoiced late (number 9)."""

    def __init__(self) -> None:
        self.rows = {
            "MONTHLY": [
                ("2022-03", "2022-03-01", 2),
                ("2022-02", "2022-02-01", 9),
                ("2022-01", "2022-01-01", 1),
            ],
            "ANNUAL": [("2021", "2020-09-01", 8)],
        }

    def newest(
        self, tenant_id: str, kind: Any, *, limit: int, before: str | None
    ) -> tuple[list[dict[str, Any]], bool]:
        rows = [r for r in self.rows[kind.value] if before is None or r[0] < before]
        items = [
            {
                "sk": f"INVOICE#{kind.value}#{label}",
                "invoice_number": number,
                "period_start": start,
                "issue_date": start,
                "due_date": start,
                "document_type": "INVOICE",
                "total": Decimal("10"),
                "currency": "NOK",
            }
            for label, start, number in rows
        ]
        return items[:limit], len(items) > limit

    def by_number(self, tenant_id: str, number: int) -> None:
        return None


def test_pages_of_invoices_show_each_once_newest_period_first_even_one_issued_late() -> None:
    from periodyear.register.invoices import InvoiceReads  # noqa: PLC0415

    store = MemoryClientStore({"firm-a": MemoryTenant(users={"u1": "admin"})})
    from periodyear_local.memory_delivery import MemoryDeliveryRecords, QueuedInMemory  # noqa: PLC0415

    reads = InvoiceReads(
        members=store,
        invoices=_Invoices(),
        links=None,  # type: ignore[arg-type]
        deliveries=MemoryDeliveryRecords(),
        resends=QueuedInMemory(),
        documents_bucket="docs",
    )
    for limit in (1, 2, 3, 10):
        seen: list[int] = []
        cursor: str | None = None
        while True:
            items, cursor = reads.invoices(ADA, limit=limit, cursor=cursor, kind=None)
            seen += [i.invoice_number for i in items]
            if cursor is None:
                break
        assert seen == [2, 9, 1, 8], (
            limit
        )  # March, February (late), January, then the year from September 2020
