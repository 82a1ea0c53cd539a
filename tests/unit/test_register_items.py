"""The register table's layout is one module: what it builds, it reads back the same, whoever wrote
it (a move, the register API, the seed), with no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime

from periodyear.adapters.register import register_differences
from periodyear.adapters.register_items import (
    LISTING,
    is_listed,
    member,
    moved_tenant_items,
    new_tenant_items,
    register_client,
    register_user,
    tenant_account,
    unlisted,
    versioned_client_item,
    versioned_user_item,
)
from periodyear.domain.client_register import NewTenant, RegisterClient, RegisterUser
from periodyear.domain.migration import NewTerms, Person, RegisterTenant
from periodyear.domain.migration import RegisterClient as MovedClient
from periodyear.domain.tenant import Address
from periodyear_local.seed import register_items

MOVED = RegisterTenant(
    tenant_id="t1",
    name="Fjord Regnskap AS",
    org_number="923609016",
    email="post@fjord.example",
    language="en",
    terms=NewTerms(
        package="KOMPLETT",
        legacy_package="PERIODE_OG_AR",
        interval_months=3,
        current_period_start=date(2021, 11, 15),
        paid_through=date(2022, 2, 14),
        price_switch_date=date(2022, 3, 1),
        terms_effective_from=date(2022, 3, 1),
    ),
    migrated_at=datetime(2021, 11, 20, 2, 0, tzinfo=UTC),
    clients=(
        MovedClient("b1", "Fjord Regnskap AS", "923609016", True),
        MovedClient("c1", "Bakeri AS", "974760673", False),
    ),
    users=(Person("u1", "Ada", "ada@fjord.example", "admin"),),
    address=Address("Strandgata 5", "5013", "Bergen"),
    customer_reference="Ada",
)
CREATED = "2022-09-05T10:00:00Z"
ADMIN = RegisterUser("a1", "Kari", "Kari@Ny.example", "admin", 1, CREATED, CREATED)


def test_a_moved_tenant_reads_back_as_billing_needs_it_and_its_copy_is_exact() -> None:
    # Given the items a move writes
    items = moved_tenant_items(MOVED)
    # When billing reads them, and the move compares them with what it meant to write
    account = tenant_account("t1", items)
    # Then the account holds the tenant's terms, address and clients, and nothing differs
    assert (account.name, account.language, account.customer_reference) == ("Fjord Regnskap AS", "en", "Ada")
    assert account.subscription.paid_through == date(2022, 2, 14)
    assert account.address == Address("Strandgata 5", "5013", "Bergen")
    assert {c.client_id: c.is_bureau_client for c in account.clients.values()} == {"b1": True, "c1": False}
    assert register_differences(MOVED, items) == []
    # a PROFILE written but not yet listed is exact too, and billing cannot list it
    profile, *rest = items
    assert not is_listed(unlisted(profile))
    assert register_differences(MOVED, [unlisted(profile), *rest]) == []
    assert register_differences(MOVED, [{**profile, LISTING[0]: "OTHER"}, *rest]) == [
        "PROFILE differs in gsi1pk"
    ]


def test_a_tenant_created_in_the_new_service_is_listed_with_its_admin() -> None:
    tenant = NewTenant(
        tenant_id="t2",
        name="Ny AS",
        org_number="914778271",
        email="post@ny.example",
        language="nb",
        package="KOMPLETT",
        address=None,
        customer_reference=None,
        admin=ADMIN,
        price_switch_date=date(2022, 9, 1),
        terms_effective_from=date(2022, 3, 1),
        created_at=CREATED,
    )
    profile, subscription, user, *_guards = new_tenant_items(tenant)
    assert is_listed(profile)
    assert member(profile, user).role == "admin"
    assert register_user(user) == ADMIN
    account = tenant_account("t2", [profile, subscription, user])
    assert (account.subscription.price_switch_date, account.subscription.paid_through) == (
        date(2022, 9, 1),
        None,
    )


def test_what_the_api_writes_of_a_client_or_user_it_reads_back_the_same() -> None:
    client = RegisterClient("c9", "Rør AS", "914778271", False, 3, "2022-09-06T00:00:00Z", "a", "b")
    assert register_client(versioned_client_item("t1", client)) == client
    assert register_user(versioned_user_item("t1", ADMIN)) == ADMIN


def test_the_seed_writes_the_register_through_the_same_layout() -> None:
    items = register_items(
        "t3",
        package="KOMPLETT",
        price_switch_date=date(2022, 3, 1),
        clients=[("c1", "Bakeri AS", "974760673", False)],
        users=[("u1", "Ada", "ada@t3.example", "admin")],
    )
    profile, _, client, user = items
    assert member(profile, user).tenant_active
    assert register_client(client).org_number == "974760673"
    assert list(tenant_account("t3", items).clients) == ["c1"]
