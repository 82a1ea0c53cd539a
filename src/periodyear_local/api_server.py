"""The register API on localhost, as the HTTP API and its JWT authorizer put it in front of the
function: a WSGI app that verifies a bearer token, turns the request into the payload 2.0
event API Gateway sends (the token's claims in ``requestContext.authorizer.jwt.claims``, each
as a string, as API Gateway passes them) and answers with what the handler returns.

Which tokens it takes is its authorizer's choice: by default tokens it mints itself (HS256, a
key made per process: the tests', the demo's and Schemathesis's), or, given ``PoolTokens``, the
ID tokens of a user pool, checked as the JWT authorizer checks them (the start page's server).
"""

from __future__ import annotations

import base64
import importlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey

from periodyear_local.delivery import LambdaContext

if TYPE_CHECKING:
    from periodyear.register.bootstrap import RegisterServices

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Authorizer = Callable[[str], dict[str, Any] | None]  # a bearer token → its claims, or None: 401


def bearer(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def as_passed_on(claims: dict[str, Any]) -> dict[str, str]:
    """The claims as API Gateway hands them to the function: each a string, a list as
    ``[a b]`` (so ``cognito:groups`` reaches the function as ``"[operators]"``)."""

    def text(value: Any) -> str:
        if isinstance(value, list):
            return "[" + " ".join(text(v) for v in value) + "]"
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value)

    return {name: text(value) for name, value in claims.items()}


class PoolTokens:
    """What the HTTP API's JWT authorizer takes: a token signed (RS256) by a key of the pool's
    JWKS, from the pool's issuer, for one of the audience's app clients, not expired; and, as
    the register API reads who calls from ID tokens only, ``token_use`` ``id``."""

    def __init__(self, *, issuer: str, audience: Iterable[str], keys: KeySet) -> None:
        self._issuer, self._audience, self._keys = issuer, set(audience), keys

    def __call__(self, token: str) -> dict[str, Any] | None:
        try:
            decoded = jwt.decode(token, self._keys, algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "values": sorted(self._audience)},
                exp={"essential": True},
                token_use={"essential": True, "value": "id"},
            ).validate(decoded.claims)
        except (JoseError, ValueError):
            return None
        return dict(decoded.claims)


def http_api_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event API Gateway's HTTP API (payload 2.0) gives the function for one request."""
    pairs = parse_qsl(query, keep_blank_values=True)
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": "localhost",
        "domainPrefix": "localhost",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "local",
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": "ANY /v1/{proxy+}",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "timeEpoch": int(time.time() * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": "ANY /v1/{proxy+}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "queryStringParameters": {k: v for k, v in pairs} or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


_ONE_AT_A_TIME = threading.Lock()


class LocalApi:
    """The WSGI app: ``mint`` gives a token for a tenant's user or an operator, which it takes
    unless given another ``authorizer`` (``PoolTokens``). Requests go to ``handler``, or to the
    register API's handler given ``services`` (built by the caller in the environment it set up)."""

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        openapi: dict[str, Any] | None = None,
        services: RegisterServices | None = None,
        authorizer: Authorizer | None = None,
    ) -> None:
        self._handler = handler
        self._key = OctKey.generate_key(256)
        self._openapi = openapi
        self._services = services
        self._authorizer = authorizer or self._minted

    def mint(
        self,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        operator: bool = False,
        ttl: int = 3600,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": "periodyear-local", "iat": now, "exp": now + ttl, "token_use": "id"}
        if tenant_id is not None and user_id is not None:
            claims |= {"custom:tenant_id": tenant_id, "custom:user_id": user_id}
        if operator:
            claims["cognito:groups"] = "[operators]"  # as API Gateway passes a list claim
            claims["sub"] = "local-operator"
        return jwt.encode({"alg": "HS256"}, claims, self._key)

    def _minted(self, token: str) -> dict[str, Any] | None:
        try:
            decoded = jwt.decode(token, self._key, algorithms=["HS256"])
            jwt.JWTClaimsRegistry(exp={"essential": True}).validate(decoded.claims)
        except (JoseError, ValueError):
            return None
        return dict(decoded.claims)

    def _claims(self, authorization: str) -> dict[str, str] | None:
        token = bearer(authorization)
        claims = self._authorizer(token) if token else None
        return None if claims is None else as_passed_on(claims)

    def _handle(self, event: dict[str, Any]) -> dict[str, Any]:
        context = LambdaContext(function_name="register_api")
        # One request at a time, as one Lambda environment takes them: the handler's resolver
        # keeps each request's route in its own context, which two threads at once would share.
        with _ONE_AT_A_TIME:
            if self._handler is not None:
                return self._handler(event, context)
            api: dict[str, Any] = importlib.import_module("functions.register_api.app").handler(
                event, context, services=self._services
            )
        return api

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        if method == "GET" and path == "/openapi.json" and self._openapi is not None:
            return _answer(
                start_response, 200, {"Content-Type": "application/json"}, json.dumps(self._openapi).encode()
            )
        claims = self._claims(environ.get("HTTP_AUTHORIZATION", ""))
        if claims is None:  # what the JWT authorizer answers, before the function is reached
            return _answer(
                start_response, 401, {"Content-Type": "application/json"}, b'{"message":"Unauthorized"}'
            )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            body: str | None = raw.decode() if raw else None
            encoded = False
        except UnicodeDecodeError:
            body, encoded = base64.b64encode(raw).decode(), True
        event = http_api_event(
            method, path, query=environ.get("QUERY_STRING", ""), headers=headers, body=body, claims=claims
        )
        event["isBase64Encoded"] = encoded
        response = self._handle(event)
        payload = response.get("body") or ""
        data = base64.b64decode(payload) if response.get("isBase64Encoded") else str(payload).encode()
        return _answer(start_response, int(response["statusCode"]), dict(response.get("headers") or {}), data)


def _answer(
    start_response: StartResponse, status: int, headers: dict[str, str], body: bytes
) -> Iterator[bytes]:
    start_response(
        f"{status} {HTTPStatus(status).phrase}", [*headers.items(), ("Content-Length", str(len(body)))]
    )
    yield body


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(app: WsgiApp, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread for the block; its base URL."""
    with serving_made(lambda _origin: app, port) as url:
        yield url


def _unready(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    return _answer(start_response, 503, {"Content-Type": "text/plain; charset=utf-8"}, b"starting\n")


@contextmanager
def serving_made(make: Callable[[str], WsgiApp], port: int = 0) -> Iterator[str]:
    """Serve on 127.0.0.1 in a thread for the block the app ``make`` builds for the server's base
    URL (known once the port is bound: an app whose answers name its own origin); that URL."""
    server = make_server(
        "127.0.0.1", port, _unready, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        server.set_app(make(url))
    except BaseException:
        server.server_close()
        raise
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
