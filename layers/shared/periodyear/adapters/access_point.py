"""The access point: Storecove's REST API v2, the three operations of CONTRACT §10 and no others.

Standard library only (``urllib.request``): this ships in the Lambda layer, where a client
library would add to the cold start and to the dependencies. What Storecove answers is turned
into the port's records and typed errors (``periodyear.delivery.ports``); neither the API key
nor the EHF's bytes ever go into an error's message.

What Storecove's answers look like beyond its OpenAPI document (read with the search tool; the
official docs pages at storecove.com/docs gave only their introduction):

* A webhook instance's ``body`` (a JSON string, "the webhook body that would have been pushed")
  for a document submission carries ``event_type`` ``"document_submission"``, ``event``
  (``succeeded``, ``failed``, ``no_action_taken`` and others short of an outcome), ``guid``
  (the submission's guid, as ``POST /document_submissions`` answered it), ``idempotencyGuid``
  and ``details``. Source: the Storecove adapter of github.com/vantigo-io/vantigo
  (``apps/server/internal/invoices/accesspoint/storecove.go`` and its ``storecovetest``
  server, written from that project's spike against Storecove's docs and sandbox), and a
  second integration that reads ``{"event_type": "document_submission", "event":
  "succeeded", "guid": ...}`` the same way. Not yet seen on our own sandbox account.
* A reused ``idempotencyGuid``: the OpenAPI document says only that "any subsequent ones will
  trigger an HTTP 422", whose body is a list of ``{"source", "details"}``; no public source
  gives its wording (vantigo's documentation calls it "the same answer" as a refusal). So a 422
  that names the ``idempotencyGuid`` anywhere in its body is read as "used before"; ``submit``
  sends only well-formed UUIDs, so no refusal of the guid's form can be mistaken for it. Check
  this against the sandbox before production.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from periodyear.domain.sending import (
    AccessPointNotAuthorised,
    AccessPointUnavailable,
    PeppolDocumentType,
    ProviderOutcome,
    SubmissionRefused,
    Submitted,
)

# CONTRACT §10's scheme for a Norwegian organisation number. NB: in Peppol's code list
# "NO:ORGNR" is ICD 9908 (deprecated); Enhetsregisteret's current scheme, ICD 0192, is "NO:ORG",
# which Storecove's routing tables use. Kept as the contract says until the contract changes.
NORWEGIAN_SCHEME = "NO:ORGNR"
_MAX_ANSWER = 1 << 20  # an answer is a small JSON document; more is not read
_MAX_DETAIL = 1000


TIMEOUT = timedelta(seconds=10)  # a call the provider has not answered by then is retried later


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is answered as the error it is here: urllib would resend the Authorization header
    (the API key) to whatever host the redirect names."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class StorecoveAccessPoint:
    """``AccessPoint`` over Storecove's API v2. ``key()`` is asked on every request (the caller
    caches the secret), so a rotated key is used once the caller's cache lets it go."""

    def __init__(
        self,
        base_url: str,
        *,
        legal_entity_id: int,
        key: Callable[[], str],
        timeout: timedelta = TIMEOUT,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._legal_entity_id = legal_entity_id
        self._key = key
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def receives(self, org_number: str, document_type: PeppolDocumentType) -> bool:
        body = {
            "network": "peppol",
            "metaScheme": "iso6523-actorid-upis",
            "scheme": NORWEGIAN_SCHEME,
            "identifier": org_number,
            "documentTypes": [document_type],
        }
        _, answer = self._call("discovery", "POST", "/discovery/receives", body, expected={200})
        code = _json(answer, "discovery").get("code") if answer else None
        if code == "OK":
            return True
        if code == "NOK":
            return False
        # The document allows only OK and NOK: anything else is retried, never read as NOK
        # (which would send the invoice by e-mail on a misread answer).
        raise AccessPointUnavailable("discovery answered no code OK or NOK")

    def submit(self, org_number: str, ehf: bytes, idempotency_guid: str) -> Submitted:
        if len(idempotency_guid) != 36 or not _is_uuid(idempotency_guid):
            raise ValueError("the idempotency guid must be a UUID in its 36-character form")
        body = {
            "legalEntityId": self._legal_entity_id,
            "idempotencyGuid": idempotency_guid,
            "routing": {"eIdentifiers": [{"scheme": NORWEGIAN_SCHEME, "id": org_number}]},
            "document": {
                "documentType": "invoice",  # Storecove parses a UBL credit note under "invoice" too
                "rawDocumentData": {
                    "document": base64.b64encode(ehf).decode("ascii"),
                    "parse": True,
                    "parseStrategy": "ubl",
                },
            },
        }
        status, answer = self._call("submission", "POST", "/document_submissions", body, expected={200, 422})
        if status == 422:
            if "idempotency" in _plain(answer).lower():  # whatever the body's shape (see above)
                return Submitted(None)
            text = "; ".join(f"{s}: {d}" if s and d else s or d for s, d in _error_models(answer))
            raise SubmissionRefused(text[:_MAX_DETAIL] or _plain(answer) or "refused (422) without a reason")
        guid = _json(answer, "submission").get("guid")
        if not isinstance(guid, str) or not guid:
            # A 200 without the submission's guid is not what the document promises: retried,
            # under the same idempotencyGuid, so the retry cannot submit the invoice twice.
            raise AccessPointUnavailable("the submission was answered 200 without a guid")
        return Submitted(guid)

    def next_outcome(self) -> ProviderOutcome | None:
        status, answer = self._call("outcomes", "GET", "/webhook_instances/", None, expected={200, 204})
        if status == 204:
            return None
        instance = _json(answer, "outcomes")
        guid, body = instance.get("guid"), instance.get("body")
        if not isinstance(guid, str) or not guid:
            # Without its guid an instance can be neither acknowledged nor skipped: retried, and
            # alarmed through the retries, rather than read over and over.
            raise AccessPointUnavailable("a queued outcome was answered without its guid")
        text = body if isinstance(body, str) else json.dumps(body)
        submission, event, detail, idempotency_guid = _read_webhook(text)
        return ProviderOutcome(
            instance=guid,
            submission=submission,
            event=event,
            detail=detail,
            body=text,
            idempotency_guid=idempotency_guid,
        )

    def acknowledge(self, instance: str) -> None:
        # 404: already deleted (an earlier acknowledgement whose answer was lost): fine.
        path = "/webhook_instances/" + urllib.parse.quote(instance, safe="")
        self._call("acknowledge", "DELETE", path, None, expected={204, 404})

    def _call(
        self, operation: str, method: str, path: str, body: Mapping[str, Any] | None, *, expected: set[int]
    ) -> tuple[int, bytes]:
        """One request; its status (one of ``expected``) and body. Every other answer, and every
        way of getting none, is one of the port's errors."""
        request = urllib.request.Request(
            self._base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"Bearer {self._key()}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        status, answer, retry_after = self._exchange(operation, request)
        if status in expected:
            return status, answer
        if status in (401, 403):
            raise AccessPointNotAuthorised(f"{operation}: answered {status} (the key or the legal entity)")
        if status == 429:
            raise AccessPointUnavailable(
                f"{operation}: throttled (429)", _retry_after(retry_after), refused_unread=True
            )
        if status >= 500:
            raise AccessPointUnavailable(f"{operation}: the access point failed ({status})")
        # An answer the document does not allow for this operation (a 3xx, a 404 on discovery),
        # or one CONTRACT §10 gives no meaning (a 422 on discovery: the provider rejects the
        # identifier or its scheme): retried like a fault of the provider's and alarmed when it
        # lasts, never read as NOK or as a refusal, which would e-mail the invoice quietly.
        raise AccessPointUnavailable(f"{operation}: answered {status}, not an answer it expects")

    def _exchange(self, operation: str, request: urllib.request.Request) -> tuple[int, bytes, str | None]:
        """Send one request: its status, body and Retry-After. Every way of getting no answer (a
        timeout, a refused or broken connection) is ``AccessPointUnavailable``."""
        late = f"{operation}: no answer within {self._timeout.total_seconds():g} s"
        try:
            with self._opener.open(request, timeout=self._timeout.total_seconds()) as response:
                return response.status, response.read(_MAX_ANSWER), None
        except urllib.error.HTTPError as error:
            answer = _read_quietly(error)
            error.close()
            return error.code, answer, error.headers.get("Retry-After") if error.headers else None
        except TimeoutError as error:
            raise AccessPointUnavailable(late) from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise AccessPointUnavailable(late) from error
            raise AccessPointUnavailable(f"{operation}: unreachable ({error.reason})") from error
        except (http.client.HTTPException, OSError) as error:
            raise AccessPointUnavailable(f"{operation}: connection lost ({type(error).__name__})") from error


def _read_quietly(error: urllib.error.HTTPError) -> bytes:
    try:
        return error.read(_MAX_ANSWER)
    except (http.client.HTTPException, OSError):
        return b""


def _json(answer: bytes, operation: str) -> dict[str, Any]:
    try:
        value = json.loads(answer)
    except ValueError as error:
        raise AccessPointUnavailable(f"{operation}: the answer is not JSON") from error
    if not isinstance(value, dict):
        raise AccessPointUnavailable(f"{operation}: the answer is not a JSON object")
    return value


def _error_models(answer: bytes) -> list[tuple[str, str]]:
    """A 422's ``[{"source", "details"}]`` as pairs; empty when the body is not that."""
    try:
        value = json.loads(answer)
    except ValueError:
        return []
    entries = value if isinstance(value, list) else [value]
    return [
        (str(entry.get("source") or ""), str(entry.get("details") or ""))
        for entry in entries
        if isinstance(entry, dict) and (entry.get("source") or entry.get("details"))
    ]


def _plain(answer: bytes) -> str:
    return answer.decode("utf-8", "replace").strip()[:_MAX_DETAIL]


def _read_webhook(text: str) -> tuple[str | None, str, str | None, str | None]:
    """The submission, the event and the detail a webhook body names; a body that is not JSON
    or names none of them is still an outcome (recorded and acknowledged), not an error."""
    try:
        body = json.loads(text)
    except ValueError:
        return None, "unreadable", None, None
    if not isinstance(body, dict):
        return None, "unreadable", None, None
    event_type, event = body.get("event_type"), body.get("event")
    if not isinstance(event, str) or not event:
        event = event_type if isinstance(event_type, str) and event_type else "unreadable"
    guid = body.get("guid")
    # Another kind of webhook (a received document, say) has a guid that is no submission.
    is_submission = event_type in (None, "document_submission")
    submission = guid if is_submission and isinstance(guid, str) and guid else None
    details = body.get("details")
    detail = details if isinstance(details, str) or details is None else json.dumps(details)
    ours = body.get("idempotencyGuid")
    return (
        submission,
        event,
        detail or None,
        ours if is_submission and isinstance(ours, str) and ours else None,
    )


def _retry_after(value: str | None) -> int | None:
    """Retry-After in seconds: given as seconds, or as an HTTP date from now."""
    if not value:
        return None
    if value.strip().isdigit():
        return int(value.strip())
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0, math.ceil((at - datetime.now(UTC)).total_seconds()))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
