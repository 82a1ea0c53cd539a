"""The register API's client store on the template's register table in moto: the org-number rule
and versions hold under concurrent requests, and a moved tenant's clients are guarded once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from periodyear.adapters.client_store import ClientStore
from periodyear.adapters.items import from_item
from periodyear.adapters.register_items import CLIENT_HOLDERS, org_number_sk, tenant_pk
from periodyear.adapters.register_table import RegisterTable
from periodyear.domain.client_register import Caller, ClientChange, Conflict, Stale
from periodyear.register.service import ClientService
from periodyear_local.memory_register import MemoryRegisterEvents
from periodyear_local.sandbox import REGION, Provisioned, local_aws, patched_environ
from periodyear_local.seed import batch_put, register_items

ADA = Caller("firm-a", "u1", operator=False)
NOW = datetime(2022, 9, 5, 10, 0, tzinfo=UTC)
# A moved firm: its own client, two clients, and one org number the old platform gave twice
CLIENTS = [
    ("b1", "Firma A Regnskap AS", "923609016", True),
    ("c1", "Bakeri AS", "974760673", False),
    ("c2", "Rør AS", "914778271", False),
    ("c3", "Bakeri AS (dublett)", "974760673", False),
]


def moved_firm(dynamodb: Any, table: str) -> None:
    items = register_items(
        "firm-a",
        package="KOMPLETT",
        price_switch_date=date(2022, 3, 1),
        clients=CLIENTS,
        users=[("u1", "Ada", "ada@a.example", "admin")],
    )
    batch_put(dynamodb, table, items)


def service(table: str) -> ClientService:
    register = RegisterTable(boto3.client("dynamodb", region_name=REGION), table, clock=lambda: NOW)
    return ClientService(store=ClientStore(register), events=MemoryRegisterEvents(), clock=lambda: NOW)


@pytest.fixture
def register() -> Iterator[tuple[Any, str]]:
    with local_aws("MigrateTenantFunction") as aws:
        table = aws["tables"]["RegisterTable"]
        moved_firm(aws["dynamodb"], table)
        yield aws["dynamodb"], table


def guards(dynamodb: Any, table: str) -> dict[str, list[str]]:
    """The org numbers held, each with the clients that hold it."""
    prefix = org_number_sk("")
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :g)",
        ExpressionAttributeValues={":pk": {"S": tenant_pk("firm-a")}, ":g": {"S": prefix}},
        ConsistentRead=True,
    )["Items"]
    return {i["sk"].removeprefix(prefix): sorted(i.get(CLIENT_HOLDERS, [])) for i in map(from_item, items)}


def test_a_moved_firms_clients_are_guarded_before_its_first_change(register: tuple[Any, str]) -> None:
    dynamodb, table = register
    clients = service(table)
    with pytest.raises(Conflict, match="974760673"):
        clients.add_client(ADA, name="Bakeri tre", org="974760673", client_id=None)
    assert guards(dynamodb, table) == {
        "914778271": ["c2"],
        "923609016": ["b1"],
        "974760673": ["c1", "c3"],  # given twice by the old platform: held until both are archived
    }
    clients.archive_client(ADA, "c1", if_match=None)
    with pytest.raises(Conflict):
        clients.add_client(ADA, name="Bakeri tre", org="974760673", client_id=None)
    clients.archive_client(ADA, "c3", if_match=None)
    added = clients.add_client(ADA, name="Bakeri tre", org="974760673", client_id="c4")
    assert guards(dynamodb, table)["974760673"] == ["c4"]
    # renumbering moves the hold; the old number is free again
    clients.change_client(ADA, "c4", ClientChange(org_number="986105174"), if_match=added.version)
    assert guards(dynamodb, table)["986105174"] == ["c4"]
    assert guards(dynamodb, table)["974760673"] == []
    # the archived clients keep their items and names: every basis still names them
    archived = clients.list_clients(ADA, limit=10, cursor=None, include_archived=True)
    assert [(c.client_id, c.archived_at is not None) for c in archived.items] == [
        ("b1", False),
        ("c1", True),
        ("c2", False),
        ("c3", True),
        ("c4", False),
    ]


@pytest.fixture
def server_register(moto_server: Provisioned) -> Iterator[str]:
    with patched_environ(moto_server.environment("MigrateTenantFunction")):
        table = moto_server.names["RegisterTable"]
        moved_firm(boto3.client("dynamodb", region_name=REGION), table)
        yield table


def _at_once(count: int, act: Any) -> list[Any]:
    start = threading.Barrier(count)

    def run(n: int) -> Any:
        start.wait()
        try:
            return act(n)
        except (Conflict, Stale) as refusal:
            return refusal

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.server
def test_eight_requests_at_once_for_one_org_number_add_one_client(server_register: str) -> None:
    table = server_register
    # the firm's first change meets its guarding too, eight requests at once
    results = _at_once(
        8, lambda n: service(table).add_client(ADA, name=f"Ny {n}", org="986105174", client_id=f"n{n}")
    )
    added = [r for r in results if not isinstance(r, Exception)]
    assert len(added) == 1
    assert all(isinstance(r, Conflict) for r in results if r not in added)
    active = service(table).list_clients(ADA, limit=100, cursor=None, include_archived=False).items
    assert [c.org_number for c in active].count("986105174") == 1
    assert guards(boto3.client("dynamodb", region_name=REGION), table)["986105174"] == [added[0].client_id]


@pytest.mark.server
def test_eight_changes_at_once_of_one_version_apply_once(server_register: str) -> None:
    table = server_register
    results = _at_once(
        8, lambda n: service(table).change_client(ADA, "c2", ClientChange(name=f"Rør {n} AS"), if_match=0)
    )
    changed = [r for r in results if not isinstance(r, Exception)]
    assert len(changed) == 1
    assert all(isinstance(r, Stale) for r in results if r not in changed)
    assert service(table).client(ADA, "c2").name == changed[0].name
