"""What the register API checks of a request around its route, as Powertools middleware.

``BeforeRouting`` runs first, before a field is read: a body over 16 KiB (413), a method the path
does not answer (405 with ``Allow``), a body that is not sent as JSON (400). ``SignedIn`` runs
once the request's fields are valid: it reads who calls from the JWT authorizer's claims (401)
and puts that caller in the resolver's context for the routes. Both know the routes from a
``RouteTable`` the app keeps beside its routers (the resolver keeps its own privately); an
unknown path is left to the routes' 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.middlewares import BaseMiddlewareHandler

from periodyear.domain.client_register import caller_from_claims
from periodyear.register.problems import problem
from periodyear.register.routes.shared import CALLER

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

MAX_BODY_BYTES = 16 * 1024
# A path parameter as Powertools matches it: one segment of URI characters (RFC 3986).
_PARAMETER = r"(?P\1[-._~()'!*:@,;=+&$%<> \[\]{}|^\\w]+)"


class RouteTable:
    """The paths the API routes, each with the methods it answers."""

    def __init__(self, answered: Mapping[str, Iterable[str]]) -> None:
        # The most literal paths first (``/v1/invoices/<number>/delivery`` before
        # ``…/<document>``), as the resolver matches them.
        ordered = sorted(answered, key=lambda path: path.count("<"))
        self.routes = [
            (re.compile("^{}$".format(re.sub(r"(<\w+>)", _PARAMETER, path))), frozenset(answered[path]))
            for path in ordered
        ]

    def methods(self, path: str) -> frozenset[str] | None:
        """The methods of the most literal route the path matches; None: no route has the path
        (``/v1/invoices/2/delivery`` is not a document, though ``…/<document>`` matches it too)."""
        return next((methods for pattern, methods in self.routes if pattern.match(path)), None)


def _method_and_path(event: Mapping[str, Any]) -> tuple[str, str]:
    context = event.get("requestContext", {}).get("http", {})
    return str(context.get("method", "")).upper(), str(context.get("path", event.get("rawPath", "")))


class BeforeRouting(BaseMiddlewareHandler[APIGatewayHttpResolver]):
    """Too large, a method the path does not answer, not JSON: refused before a field is read."""

    def __init__(self, table: RouteTable) -> None:
        super().__init__()
        self._table = table

    def handler(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        event = app.current_event.raw_event
        body = event.get("body") or ""
        size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(str(body).encode())
        if size > MAX_BODY_BYTES:
            return problem(413, "Body too large", f"a request body holds at most {MAX_BODY_BYTES} bytes")
        method, path = _method_and_path(event)
        answered = self._table.methods(path)
        if answered is not None and method not in answered:
            allowed = ", ".join(sorted(answered))
            return problem(405, "Method not allowed", f"{path} answers {allowed}", headers={"Allow": allowed})
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        media = str(headers.get("content-type", "")).split(";", maxsplit=1)[0].strip().lower()
        if body and media != "application/json" and not media.endswith("+json"):
            return problem(
                400, "Unreadable JSON", "a request body is JSON, sent as Content-Type: application/json"
            )
        return next_middleware(app)


class SignedIn(BaseMiddlewareHandler[APIGatewayHttpResolver]):
    """The caller the verified token's claims name, in the context as ``caller``; none: 401."""

    def __init__(self, table: RouteTable) -> None:
        super().__init__()
        self._table = table

    def handler(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        if self._table.methods(_method_and_path(app.current_event.raw_event)[1]) is not None:
            claims = app.current_event.request_context.authorizer.jwt_claim
            app.append_context(**{CALLER: caller_from_claims(claims)})  # type: ignore[no-untyped-call]
        return next_middleware(app)
