"""A stand-in of the access point (Storecove's API v2, CONTRACT §10) on localhost for tests and
the local demo: the operations the project uses, faults on demand. Every request and every answer
is validated against the provider's OpenAPI document (``openapi-core``), read where it lies beside
the project (``../shared/accesspoint``, else ``ACCESS_POINT_OPENAPI``), so adapter and provider
cannot drift apart: a request that breaks it is answered 400 and kept in ``violations``. What the
document leaves open (a webhook's body, the 422 for a reused ``idempotencyGuid``) is answered as
the adapter's docstring says Storecove does."""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Self
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from openapi_core import OpenAPI

OPENAPI_ENV = "ACCESS_POINT_OPENAPI"
DEFAULT_OPENAPI = Path(__file__).resolve().parents[3] / "shared" / "accesspoint" / "storecove-openapi.json"
OPERATIONS = ("discovery", "submission", "outcomes", "acknowledge")
_ROUTES = {
    ("POST", "/discovery/receives"): "discovery",
    ("POST", "/document_submissions"): "submission",
    ("GET", "/webhook_instances/"): "outcomes",
}
REPEATED = "A document with this idempotencyGuid has already been submitted"  # assumed wording
Reply = tuple[int, Any, dict[str, str]]  # status, JSON payload (None: no body), headers
_OURS = "X-Stand-In"  # the header of an answer the document does not describe, on purpose


@dataclass(frozen=True)
class Submission:
    """A submission the stand-in took: its ``guid`` and its ``document`` decoded, byte for byte."""

    guid: str
    idempotency_guid: str
    org_number: str
    document: bytes


@dataclass(frozen=True)
class Exchange:
    """A request as the stand-in answered it; ``body`` is its JSON as sent."""

    method: str
    path: str
    status: int
    body: Any = None


class _Fault(NamedTuple):
    status: int | None
    retry_after: int | None = None
    stall: float = 0.0


def openapi_path() -> Path:
    path = Path(os.environ.get(OPENAPI_ENV) or DEFAULT_OPENAPI)
    if not path.is_file():
        raise FileNotFoundError(
            f"the access point's OpenAPI document is not at {path} (../shared/accesspoint); "
            f"set {OPENAPI_ENV} to where it is"
        )
    return path


@functools.cache
def _document(path: Path) -> tuple[OpenAPI, str, str]:
    """The document (read once a process: about 1 s), its server's scheme and host, its base path."""
    from openapi_core import OpenAPI  # noqa: PLC0415 (only where a stand-in is started)

    spec = json.loads(path.read_text(encoding="utf-8"))
    server = urlsplit(spec["servers"][0]["url"])
    return OpenAPI.from_dict(spec), f"{server.scheme}://{server.netloc}", server.path.rstrip("/")


class AccessPointStandIn:
    """The provider on ``url`` (``http://127.0.0.1:<port>/api/v2``), serving from construction
    until ``close()`` or the end of a ``with``. Settable: ``receivers`` (the org numbers that
    receive through PEPPOL), ``fails_delivery`` (their submissions end ``failed``) and
    ``hold_outcomes``."""

    def __init__(self, *, key: str = "local-key", legal_entity_id: int = 1, openapi: Path | None = None):
        self.key, self.legal_entity_id = key, legal_entity_id
        self.receivers: set[str] = set()
        self.fails_delivery: set[str] = set()
        self.hold_outcomes = False
        self.submissions: list[Submission] = []
        self.requests: list[Exchange] = []
        self.violations: list[str] = []
        self._refusals: dict[str, str] = {}
        self._used: set[str] = set()  # idempotencyGuids
        self._queue: list[tuple[str, str]] = []  # (webhook instance guid, body), oldest first
        self._held: list[str] = []
        self._bodies: dict[str, str] = {}  # submission guid -> the body of its outcome
        self._faults: dict[str, list[_Fault]] = {}
        self._lock, self._closing = threading.Lock(), threading.Event()
        self._api, self._host_url, self._base = _document(openapi or openapi_path())
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{self._base}"
        serve = functools.partial(self._server.serve_forever, poll_interval=0.02)  # close() waits a poll
        self._thread = threading.Thread(target=serve, name="access-point", daemon=True)
        self._thread.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()  # ends every stall at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # ------------------------------------------------------------ what a test sets up
    def fail_next(self, operation: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` requests of ``operation`` with ``status`` (and Retry-After),
        whether the document lists that status or not."""
        self._add_fault(operation, _Fault(status, retry_after), times)

    def stall_next(self, operation: str, seconds: float, times: int = 1) -> None:
        """Hold the next ``times`` answers of ``operation`` for ``seconds``, then answer as usual:
        a client that gave up meanwhile has missed an answer the provider acted on."""
        self._add_fault(operation, _Fault(None, stall=seconds), times)

    def refuse(self, org_number: str, detail: str) -> None:
        """Refuse every submission to ``org_number`` with a 422 saying ``detail``."""
        with self._lock:
            self._refusals[org_number] = detail

    def queue_outcome(self, body: str) -> str:
        """Queue a webhook instance with this body as it is; the instance's guid."""
        instance = str(uuid.uuid4())
        with self._lock:
            self._queue.append((instance, body))
        return instance

    def repeat_outcome(self, submission: str) -> str:
        """Queue a submission's outcome once more, as a new webhook instance; its guid."""
        with self._lock:
            body = self._bodies[submission]
        return self.queue_outcome(body)

    def release_outcomes(self) -> None:
        """Queue the outcomes ``hold_outcomes`` kept back, and keep none back any more."""
        with self._lock:
            self.hold_outcomes = False
            self._queue.extend((str(uuid.uuid4()), body) for body in self._held)
            self._held.clear()

    def _add_fault(self, operation: str, fault: _Fault, times: int) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"no operation {operation!r}; the operations are {', '.join(OPERATIONS)}")
        with self._lock:
            self._faults.setdefault(operation, []).extend([fault] * times)

    # ------------------------------------------------------------ serving
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        from openapi_core.testing import MockRequest, MockResponse  # noqa: PLC0415 (as _document)

        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        method, target, headers = handler.command, urlsplit(handler.path), dict(handler.headers)
        body, query = None, dict(parse_qsl(target.query))
        with contextlib.suppress(ValueError):  # a body that is not JSON: the document says so
            body = json.loads(raw) if raw else None
        request = MockRequest(self._host_url, method, target.path, args=query, headers=headers, data=raw)
        request.content_type = headers.get("Content-Type", "")
        try:
            status, payload, extra = self._answer(method, target.path, body, request, headers)
        except Exception as failure:  # the stand-in's own fault: a test must see it
            self.violations.append(f"{method} {target.path}: the stand-in failed: {failure!r}")
            status, payload, extra = 500, None, {_OURS: "failed"}
        data = b"" if payload is None else json.dumps(payload).encode()
        if data:
            extra["Content-Type"] = "application/json"
        if _OURS not in extra:  # a fault on demand or a 400 for a violation is beyond the document
            answer = MockResponse(data, status, extra, extra.get("Content-Type", ""))
            for wrong in self._api.iter_response_errors(request, answer):
                self.violations.append(f"the answer {status} to {method} {target.path}: {_describe(wrong)}")
        self.requests.append(Exchange(method, target.path, status, body))  # list.append: atomic
        try:
            handler.send_response(status)
            for name, value in {**extra, "Content-Length": str(len(data))}.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up (a stall): nothing to answer
            pass

    def _answer(self, method: str, path: str, body: Any, request: Any, headers: dict[str, str]) -> Reply:
        errors = [_describe(error) for error in self._api.iter_request_errors(request)]
        route = path.removeprefix(self._base)
        operation = _ROUTES.get((method, route))
        if method == "DELETE" and route.startswith("/webhook_instances/"):
            operation = "acknowledge"
        if not errors and operation is None:  # in the document, but not one of CONTRACT §10's
            errors = ["not an operation CONTRACT §10 lets the project use"]
        if errors:
            self.violations.append(f"{method} {path}: {'; '.join(errors)}")
            return 400, {"errors": errors}, {_OURS: "violation"}
        with self._lock:
            faults = self._faults.get(operation or "")
            fault = faults.pop(0) if faults else None
        if fault and fault.stall:
            self._closing.wait(fault.stall)
        if fault and fault.status:
            retry = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            failure = [_error("stand-in", "refused on demand")] if fault.status == 422 else None
            return fault.status, failure, {_OURS: "fault", **retry}
        if headers.get("Authorization") != f"Bearer {self.key}":
            return 401, None, {}
        serve: Callable[[Any, str], Reply] = getattr(self, f"_{operation}")
        return serve(body, route)

    def _discovery(self, body: dict[str, Any], route: str) -> Reply:
        return 200, {"code": "OK" if body["identifier"] in self.receivers else "NOK"}, {}

    def _submission(self, body: dict[str, Any], route: str) -> Reply:
        # A legal entity the key may not send for is 403, not a 422 refusal: it is a configuration
        # fault (the port's AccessPointNotAuthorised), which must never end in an e-mail instead.
        if body.get("legalEntityId") != self.legal_entity_id:
            return 403, None, {}
        key = body["idempotencyGuid"]
        try:  # what the project sends: the document's other ways of sending are not served here
            org = body["routing"]["eIdentifiers"][0]["id"]
            document = base64.b64decode(body["document"]["rawDocumentData"]["document"], validate=True)
        except (KeyError, IndexError, binascii.Error):
            return 422, [_error("document", "Only base64 rawDocumentData to an eIdentifier is served")], {}
        with self._lock:
            if key in self._used:
                return 422, [_error("idempotencyGuid", REPEATED)], {}  # and nothing is submitted
            if org in self._refusals:
                return 422, [_error("document", self._refusals[org])], {}
            guid, failed = str(uuid.uuid4()), org in self.fails_delivery
            self._used.add(key)
            self.submissions.append(Submission(guid, key, org, document))
            self._bodies[guid] = json.dumps({
                "event_type": "document_submission", "event_group": "invoice",
                "event": "failed" if failed else "succeeded", "guid": guid, "idempotencyGuid": key,
                "details": "The receiving access point did not accept the document" if failed else None,
            })  # fmt: skip
            if self.hold_outcomes:
                self._held.append(self._bodies[guid])
            else:
                self._queue.append((str(uuid.uuid4()), self._bodies[guid]))
        return 200, {"guid": guid}, {}

    def _outcomes(self, body: None, route: str) -> Reply:
        with self._lock:
            instance, text = self._queue[0] if self._queue else (None, None)
        return (200, {"guid": instance, "body": text}, {}) if instance else (204, None, {})

    def _acknowledge(self, body: None, route: str) -> Reply:
        instance = unquote(route.removeprefix("/webhook_instances/"))
        with self._lock:
            queued = len(self._queue)
            self._queue[:] = [(guid, text) for guid, text in self._queue if guid != instance]
            return (204 if len(self._queue) < queued else 404), None, {}


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, stand_in: AccessPointStandIn, *args: Any) -> None:
        self.stand_in = stand_in  # before the base class, which answers the request
        super().__init__(*args)

    def do_GET(self) -> None:
        self.stand_in._serve(self)

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests read .requests
        pass


def _error(source: str, details: str) -> dict[str, str]:  # one ErrorModel of a 422's body
    return {"source": source, "details": details}


def _describe(error: Exception) -> str:
    """A validation error in one line, each schema error at its place (never the whole body)."""
    text, found = str(error), getattr(error.__cause__, "schema_errors", None) or ()
    parts = [
        f"{'/'.join(map(str, getattr(e, 'path', ()))) or '.'}: {getattr(e, 'message', e)}" for e in found
    ]
    head = text if len(text) <= 100 or not parts else type(error).__name__
    return f"{head}: {'; '.join(parts)}" if parts else head[:300]
