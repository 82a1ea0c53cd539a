"""The register API measured side by side in one run (see docs/performance.md).

Run: .venv/bin/python benchmarks/register_api.py   (``--quick`` for fewer cold-import rounds)

1. DynamoDB requests of each route (moto, counted at botocore, one request through the
   handler as API Gateway gives it), against its floor: what the route must read and write at
   the least. A read of one resource: one BatchGetItem of the caller's user item and the
   resource (the tenant's PROFILE rides along, so a suspended tenant is refused); a change: that
   read and one conditional write or transaction; a list: the caller's read and one Query
   (the invoices of both kinds: one Query of each kind's stream).
   Cognito and EventBridge calls are listed beside them. A migrated tenant's first change
   also writes its guard items once (shown apart), and a POST with an Idempotency-Key adds
   Powertools' two record writes (shown apart).
2. The function's cold import against its floor, boto3 + Powertools' Logger and event handler
   + pydantic imported alone, in fresh interpreters, interleaved, medians; both as this
   checkout runs it and as Lambda does (code without bytecode, none written).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import botocore.client
from cold import Snippet, medians

from periodyear.observability import logger
from periodyear.register.bootstrap import RegisterServices
from periodyear_local import services as local_services
from periodyear_local.api_server import http_api_event
from periodyear_local.delivery import LambdaContext
from periodyear_local.sandbox import local_aws
from periodyear_local.seed import batch_put, register_items, usage_item
from periodyear_local.template import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))  # the handlers, imported here as Lambda imports them

ADA = {"custom:tenant_id": "firm-a", "custom:user_id": "u1"}
OPERATOR = {"cognito:groups": "[operators]", "sub": "op"}
CLIENT = {"name": "Rør AS", "org_number": "914778271"}
NEW_TENANT = {
    "tenant_id": "firm-new",
    "name": "Ny AS",
    "org_number": "974760673",
    "email": "post@ny.example",
    "package": "KOMPLETT",
    "admin": {"name": "Ny", "email": "ny@ny.example"},
}


@contextmanager
def counted() -> Iterator[Counter[str]]:
    """Every AWS API call made in the block, as ``service:Operation``."""
    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def spy(self: Any, operation: str, params: Any) -> Any:
        calls[f"{self.meta.service_model.service_name}:{operation}"] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = spy  # type: ignore[attr-defined]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def call(
    method: str,
    path: str,
    claims: dict[str, Any],
    body: Any = None,
    *,
    services: RegisterServices | None = None,
    **headers: str,
) -> dict[str, Any]:
    """The handler's answer, given ``services`` (none: it builds its own, as in Lambda)."""
    app = importlib.import_module("functions.register_api.app")
    event = http_api_event(
        method,
        path.split("?", maxsplit=1)[0],
        query=path.partition("?")[2],
        headers={"content-type": "application/json", **{k.replace("_", "-"): v for k, v in headers.items()}},
        body=json.dumps(body) if body is not None else None,
        claims=claims,
    )
    answer: dict[str, Any] = app.handler(
        event, LambdaContext(function_name="register_api"), services=services
    )
    return answer


def seed(aws: dict[str, Any]) -> None:
    items = register_items(
        "firm-a",
        package="KOMPLETT",
        price_switch_date=date(2022, 3, 1),
        clients=[("b1", "Firma A AS", "923609016", True), ("c1", "Bakeri AS", "974760673", False)],
        users=[(f"u{n}", "A", f"u{n}@a.example", "admin") for n in (1, 2)],
    )
    batch_put(aws["dynamodb"], aws["tables"]["RegisterTable"], items)
    usage = [usage_item("firm-a", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")]
    batch_put(aws["dynamodb"], os.environ["USAGE_TABLE"], usage)
    monthly = importlib.import_module("functions.monthly_invoice.app")
    event = {"period": "2022-05", "time": "2022-06-01T02:00:00Z", "tenant_ids": ["firm-a"]}
    monthly.handler(event, LambdaContext(function_name="monthly_invoice"))


# route, floor of DynamoDB requests, the request
ROUTES: list[tuple[str, int, tuple[Any, ...]]] = [
    ("GET /v1/clients/{id}", 1, ("GET", "/v1/clients/c1", ADA)),
    ("GET /v1/tenant", 1, ("GET", "/v1/tenant", ADA)),
    ("GET /v1/clients", 2, ("GET", "/v1/clients", ADA)),
    ("GET /v1/users", 2, ("GET", "/v1/users", ADA)),
    ("POST /v1/clients", 2, ("POST", "/v1/clients", ADA, CLIENT)),
    ("PATCH /v1/clients/{id}", 2, ("PATCH", "/v1/clients/c1", ADA, {"name": "Bakeri og Kafé AS"})),
    ("DELETE /v1/clients/{id}", 2, ("DELETE", "/v1/clients/c1", ADA)),
    ("PATCH /v1/tenant", 2, ("PATCH", "/v1/tenant", ADA, {"customer_reference": "Ola"})),
    ("POST /v1/users", 2, ("POST", "/v1/users", ADA, {"name": "P", "email": "p@a.example", "role": "user"})),
    ("PATCH /v1/users/{id}", 2, ("PATCH", "/v1/users/u2", ADA, {"role": "user"})),
    ("DELETE /v1/users/{id}", 2, ("DELETE", "/v1/users/u2", ADA)),
    # Newest first across both kinds: one Query of each kind's stream (CONTRACT §6 keys them
    # apart), merged; one kind alone is one Query.
    ("GET /v1/invoices", 3, ("GET", "/v1/invoices", ADA)),
    ("GET /v1/invoices?kind=MONTHLY", 2, ("GET", "/v1/invoices?kind=MONTHLY", ADA)),
    ("GET /v1/invoices/{number}", 2, ("GET", "/v1/invoices/1", ADA)),
    ("GET /v1/invoices/{number}/pdf", 2, ("GET", "/v1/invoices/1/pdf", ADA)),
    ("GET /v1/tenants", 2, ("GET", "/v1/tenants", OPERATOR)),
    ("POST /v1/tenants", 2, ("POST", "/v1/tenants", OPERATOR, NEW_TENANT)),
]


def route_requests() -> None:
    print("1. DynamoDB requests a route makes (moto), against its floor")
    with local_aws("RegisterApiFunction") as aws:
        seed(aws)
        services = local_services.register()
        with counted() as first:  # the migrated tenant's first change: its guards, once
            call("PATCH", "/v1/clients/b1", ADA, {"name": "Firma A Regnskap AS"}, services=services)
            call("PATCH", "/v1/users/u1", ADA, {"name": "Ada"}, services=services)
        total = floors = 0
        for route, floor, request in ROUTES:
            with counted() as calls:
                answer = call(*request, services=services)
            dynamodb = sum(n for name, n in calls.items() if name.startswith("dynamodb:"))
            others = {k: v for k, v in sorted(calls.items()) if not k.startswith("dynamodb:")}
            total, floors = total + dynamodb, floors + floor
            ratio = dynamodb / floor
            beside = f"  beside: {dict(others)}" if others else ""
            print(
                f"   {route:<30} {answer['statusCode']}  {dynamodb} / floor {floor} = {ratio:.2f} ×{beside}"
            )
        print(f"   all routes: {total} / {floors} = {total / floors:.2f} × floor")
        guards = sum(n for k, n in first.items() if k.startswith("dynamodb:"))
        print(
            f"   a migrated tenant's first client and user change, guards included: {guards} requests, once"
        )
        water = {"name": "Vann AS", "org_number": "986000003"}
        for label in ("POST /v1/clients with an Idempotency-Key", "the same POST repeated"):
            with counted() as calls:
                status = call("POST", "/v1/clients", ADA, water, services=services, idempotency_key="k1")[
                    "statusCode"
                ]
            print(f"   {label}: {status} {dict(sorted(calls.items()))}")


FLOOR = (
    "import boto3\nfrom aws_lambda_powertools import Logger\n"
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\nimport pydantic"
)
# A first request as the HTTP API hands it on (no token: refused before any AWS call).
EVENT = (
    "event = {'version': '2.0', 'routeKey': 'ANY /v1/{proxy+}', 'rawPath': '/v1/clients/c1',"
    " 'rawQueryString': '', 'headers': {}, 'isBase64Encoded': False, 'requestContext': {'http':"
    " {'method': 'GET', 'path': '/v1/clients/c1', 'sourceIp': '127.0.0.1'}, 'requestId': 'r',"
    " 'stage': '$default'}}\n"
    "from types import SimpleNamespace\n"
    "context = SimpleNamespace(function_name='f', memory_limit_in_mb=512, aws_request_id='r',"
    " invoked_function_arn='arn:aws:lambda:eu-north-1:1:function:f')\n"
)
# The framework alone serving that request: the resolver with its request validation on (which
# the API must use), one route with one validated path parameter, and the DynamoDB client that
# every route reads with.
SERVING_FLOOR = (
    FLOOR + "\nboto3.client('dynamodb', region_name='eu-north-1')\n"
    "from pydantic import BaseModel\n"
    "app = APIGatewayHttpResolver(enable_validation=True)\n"
    "class Out(BaseModel):\n    client_id: str\n"
    "@app.get('/v1/clients/<client_id>')\n"
    "def one(client_id: str) -> Out:\n    return Out(client_id=client_id)\n"
    + EVENT
    + "app.resolve(event, context)"
)
FIRST_REQUEST = "import functions.register_api.app as api\n" + EVENT + "api.handler(event, context)"


def cold(rounds: int) -> None:
    print(f"2. Cold import, fresh interpreter, template environment, median of {rounds} interleaved")
    snippets: dict[str, Snippet] = {
        "import boto3": ("import boto3", None),
        "floor: boto3 + Logger + event handler + pydantic": (FLOOR, None),
        "register_api": ("import functions.register_api.app", "RegisterApiFunction"),
        "floor serving one validated request": (SERVING_FLOOR, None),
        "register_api serving its first request": (FIRST_REQUEST, "RegisterApiFunction"),
        "register_signins": ("import functions.register_signins.app", "RegisterSignInsFunction"),
    }
    for as_lambda, compiled, label in (
        (False, False, "this checkout (bytecode cached)"),
        (True, False, "as Lambda, our code from source (no bytecode written)"),
        (True, True, "as Lambda, with the layer's compiled bytecode"),
    ):
        found = medians(snippets, rounds, as_lambda=as_lambda, compiled=compiled)
        floor = found["floor: boto3 + Logger + event handler + pydantic"]
        serving = found["floor serving one validated request"]
        print(f"   {label}:")
        for name, seconds in found.items():
            against = serving if "serving" in name else floor
            which = "the serving floor" if "serving" in name else "the import floor"
            print(f"     {name:<42} {1000 * seconds:6.0f} ms = {seconds / against:.2f} × {which}")


def main() -> None:
    logger.setLevel("ERROR")
    route_requests()
    cold(3 if "--quick" in sys.argv else 9)


if __name__ == "__main__":
    main()
