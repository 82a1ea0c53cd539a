"""The register's HTTP API (CONTRACT §9) on Powertools' ``APIGatewayHttpResolver``: one router
per resource (``periodyear.register.routes``), the checks around every route as middleware, and
every error, from a route, the validation or a route that does not exist, as one problem+json.

The order of the checks is the contract's: a body too large, a method the path does not answer
or a body that is not JSON is refused before any field is read, then the fields are validated,
then the caller is read from the token. Powertools runs its own request validation before any
middleware, so the resolver's is left off and its two validation middlewares are put in the
chain at their place (which writes the same OpenAPI document: each operation names its 422).
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
    OpenAPIResponseValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from periodyear.domain.client_register import Conflict, RegisterError
from periodyear.register import problems
from periodyear.register.middleware import BeforeRouting, RouteTable, SignedIn
from periodyear.register.routes import clients, invoices, tenant, tenants, users
from periodyear.register.routes.shared import SERVICES

if TYPE_CHECKING:
    from periodyear.register.bootstrap import RegisterServices

# The paths the routers answer and the methods of each, for a 405's ``Allow`` (the resolver keeps
# its own table privately); ``test_the_routes_refused_before_routing_are_the_documents`` holds it
# equal to the OpenAPI document.
ROUTES = RouteTable(
    {
        "/v1/tenant": ("GET", "PATCH"),
        "/v1/users": ("GET", "POST"),
        "/v1/users/<user_id>": ("PATCH", "DELETE"),
        "/v1/tenants": ("GET", "POST"),
        "/v1/invoices": ("GET",),
        "/v1/invoices/<number>": ("GET",),
        "/v1/invoices/<number>/delivery": ("POST",),
        "/v1/invoices/<number>/<document>": ("GET",),
        "/v1/clients": ("GET", "POST"),
        "/v1/clients/<client_id>": ("GET", "PATCH", "DELETE"),
    }
)

app = APIGatewayHttpResolver(enable_validation=False)  # validated by the middlewares below, in order
app.use(
    middlewares=[
        BeforeRouting(ROUTES),
        OpenAPIRequestValidationMiddleware(),  # type: ignore[no-untyped-call]
        SignedIn(ROUTES),
        OpenAPIResponseValidationMiddleware(),
    ]
)
for resource in (tenant, users, tenants, invoices, clients):  # the OpenAPI document's order
    app.include_router(resource.router)

app.exception_handler(RegisterError)(problems.refused)
app.exception_handler(Conflict)(problems.conflict)
app.exception_handler(RequestValidationError)(problems.invalid)
app.exception_handler([RequestUnsupportedContentType, UnicodeDecodeError])(problems.not_json)
app.not_found(problems.no_route)
app.exception_handler(Exception)(problems.failed)


def handle(event: dict[str, Any], context: Any, services: RegisterServices) -> dict[str, Any]:
    """Answer one HTTP API request with these services (the routes read them from the context)."""
    app.append_context(**{SERVICES: services})  # type: ignore[no-untyped-call]
    return app.resolve(event, context)


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the routes describe (docs/openapi.json holds a copy)."""
    # The OpenAPI models (about 300 ms of imports) load here, never on a request's cold start.
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer  # noqa: PLC0415

    app.configure_openapi(
        title="Periode & År client register",
        version="1.0.0",
        summary="The customer's and the operator's entry point (CONTRACT §9)",
        security_schemes={
            "cognito": HTTPBearer(bearerFormat="JWT", description="An ID token of the user pool")
        },
        security=[{"cognito": []}],
    )
    document: dict[str, Any] = json.loads(app.get_openapi_json_schema())
    for operations in document["paths"].values():
        for operation in operations.values():
            answers = operation.get("responses", {})
            for status, answer in answers.items():
                if status in ("204", "307"):
                    answer.pop("content", None)  # no body, so no media type
            if "422" in answers:  # first, where the resolver's own validation lists it
                operation["responses"] = {"422": answers.pop("422"), **answers}
    return document
