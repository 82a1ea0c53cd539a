"""What every resource's routes share: the services and the caller of the request (the app puts
them in the resolver's context), the headers of a safe retry (``If-Match``, ``Idempotency-Key``)
and the problem answers each route documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import BaseModel

from periodyear.domain.client_register import Caller, Stale
from periodyear.register.models import Fields, Problem
from periodyear.register.problems import PROBLEM

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

    from periodyear.register.bootstrap import RegisterServices

SERVICES, CALLER = "services", "caller"  # the keys of the resolver's context the app fills
IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]+")$'
IfMatch = Annotated[
    str | None,
    Header(alias="if-match", pattern=IF_MATCH_PATTERN, description="the ETag of the version to change"),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="idempotency-key",
        pattern=r"^[!-~]{1,255}$",
        description="repeated within 24 hours with the same body: the first answer, nothing written again",
    ),
]


def services(router: Router) -> RegisterServices:
    """The services the handler passed for this request (``api.handle`` appends them)."""
    return cast("RegisterServices", router.context[SERVICES])


def caller(router: Router) -> Caller:
    """Who calls, as the claims of the verified token name it (the app's middleware reads them)."""
    return cast("Caller", router.context[CALLER])


def etag(version: int) -> str:
    return f'"{version}"'


def named_version(header: str | None) -> int | None:
    """The version an ``If-Match`` names; ``*`` (or none) applies to any; anything else matches none."""
    if header is None or header.strip() == "*":
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Stale("If-Match names no version of this resource (use the ETag a GET returned)")
    return int(text)


def created(
    router: Router, key: str | None, route: str, fields: Fields, run: Callable[[], Response[Any]]
) -> Response[Any]:
    """``run()``'s answer; with an ``Idempotency-Key``, the first answer to that key."""
    if key is None:
        return run()

    def answer() -> dict[str, Any]:
        response = run()
        body = (
            response.body.model_dump(mode="json") if isinstance(response.body, BaseModel) else response.body
        )
        return {"status": response.status_code, "headers": dict(response.headers), "body": body}

    kept = services(router).retries.once(
        caller=caller(router),
        route=route,
        key=key,
        body=fields.model_dump(mode="json"),
        run=answer,
        lambda_context=router.lambda_context,
    )
    return Response(kept["status"], "application/json", kept["body"], headers=kept["headers"])


def problems(*statuses: int) -> dict[int, OpenAPIResponse]:
    """The problem+json answers a route may give, for its OpenAPI operation."""
    titles = {
        400: "Unreadable JSON",
        401: "Not signed in",
        403: "Not allowed",
        404: "Not found (another tenant's resource too)",
        409: "Conflict with the register's rules",
        412: "Changed since the If-Match version",
        413: "Body over 16 KiB",
        422: "Invalid fields, each named",
    }
    answers: dict[int, OpenAPIResponse] = {
        status: {"description": titles[status], "content": {PROBLEM: {"model": Problem}}}
        for status in (401, 403, 422, *statuses)
    }
    # The JWT authorizer answers a missing or unverified token itself, before the function.
    answers[401]["content"]["application/json"] = {
        "schema": {"type": "object", "properties": {"message": {"type": "string"}}}
    }
    return answers
