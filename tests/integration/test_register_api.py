"""The register API through its Lambda handler, as API Gateway's HTTP API (payload 2.0) calls it
behind the JWT authorizer, on the template's register table and bus in moto."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from periodyear.adapters.clients import Clients
from periodyear.register.api import openapi_document
from periodyear.register.bootstrap import RegisterServices
from periodyear_local import services as local_services
from periodyear_local.api_server import http_api_event
from periodyear_local.delivery import LambdaContext
from periodyear_local.sandbox import drain_queue, local_aws, route_to_queue
from periodyear_local.seed import batch_put, register_items

OPENAPI_COPY = Path(__file__).parents[2] / "docs" / "openapi.json"
ADA = {"custom:tenant_id": "firm-a", "custom:user_id": "u1"}
BOB = {"custom:tenant_id": "firm-b", "custom:user_id": "u9"}


def request(
    method: str,
    path: str,
    claims: dict[str, Any] | None = ADA,
    body: Any = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    *,
    services: RegisterServices,
) -> dict[str, Any]:
    """The handler's answer to a request as the HTTP API hands it on behind its JWT authorizer,
    the handler given ``services`` (as Lambda gives it none and it builds its own)."""
    app = importlib.import_module("functions.register_api.app")
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    event = http_api_event(
        method,
        path,
        query="&".join(f"{k}={v}" for k, v in (query or {}).items()),
        headers={"content-type": "application/json", **(headers or {})},
        body=raw,
        claims=claims,
    )
    response: dict[str, Any] = app.handler(
        event, LambdaContext(function_name="register_api"), services=services
    )
    return response


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


@dataclass(frozen=True)
class Api:
    """The register API over the test's AWS: its services, the clients they use, and the queue
    the register's events reach."""

    services: RegisterServices
    clients: Clients
    events: str

    def request(
        self,
        method: str,
        path: str,
        claims: dict[str, Any] | None = ADA,
        body: Any = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        return request(method, path, claims, body, query, headers, services=self.services)

    def at(self, clock: Callable[[], datetime]) -> Api:
        """The same API, over the same clients, with the register's clock at ``clock``."""
        return replace(self, services=local_services.register(clock, self.clients))


@pytest.fixture
def api() -> Iterator[Api]:
    with local_aws("RegisterApiFunction") as aws:
        clients = Clients.fresh()
        table = aws["tables"]["RegisterTable"]
        for tenant, user in (("firm-a", "u1"), ("firm-b", "u9")):
            items = register_items(
                tenant,
                package="KOMPLETT",
                price_switch_date=date(2022, 3, 1),
                clients=[
                    ("b1", f"{tenant} Regnskap AS", "923609016", True),
                    ("c1", "Bakeri AS", "974760673", False),
                ],
                users=[(user, "A", f"{user}@x.example", "admin")],
            )
            batch_put(aws["dynamodb"], table, items)
        events = route_to_queue(
            os.environ["EVENT_BUS_NAME"],
            ["ClientCreated", "ClientUpdated", "ClientArchived"],
            "register-events",
        )
        yield Api(local_services.register(clients=clients), clients, events)


def test_a_user_adds_renames_and_archives_a_client_with_one_event_each(api: Api) -> None:
    created = api.request(
        "POST", "/v1/clients", body={"name": "Rør AS", "org_number": "914778271", "client_id": "c2"}
    )
    assert (created["statusCode"], created["headers"]["Location"], created["headers"]["ETag"]) == (
        201,
        "/v1/clients/c2",
        '"1"',
    )
    assert body_of(created) == {
        "client_id": "c2",
        "name": "Rør AS",
        "org_number": "914778271",
        "is_bureau_client": False,
    }
    got = api.request("GET", "/v1/clients/c2")
    assert (got["statusCode"], got["headers"]["ETag"]) == (200, '"1"')
    renamed = api.request(
        "PATCH", "/v1/clients/c2", body={"name": "Rør og Varme AS"}, headers={"if-match": '"1"'}
    )
    assert (renamed["statusCode"], body_of(renamed)["name"], renamed["headers"]["ETag"]) == (
        200,
        "Rør og Varme AS",
        '"2"',
    )
    stale = api.request("PATCH", "/v1/clients/c2", body={"name": "Feil"}, headers={"if-match": '"1"'})
    assert (stale["statusCode"], stale["headers"]["Content-Type"]) == (412, "application/problem+json")
    assert api.request("DELETE", "/v1/clients/c2", headers={"if-match": '"2"'})["statusCode"] == 204
    listed = body_of(api.request("GET", "/v1/clients", query={"include_archived": "true"}))
    assert [(c["client_id"], "archived_at" in c) for c in listed["items"]] == [
        ("b1", False),
        ("c1", False),
        ("c2", True),
    ]
    events = drain_queue(api.events)
    assert sorted(e["detail-type"] for e in events) == ["ClientArchived", "ClientCreated", "ClientUpdated"]
    assert all(e["source"] == "periodyear.register" and e["detail"]["actor"] == "u1" for e in events)
    assert "@" not in json.dumps([e["detail"] for e in events])


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "named"),
    [
        ("POST", "/v1/clients", "{not json", 400, None),
        ("POST", "/v1/clients", {"name": "X", "org_number": "914778272"}, 422, "org_number"),
        ("POST", "/v1/clients", {"name": "X", "org_number": "914778271", "orgnr": "1"}, 422, "orgnr"),
        ("POST", "/v1/clients", {"name": "X", "org_number": "974760673"}, 409, None),
        ("POST", "/v1/clients", {"name": "X" * 20_000, "org_number": "914778271"}, 413, None),
        ("PATCH", "/v1/clients/c1", {"org_number": "12"}, 422, "org_number"),
        ("DELETE", "/v1/clients/b1", None, 409, None),
        ("GET", "/v1/clients", None, 200, None),
        ("GET", "/v1/nothing-here", None, 404, None),
    ],
)
def test_every_refusal_is_problem_json_naming_what_is_wrong(
    api: Api, method: str, path: str, body: Any, status: int, named: str | None
) -> None:
    response = api.request(method, path, body=body)
    assert response["statusCode"] == status
    if status >= 400:
        problem = body_of(response)
        assert response["headers"]["Content-Type"] == "application/problem+json"
        assert problem["status"] == status
        assert problem["title"]
        assert problem["detail"]
        assert "Traceback" not in response["body"]
        assert "TENANT#" not in response["body"]
        if named:
            assert named in problem["errors"]


def test_another_tenants_clients_are_not_found_by_any_route_or_id(api: Api) -> None:
    before = body_of(api.request("GET", "/v1/clients/c1", claims=BOB))
    for claims_path in ["/v1/clients/TENANT%23firm-b", "/v1/clients/a%23b", "/v1/clients/TENANT#firm-b"]:
        assert api.request("GET", claims_path)["statusCode"] in (404, 422)
    # firm-a's requests never reach firm-b's c1, whatever they name
    assert (
        api.request("PATCH", "/v1/clients/c1", body={"name": "Mine"})["statusCode"] == 200
    )  # firm-a's own c1
    assert body_of(api.request("GET", "/v1/clients/c1", claims=BOB)) == before
    body_naming_other = {"name": "X", "org_number": "914778271", "client_id": "c9", "tenant_id": "firm-b"}
    assert api.request("POST", "/v1/clients", body=body_naming_other)["statusCode"] == 422  # an unknown field
    assert api.request("GET", "/v1/clients/c9", claims=BOB)["statusCode"] == 404


@pytest.mark.parametrize(
    "claims",
    [None, {}, {"custom:tenant_id": "firm-a"}, {"custom:tenant_id": "firm-a", "custom:user_id": "u-gone"}],
)
def test_no_verified_user_means_401(api: Api, claims: dict[str, Any] | None) -> None:
    response = api.request("GET", "/v1/clients", claims=claims)
    assert (response["statusCode"], response["headers"]["Content-Type"]) == (401, "application/problem+json")


def test_the_openapi_document_in_docs_is_the_one_the_code_generates() -> None:
    generated = openapi_document()
    assert json.loads(OPENAPI_COPY.read_text(encoding="utf-8")) == generated, (
        "docs/openapi.json is out of date: .venv/bin/python -m periodyear_local openapi > docs/openapi.json"
    )
    assert {"/v1/clients", "/v1/clients/{client_id}"} <= set(generated["paths"])


def test_the_local_server_takes_only_tokens_it_minted_and_not_after_they_expire(api: Api) -> None:
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    from periodyear_local.api_server import LocalApi, serving  # noqa: PLC0415

    local = LocalApi(openapi=openapi_document(), services=api.services)
    other = LocalApi()

    def status(url: str, token: str | None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            with urllib.request.urlopen(
                urllib.request.Request(f"{url}/v1/clients", headers=headers), timeout=10
            ) as r:
                return int(r.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    with serving(local) as url:
        assert status(url, local.mint(tenant_id="firm-a", user_id="u1")) == 200
        assert status(url, None) == 401
        assert status(url, other.mint(tenant_id="firm-a", user_id="u1")) == 401  # another key
        assert status(url, local.mint(tenant_id="firm-a", user_id="u1", ttl=-10)) == 401  # expired
        assert status(url, local.mint(operator=True)) == 403  # an operator is no tenant's user


def test_a_user_reads_its_tenant_and_its_users_and_nothing_of_another_tenant(api: Api) -> None:
    tenant = api.request("GET", "/v1/tenant")
    assert tenant["statusCode"] == 200
    shown = body_of(tenant)
    assert {k: shown[k] for k in ("tenant_id", "status", "package", "price_switch_date")} == {
        "tenant_id": "firm-a",
        "status": "ACTIVE",
        "package": "KOMPLETT",
        "price_switch_date": "2022-03-01",
    }
    assert "paid_through" not in shown  # absent ones are omitted
    assert not [k for k in shown if k.startswith(("gsi", "pk", "sk"))]
    users = body_of(api.request("GET", "/v1/users"))
    assert users == {
        "items": [{"user_id": "u1", "name": "A", "email": "u1@x.example", "role": "admin"}],
        "next_cursor": None,
    }
    assert body_of(api.request("GET", "/v1/users", claims=BOB))["items"][0]["user_id"] == "u9"
    assert api.request("GET", "/v1/tenant", claims={"cognito:groups": "[operators]"})["statusCode"] == 403


def _bill_april_and_may() -> None:
    import boto3  # noqa: PLC0415

    from periodyear_local import services  # noqa: PLC0415
    from periodyear_local.sandbox import REGION  # noqa: PLC0415
    from periodyear_local.seed import usage_item  # noqa: PLC0415

    """firm-a billed for two months (firm-b for one), by the monthly job inline."""
    usage = [usage_item("firm-a", "period.closed", f"2022-0{m}-10T10:00:00Z", client_id="c1") for m in (4, 5)]
    usage.append(usage_item("firm-b", "period.closed", "2022-05-10T10:00:00Z", client_id="c1"))
    batch_put(boto3.client("dynamodb", region_name=REGION), os.environ["USAGE_TABLE"], usage)
    monthly = importlib.import_module("functions.monthly_invoice.app")
    billing = services.billing()
    for period, issued in (("2022-04", "2022-05-01T02:00:00Z"), ("2022-05", "2022-06-01T02:00:00Z")):
        event = {
            "period": period,
            "time": issued,
            "tenant_ids": ["firm-a", "firm-b"] if period == "2022-05" else ["firm-a"],
        }
        summary = monthly.handler(event, LambdaContext(function_name="monthly_invoice"), services=billing)
        assert summary["failed_tenants"] == []


def test_a_user_fetches_its_invoices_their_records_and_short_lived_links_to_their_documents(api: Api) -> None:
    # Given firm-a billed for two months (firm-b for one), by the monthly job inline
    _bill_april_and_may()
    # When firm-a lists its invoices, newest first
    listed = body_of(api.request("GET", "/v1/invoices"))
    assert [(i["invoice_number"], i["kind"], i["period"], i["document_type"]) for i in listed["items"]] == [
        (2, "MONTHLY", "2022-05", "INVOICE"),
        (1, "MONTHLY", "2022-04", "INVOICE"),
    ]
    assert listed["next_cursor"] is None
    first = body_of(api.request("GET", "/v1/invoices", query={"limit": "1"}))
    rest = body_of(api.request("GET", "/v1/invoices", query={"limit": "1", "cursor": first["next_cursor"]}))
    assert [i["invoice_number"] for i in first["items"] + rest["items"]] == [2, 1]
    # Then one record is CONTRACT §6's, amounts as decimal strings, allocations merged
    record = body_of(api.request("GET", "/v1/invoices/2"))
    assert (record["period_start"], record["period_end"], record["total"], record["currency"]) == (
        "2022-05-01",
        "2022-06-01",
        listed["items"][0]["total"],
        "NOK",
    )
    (period_line,) = [line for line in record["lines"] if line.get("meter") == "period_active_clients"]
    assert [a["client_id"] for a in period_line["allocations"]] == ["c1"]
    # and each document is a short-lived presigned link; the PDF stays in S3 under Object Lock
    link = api.request("GET", "/v1/invoices/2/pdf")
    assert link["statusCode"] == 307
    assert "invoices/firm-a/2.pdf" in link["headers"]["Location"]
    assert "X-Amz-Expires=900" in link["headers"]["Location"]
    # and firm-b's invoice 3 is not found by firm-a, under any route
    for path in ("/v1/invoices/3", "/v1/invoices/3/pdf", "/v1/invoices/3/basis"):
        assert api.request("GET", path)["statusCode"] == 404
    assert [
        i["invoice_number"] for i in body_of(api.request("GET", "/v1/invoices", claims=BOB))["items"]
    ] == [3]


def test_an_invoice_shows_its_delivery_and_an_admin_has_it_emailed_again_once_per_key(api: Api) -> None:
    import boto3  # noqa: PLC0415

    from periodyear_local.sandbox import REGION  # noqa: PLC0415

    _bill_april_and_may()
    # Before delivery has read the announcement, each invoice is pending
    listed = body_of(api.request("GET", "/v1/invoices"))["items"]
    assert [i["delivery_status"] for i in listed] == ["pending", "pending"]
    assert body_of(api.request("GET", "/v1/invoices/2"))["delivery"] == {"status": "pending", "attempts": []}
    # When an admin asks for invoice 2 again, twice with one key, then once more without
    queue = os.environ["DELIVERY_QUEUE_URL"]
    boto3.client("sqs", region_name=REGION).purge_queue(QueueUrl=queue)  # the announcements' messages
    keyed = {"idempotency-key": "resend-2-a"}
    for _ in range(2):
        asked = api.request(
            "POST", "/v1/invoices/2/delivery", body={"email": "kopi@a.example"}, headers=keyed
        )
        assert (asked["statusCode"], body_of(asked)) == (202, {"invoice_number": 2, "status": "accepted"})
    assert api.request("POST", "/v1/invoices/2/delivery", body={})["statusCode"] == 202
    # Then delivery is asked twice: to the given address, then to the invoice address
    messages = [m["resend"] for m in drain_queue(queue)]
    assert [(m["email"], m["invoice"]["invoice_number"]) for m in messages] == [
        ("kopi@a.example", 2),
        (None, 2),
    ]
    assert messages[0]["request_id"] != messages[1]["request_id"]
    assert messages[0]["invoice"]["documents"]["pdf"] == "invoices/firm-a/2.pdf"
    # and another tenant's invoice, a plain user, or an address that is none are refused
    assert api.request("POST", "/v1/invoices/3/delivery", body={})["statusCode"] == 404
    wrong_method = api.request("GET", "/v1/invoices/2/delivery")
    assert (wrong_method["statusCode"], wrong_method["headers"]["Allow"]) == (405, "POST")
    wrong = api.request("POST", "/v1/invoices/2/delivery", body={"email": "kopi"})
    assert (wrong["statusCode"], "email" in body_of(wrong)["errors"]) == (422, True)
    unsendable = api.request("POST", "/v1/invoices/2/delivery", body={"email": "bjørn@a.example"})
    assert (unsendable["statusCode"], body_of(unsendable)["errors"]) == (422, {"email": "cannot be sent to"})
    added = api.request("POST", "/v1/users", body={"name": "Per", "email": "per@a.example", "role": "user"})
    per = {"custom:tenant_id": "firm-a", "custom:user_id": body_of(added)["user_id"]}
    assert api.request("POST", "/v1/invoices/2/delivery", claims=per, body={})["statusCode"] == 403
    assert drain_queue(queue) == []


def test_a_field_in_the_wrong_form_is_told_as_a_person_would_never_as_a_regular_expression(api: Api) -> None:
    spaced = api.request("POST", "/v1/clients", body={"name": "Rør AS", "org_number": "914 778 271"})
    assert (spaced["statusCode"], body_of(spaced)["errors"]) == (
        422,
        {"org_number": "9 digits without spaces, the last a MOD11 check digit, e.g. 914778271"},
    )
    stale = api.request(
        "PATCH", "/v1/clients/c1", body={"name": "Bakeri AS"}, headers={"if-match": "version 1"}
    )
    assert (stale["statusCode"], body_of(stale)["errors"]) == (
        422,
        {"if-match": 'the ETag a GET of it returned, e.g. "3"'},
    )
    bad_id = api.request(
        "POST", "/v1/clients", body={"name": "X AS", "org_number": "914778271", "client_id": "-x"}
    )
    assert body_of(bad_id)["errors"]["client_id"].startswith("1 to 64 letters")
    for answer in (spaced, stale, bad_id):
        assert "^" not in answer["body"]


def test_an_operator_lists_every_tenant_and_a_user_may_not(api: Api) -> None:
    operator = {"cognito:groups": "[operators]"}
    listed = body_of(api.request("GET", "/v1/tenants", claims=operator))
    assert listed == {
        "items": [
            {
                "tenant_id": "firm-a",
                "name": "firm-a",
                "org_number": "999999999",
                "status": "ACTIVE",
                "package": "KOMPLETT",
            },
            {
                "tenant_id": "firm-b",
                "name": "firm-b",
                "org_number": "999999999",
                "status": "ACTIVE",
                "package": "KOMPLETT",
            },
        ],
        "next_cursor": None,
    }
    first = body_of(api.request("GET", "/v1/tenants", claims=operator, query={"limit": "1"}))
    rest = body_of(
        api.request(
            "GET", "/v1/tenants", claims=operator, query={"limit": "1", "cursor": first["next_cursor"]}
        )
    )
    assert [t["tenant_id"] for t in first["items"] + rest["items"]] == ["firm-a", "firm-b"]
    refused = api.request("GET", "/v1/tenants")
    assert (refused["statusCode"], refused["headers"]["Content-Type"]) == (403, "application/problem+json")


def _sign_in(email: str) -> dict[str, Any] | None:
    import boto3  # noqa: PLC0415

    from periodyear_local.sandbox import REGION  # noqa: PLC0415

    cognito = boto3.client("cognito-idp", region_name=REGION)
    try:
        user = cognito.admin_get_user(UserPoolId=os.environ["REGISTER_USER_POOL_ID"], Username=email)
    except cognito.exceptions.UserNotFoundException:
        return None
    return {"enabled": user["Enabled"], **{a["Name"]: a["Value"] for a in user["UserAttributes"]}}


def test_an_admin_adds_a_user_who_gets_a_sign_in_naming_the_tenant_and_removes_it(api: Api) -> None:
    added = api.request(
        "POST", "/v1/users", body={"name": "Ola", "email": "Ola@Firm.example", "role": "user"}
    )
    assert (added["statusCode"], added["headers"]["ETag"]) == (201, '"1"')
    user_id = body_of(added)["user_id"]
    sign_in = _sign_in("Ola@Firm.example")
    assert sign_in is not None
    assert (sign_in["custom:tenant_id"], sign_in["custom:user_id"], sign_in["enabled"]) == (
        "firm-a",
        user_id,
        True,
    )
    # one address one user in a tenant, whatever its case
    taken = api.request(
        "POST", "/v1/users", body={"name": "Ola 2", "email": "ola@firm.example", "role": "user"}
    )
    assert taken["statusCode"] == 409
    # a user (not an admin) may not change users; another tenant's admin does not find this one
    ola = {"custom:tenant_id": "firm-a", "custom:user_id": user_id}
    assert (
        api.request(
            "POST", "/v1/users", claims=ola, body={"name": "X", "email": "x@firm.example", "role": "admin"}
        )["statusCode"]
        == 403
    )
    assert api.request("DELETE", f"/v1/users/{user_id}", claims=BOB)["statusCode"] == 404
    # promoted, then the first admin steps down: allowed, an admin is left
    assert api.request("PATCH", f"/v1/users/{user_id}", body={"role": "admin"})["statusCode"] == 200
    assert api.request("PATCH", "/v1/users/u1", body={"role": "user"})["statusCode"] == 200
    # u1 is no admin any more: at once, on its next call
    assert (
        api.request("POST", "/v1/users", body={"name": "Y", "email": "y@firm.example", "role": "user"})[
            "statusCode"
        ]
        == 403
    )
    # the last admin cannot remove or demote itself
    last = api.request("DELETE", f"/v1/users/{user_id}", claims=ola)
    assert (last["statusCode"], "admin" in body_of(last)["detail"]) == (409, True)
    assert (
        api.request("PATCH", f"/v1/users/{user_id}", claims=ola, body={"role": "user"})["statusCode"] == 409
    )
    # removing a user disables its sign-in
    assert api.request("DELETE", "/v1/users/u1", claims=ola)["statusCode"] == 204
    assert body_of(api.request("GET", "/v1/users", claims=ola))["items"][0]["user_id"] == user_id
    events = drain_queue(api.events)
    assert "@" not in json.dumps([e["detail"] for e in events])


@pytest.mark.server
def test_two_admins_demoting_each_other_at_once_leave_one_admin(moto_server: Any) -> None:
    import threading  # noqa: PLC0415
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    import boto3  # noqa: PLC0415

    from periodyear_local.sandbox import REGION, patched_environ  # noqa: PLC0415

    with patched_environ(moto_server.environment("RegisterApiFunction")):
        services = local_services.register()
        table = moto_server.names["RegisterTable"]
        items = register_items(
            "firm-a",
            package="KOMPLETT",
            price_switch_date=date(2022, 3, 1),
            users=[(u, u, f"{u}@x.example", "admin") for u in ("u1", "u2")],
        )
        batch_put(boto3.client("dynamodb", region_name=REGION), table, items)
        start = threading.Barrier(2)

        def demote(pair: tuple[str, str]) -> int:
            me, other = pair
            start.wait()
            claims = {"custom:tenant_id": "firm-a", "custom:user_id": me}
            return int(
                request(
                    "PATCH", f"/v1/users/{other}", claims=claims, body={"role": "user"}, services=services
                )["statusCode"]
            )

        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = sorted(pool.map(demote, [("u1", "u2"), ("u2", "u1")]))
        roles = body_of(
            request(
                "GET",
                "/v1/users",
                claims={"custom:tenant_id": "firm-a", "custom:user_id": "u1"},
                services=services,
            )
        )
    admins = [u for u in roles["items"] if u["role"] == "admin"]
    assert len(admins) == 1
    assert statuses in ([200, 403], [200, 409])  # the second is no admin any more, or would leave none


def test_an_address_the_user_pool_refuses_leaves_no_user_behind(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError  # noqa: PLC0415

    def refuse(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "InvalidParameterException", "Message": "Invalid email"}}, "AdminCreateUser"
        )

    with monkeypatch.context() as patch:
        patch.setattr(api.clients.cognito(), "admin_create_user", refuse)  # the pool the services use
        refused = api.request(
            "POST", "/v1/users", body={"name": "Åse", "email": "åse@firm.example", "role": "admin"}
        )
    assert (refused["statusCode"], body_of(refused)["errors"]) == (422, {"email": "refused by the pool"})
    assert [u["user_id"] for u in body_of(api.request("GET", "/v1/users"))["items"]] == ["u1"]
    # the address is free again, and the admin count was given back: u1 is still the only admin
    created = api.request(
        "POST", "/v1/users", body={"name": "Åse", "email": "ase@firm.example", "role": "user"}
    )
    assert created["statusCode"] == 201
    assert api.request("DELETE", "/v1/users/u1")["statusCode"] == 409


def test_the_routes_refused_before_routing_are_the_documents() -> None:
    from periodyear.register.api import ROUTES  # noqa: PLC0415

    documented = {path: {m.upper() for m in ops} for path, ops in openapi_document()["paths"].items()}
    routed = {pattern.pattern: set(methods) for pattern, methods in ROUTES.routes}
    assert sorted(map(sorted, routed.values())) == sorted(map(sorted, documented.values()))
    for path, expected in documented.items():  # each documented path, parameters filled in, matches its route
        concrete = path.replace("{client_id}", "c1").replace("{user_id}", "u1").replace("{number}", "7")
        concrete = concrete.replace("{document}", "pdf")
        # the most literal route a path matches is its own (``/v1/invoices/7/delivery`` matches
        # the document route too)
        methods = next(set(m) for pattern, m in ROUTES.routes if pattern.match(concrete))
        assert methods == expected, path
