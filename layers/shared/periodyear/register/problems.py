"""Every refusal of the register API as one problem+json (RFC 9457), mapped here once: the
register's own errors, a field in the wrong form, a body that is not JSON, a route that does not
exist and anything unforeseen (logged, its detail never shown)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response

from periodyear.domain.client_register import Conflict, Invalid, RegisterError
from periodyear.observability import logger
from periodyear.register.models import Problem

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

PROBLEM = "application/problem+json"

# What a field takes, said as a person would (a pattern's own message is a regular expression).
FORMS = {
    "org_number": "9 digits without spaces, the last a MOD11 check digit, e.g. 914778271",
    "if-match": 'the ETag a GET of it returned, e.g. "3"',
    "idempotency-key": "1 to 255 visible characters, e.g. a UUID",
    "country": "two capital letters (ISO 3166), e.g. NO",
    "cursor": "the next_cursor a page returned",
    "package": "one of the catalog's packages, e.g. KOMPLETT",
}
_ID_FORM = "1 to 64 letters, digits, '.', '_' or '-', the first a letter or digit"


def problem_json(status: int, title: str, detail: str, errors: dict[str, str] | None = None) -> str:
    return Problem(title=title, status=status, detail=detail, errors=errors or None).model_dump_json()


def problem(
    status: int,
    title: str,
    detail: str,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    return Response(status, PROBLEM, problem_json(status, title, detail, errors), headers=headers)


def refused(error: RegisterError) -> Response[str]:
    return problem(error.status, error.title, error.detail, error.fields)


def conflict(error: Conflict) -> Response[str]:
    return problem(409, "Conflict", str(error))


def _said(error: Mapping[str, Any]) -> tuple[str, str]:
    """One validation error as (field, what is wrong), never a regular expression."""
    location = error.get("loc", ())
    field = ".".join(str(part) for part in location[1:]) or str(location[0] if location else "body")
    if error.get("type") != "string_pattern_mismatch":
        return field, str(error.get("msg"))
    name = field.rsplit(".", 1)[-1]
    return field, FORMS.get(name, _ID_FORM if name.endswith("_id") else "not in the form this field takes")


def invalid(error: RequestValidationError) -> Response[str]:
    errors = error.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "Unreadable JSON", "the body is not a JSON document")
    fields = dict(_said(e) for e in errors)
    return problem(422, Invalid.title, "some fields are invalid: " + ", ".join(sorted(fields)), fields)


def not_json(_: Exception) -> Response[str]:
    return problem(
        400, "Unreadable JSON", "the body must be UTF-8 JSON, sent as Content-Type: application/json"
    )


def no_route(_: Exception) -> Response[str]:
    return problem(404, "Not found", "no such route")


def failed(error: Exception) -> Response[str]:
    logger.exception("register request failed", extra={"error": type(error).__name__})
    return problem(500, "Internal error", "the request could not be completed; try again")
