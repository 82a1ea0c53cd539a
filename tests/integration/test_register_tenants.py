"""The tenant itself through the register API: an admin changes its profile, an operator creates
a tenant in the new service (billed by the next monthly run), and POSTs repeated with an
``Idempotency-Key`` write once; through the Lambda handler on moto provisioned from the template."""

from __future__ import annotations

import importlib
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest

from periodyear_local.delivery import LambdaContext
from periodyear_local.sandbox import REGION, drain_queue, route_to_queue
from periodyear_local.seed import batch_put, legacy_items, usage_item
from tests.integration.test_register_api import ADA, BOB, Api, _sign_in, api, body_of

__all__ = ["api"]  # the fixture, shared with the register API's other tests

OPERATOR = {"cognito:groups": "[operators]", "sub": "op-1"}
NEW_FIRM = {
    "tenant_id": "firm-c",
    "name": "Ny Regnskap AS",
    "org_number": "914778271",
    "email": "faktura@ny.example",
    "package": "KOMPLETT",
    "customer_reference": "Kari",
    "admin": {"name": "Kari Nordmann", "email": "Kari@Ny.example"},
}


def _events(queue: str) -> list[dict[str, Any]]:
    return [e for e in drain_queue(queue) if e["source"] == "periodyear.register"]


@pytest.fixture
def tenant_events(api: Api) -> str:
    detail_types = ["TenantCreated", "TenantUpdated", "ClientCreated", "UserAdded"]
    return route_to_queue(os.environ["EVENT_BUS_NAME"], detail_types, "tenant-events")


def test_an_admin_changes_the_profile_once_per_version_and_never_the_org_number(
    api: Api, tenant_events: str
) -> None:
    before = api.request("GET", "/v1/tenant")
    assert before["headers"]["ETag"] == '"0"'  # as the migration wrote it
    changed = api.request(
        "PATCH",
        "/v1/tenant",
        body={
            "name": "Firma A Regnskap AS",
            "customer_reference": "Ola",
            "address": {"street": "Storgata 1", "postal_code": "0155", "city": "Oslo"},
        },
        headers={"if-match": '"0"'},
    )
    assert (changed["statusCode"], changed["headers"]["ETag"]) == (200, '"1"')
    shown = body_of(changed)
    assert (shown["name"], shown["customer_reference"], shown["address"]) == (
        "Firma A Regnskap AS",
        "Ola",
        {"street": "Storgata 1", "postal_code": "0155", "city": "Oslo", "country": "NO"},
    )
    assert body_of(api.request("GET", "/v1/tenant")) == shown
    # a second writer holding the old version is refused; one without If-Match applies
    stale = api.request("PATCH", "/v1/tenant", body={"name": "Feil"}, headers={"if-match": '"0"'})
    assert stale["statusCode"] == 412
    removed = api.request("PATCH", "/v1/tenant", body={"customer_reference": None})
    assert (removed["statusCode"], "customer_reference" in body_of(removed)) == (200, False)
    same = api.request("PATCH", "/v1/tenant", body={"name": "Firma A Regnskap AS"})  # no change: no event
    assert (same["statusCode"], same["headers"]["ETag"]) == (200, '"2"')
    refused = api.request("PATCH", "/v1/tenant", body={"org_number": "974760673"})
    assert (refused["statusCode"], list(body_of(refused)["errors"])) == (422, ["org_number"])
    bad = api.request("PATCH", "/v1/tenant", body={"address": {"country": "Norge"}})
    assert (bad["statusCode"], "address.country" in body_of(bad)["errors"]) == (422, True)
    assert api.request("PATCH", "/v1/tenant", body={"name": None})["statusCode"] == 422
    events = _events(tenant_events)
    assert [(e["detail-type"], e["detail"]) for e in events] == [
        ("TenantUpdated", {"tenant_id": "firm-a", "actor": "u1"}),
        ("TenantUpdated", {"tenant_id": "firm-a", "actor": "u1"}),
    ]
    assert body_of(api.request("GET", "/v1/tenant", claims=BOB))["name"] != "Firma A Regnskap AS"


def test_an_admin_sets_where_invoices_are_emailed_and_can_remove_it_again(api: Api) -> None:
    set_ = api.request("PATCH", "/v1/tenant", body={"invoice_email": "faktura@a.example"})
    assert (set_["statusCode"], body_of(set_)["invoice_email"]) == (200, "faktura@a.example")
    assert body_of(api.request("GET", "/v1/tenant"))["invoice_email"] == "faktura@a.example"
    wrong = api.request("PATCH", "/v1/tenant", body={"invoice_email": "faktura"})
    assert (wrong["statusCode"], body_of(wrong)["errors"]) == (422, {"invoice_email": "not an address"})
    removed = api.request("PATCH", "/v1/tenant", body={"invoice_email": None})
    assert (removed["statusCode"], "invoice_email" in body_of(removed)) == (200, False)


def test_a_user_who_is_not_an_admin_cannot_change_the_profile(api: Api) -> None:
    added = api.request("POST", "/v1/users", body={"name": "Per", "email": "per@a.example", "role": "user"})
    per = {"custom:tenant_id": "firm-a", "custom:user_id": body_of(added)["user_id"]}
    assert api.request("PATCH", "/v1/tenant", claims=per, body={"name": "Pers AS"})["statusCode"] == 403
    assert api.request("GET", "/v1/tenant", claims=per)["statusCode"] == 200


def test_an_operator_creates_a_tenant_whose_admin_signs_in_and_the_next_monthly_run_bills_it(
    api: Api, tenant_events: str
) -> None:
    api = api.at(lambda: datetime(2022, 5, 20, 9, 0, tzinfo=UTC))  # the register's clock in May 2022
    created = api.request("POST", "/v1/tenants", claims=OPERATOR, body=NEW_FIRM)
    assert created["statusCode"] == 201
    shown = body_of(created)
    admin = shown.pop("admin")
    assert shown == {
        "tenant_id": "firm-c",
        "name": "Ny Regnskap AS",
        "org_number": "914778271",
        "email": "faktura@ny.example",
        "language": "nb",
        "customer_reference": "Kari",
        "status": "ACTIVE",
        "package": "KOMPLETT",
        "price_switch_date": "2022-05-01",  # the Oslo month of the request (the test clock)
    }
    assert (admin["name"], admin["email"], admin["role"]) == ("Kari Nordmann", "Kari@Ny.example", "admin")
    sign_in = _sign_in("Kari@Ny.example")
    assert sign_in is not None
    assert (sign_in["custom:tenant_id"], sign_in["custom:user_id"]) == ("firm-c", admin["user_id"])
    # the admin's own token now reaches its tenant, and only it
    kari = {"custom:tenant_id": "firm-c", "custom:user_id": admin["user_id"]}
    assert body_of(api.request("GET", "/v1/users", claims=kari))["items"] == [admin]
    assert body_of(api.request("GET", "/v1/clients", claims=kari))["items"] == []
    assert api.request("GET", "/v1/clients/c1", claims=kari)["statusCode"] == 404
    listed = body_of(api.request("GET", "/v1/tenants", claims=OPERATOR))["items"]
    assert {"tenant_id": "firm-c", "name": "Ny Regnskap AS", "org_number": "914778271", "status": "ACTIVE",
            "package": "KOMPLETT"} in listed  # fmt: skip
    assert [(e["detail-type"], e["detail"]) for e in _events(tenant_events)] == [
        ("TenantCreated", {"tenant_id": "firm-c", "actor": "op-1", "user_id": admin["user_id"]})
    ]
    # When the firm adds a client and uses the product in May, the June run bills it
    client = api.request(
        "POST", "/v1/clients", claims=kari, body={"name": "Kafé AS", "org_number": "974760673"}
    )
    client_id = body_of(client)["client_id"]
    batch_put(
        boto3.client("dynamodb", region_name=REGION),
        os.environ["USAGE_TABLE"],
        [usage_item("firm-c", "period.closed", "2022-05-10T10:00:00Z", client_id=client_id)],
    )
    from periodyear_local import services  # noqa: PLC0415

    monthly = importlib.import_module("functions.monthly_invoice.app")
    summary = monthly.handler(
        {"period": "2022-05", "time": "2022-06-01T02:00:00Z"},
        LambdaContext(function_name="monthly_invoice"),
        services=services.billing(),
    )
    assert summary["failed_tenants"] == []
    invoices = body_of(api.request("GET", "/v1/invoices", claims=kari))["items"]
    assert [(i["period"], i["document_type"]) for i in invoices] == [("2022-05", "INVOICE")]
    record = body_of(api.request("GET", f"/v1/invoices/{invoices[0]['invoice_number']}", claims=kari))
    assert record["price_list"] == "standard"
    assert {a["client_id"] for line in record["lines"] for a in line["allocations"]} == {client_id}
    assert Decimal(record["total"]) > 0


@pytest.mark.parametrize(
    ("claims", "body", "status", "named"),
    [
        (ADA, NEW_FIRM, 403, None),  # a tenant's admin is no operator
        (OPERATOR, {**NEW_FIRM, "tenant_id": "firm-a"}, 409, None),  # in the register already
        (OPERATOR, {**NEW_FIRM, "tenant_id": "legacy-1"}, 409, None),  # the old platform holds it
        (OPERATOR, {**NEW_FIRM, "package": "GULL"}, 422, "package"),
        (OPERATOR, {**NEW_FIRM, "org_number": "914778272"}, 422, "org_number"),
        (OPERATOR, {**NEW_FIRM, "tenant_id": "TENANT#x"}, 422, "tenant_id"),
        (OPERATOR, {**NEW_FIRM, "language": "se"}, 422, "language"),
        (OPERATOR, {**NEW_FIRM, "admin": {"name": "X", "email": "no address"}}, 422, "admin.email"),
        (OPERATOR, {**NEW_FIRM, "admin": {"name": "X", "email": "u9@x.example"}}, 409, None),
        (OPERATOR, {**NEW_FIRM, "paid_through": "2030-01-01"}, 422, "paid_through"),
    ],
)
def test_a_tenant_is_created_only_by_an_operator_and_only_where_nothing_holds_it(
    api: Api, claims: dict[str, Any], body: dict[str, Any], status: int, named: str | None
) -> None:
    legacy = legacy_items("legacy-1", users=[("u1", "Ola", "ola@l.example", "admin")])
    batch_put(boto3.client("dynamodb", region_name=REGION), os.environ["LEGACY_TABLE"], legacy)
    # u9@x.example signs in already (firm-b's admin)
    boto3.client("cognito-idp", region_name=REGION).admin_create_user(
        UserPoolId=os.environ["REGISTER_USER_POOL_ID"], Username="u9@x.example"
    )
    before = body_of(api.request("GET", "/v1/tenants", claims=OPERATOR))["items"]
    refused = api.request("POST", "/v1/tenants", claims=claims, body=body)
    assert (refused["statusCode"], refused["headers"]["Content-Type"]) == (status, "application/problem+json")
    if named:
        assert named in body_of(refused)["errors"]
    assert body_of(api.request("GET", "/v1/tenants", claims=OPERATOR))["items"] == before
    held = boto3.client("dynamodb", region_name=REGION).query(
        TableName=os.environ["REGISTER_TABLE"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"TENANT#{body['tenant_id']}"}},
    )["Items"]
    assert bool(held) == (body["tenant_id"] == "firm-a")  # nothing written, nothing left behind


def test_a_post_repeated_with_its_idempotency_key_writes_once_and_answers_the_same(
    api: Api, tenant_events: str
) -> None:
    key = {"idempotency-key": "9f1c7e2a-client-1"}
    body = {"name": "Rør AS", "org_number": "914778271"}
    first = api.request("POST", "/v1/clients", body=body, headers=key)
    again = api.request(
        "POST", "/v1/clients", body=json.dumps(body, indent=2), headers=key
    )  # same body, reformatted
    assert (first["statusCode"], again["statusCode"]) == (201, 201)
    assert body_of(again) == body_of(first)
    assert again["headers"]["Location"] == first["headers"]["Location"]
    assert (again["headers"].get("Idempotent-Replayed"), first["headers"].get("Idempotent-Replayed")) == (
        "true",
        None,
    )
    other = api.request("POST", "/v1/clients", body={**body, "name": "Annet AS"}, headers=key)
    assert (other["statusCode"], other["headers"]["Content-Type"]) == (409, "application/problem+json")
    # another tenant's user with the same key gets its own answer, never firm-a's
    bobs = api.request("POST", "/v1/clients", claims=BOB, body=body, headers=key)
    assert bobs["statusCode"] == 201
    assert body_of(bobs)["client_id"] != body_of(first)["client_id"]
    names = [c["name"] for c in body_of(api.request("GET", "/v1/clients"))["items"]]
    assert names.count("Rør AS") == 1
    assert [
        e["detail"]["tenant_id"] for e in _events(tenant_events) if e["detail-type"] == "ClientCreated"
    ] == [
        "firm-a",
        "firm-b",
    ]
    # a refused first request is not kept: once the conflict is gone, its repeat is answered anew
    taken = api.request(
        "POST",
        "/v1/clients",
        body={"name": "X", "org_number": "974760673"},
        headers={"idempotency-key": "k2"},
    )
    assert taken["statusCode"] == 409
    api.request("DELETE", "/v1/clients/c1")
    retried = api.request(
        "POST",
        "/v1/clients",
        body={"name": "X", "org_number": "974760673"},
        headers={"idempotency-key": "k2"},
    )
    assert retried["statusCode"] == 201


def test_a_tenant_created_twice_with_one_key_is_one_tenant_with_one_sign_in(
    api: Api, tenant_events: str
) -> None:
    key = {"idempotency-key": "create-firm-c"}
    first = api.request("POST", "/v1/tenants", claims=OPERATOR, body=NEW_FIRM, headers=key)
    again = api.request("POST", "/v1/tenants", claims=OPERATOR, body=NEW_FIRM, headers=key)
    assert (first["statusCode"], again["statusCode"], body_of(again)) == (201, 201, body_of(first))
    without_key = api.request("POST", "/v1/tenants", claims=OPERATOR, body=NEW_FIRM)
    assert without_key["statusCode"] == 409  # the register's own rule: it exists
    assert [e["detail-type"] for e in _events(tenant_events)] == ["TenantCreated"]


def test_a_profile_change_naming_another_tenant_is_refused_and_changes_neither(api: Api) -> None:
    before_a, before_b = (
        body_of(api.request("GET", "/v1/tenant")),
        body_of(api.request("GET", "/v1/tenant", claims=BOB)),
    )
    refused = api.request("PATCH", "/v1/tenant", body={"tenant_id": "firm-b", "name": "Overtatt AS"})
    assert (refused["statusCode"], list(body_of(refused)["errors"])) == (422, ["tenant_id"])
    key_like = {"custom:tenant_id": "TENANT#firm-b", "custom:user_id": "u9"}
    assert (
        api.request("PATCH", "/v1/tenant", claims=key_like, body={"name": "Overtatt AS"})["statusCode"] == 401
    )
    assert body_of(api.request("GET", "/v1/tenant")) == before_a
    assert body_of(api.request("GET", "/v1/tenant", claims=BOB)) == before_b


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/clients/{id}", None),
        ("PATCH", "/v1/clients/{id}", {"name": "Overtatt AS"}),
        ("DELETE", "/v1/clients/{id}", None),
        ("PATCH", "/v1/users/{user}", {"name": "Overtatt"}),
        ("DELETE", "/v1/users/{user}", None),
    ],
)
def test_every_route_with_an_id_finds_nothing_of_another_tenant(
    api: Api, method: str, path: str, body: dict[str, str] | None
) -> None:
    # firm-b's own client b-only and user u9 exist; firm-a's admin names them, and key-like ids
    b_only = {"name": "Bare B AS", "org_number": "914778271", "client_id": "b-only"}
    added = api.request("POST", "/v1/clients", claims=BOB, body=b_only)
    assert added["statusCode"] == 201
    before = (
        body_of(api.request("GET", "/v1/clients", claims=BOB)),
        body_of(api.request("GET", "/v1/users", claims=BOB)),
    )
    for client_id, user_id in (("b-only", "u9"), ("TENANT%23firm-b", "TENANT%23firm-b"), ("a%23b", "a%23b")):
        answer = api.request(method, path.format(id=client_id, user=user_id), body=body)
        assert answer["statusCode"] in (404, 422), (path, client_id, answer["statusCode"])
        assert answer["headers"]["Content-Type"] == "application/problem+json"
        assert "firm-b" not in answer["body"]
        assert "Bare B" not in answer["body"]
    after = (
        body_of(api.request("GET", "/v1/clients", claims=BOB)),
        body_of(api.request("GET", "/v1/users", claims=BOB)),
    )
    assert after == before
