"""The access point's adapter (Storecove's API v2, CONTRACT §10) against its local stand-in, which
checks every request and answer against the provider's OpenAPI document: every test that uses it
ends by asserting that nothing broke the document; one shows that a request which does is caught."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from periodyear.adapters.access_point import StorecoveAccessPoint as Storecove
from periodyear.delivery import ports
from periodyear_local.access_point import AccessPointStandIn as StandIn

KEY = "sk-test-7f3a9c"
REVOKED = "sk-revoked-0000"
LEGAL_ENTITY = 4711
RECEIVER = "923609016"  # receives through PEPPOL
OUTSIDER = "810306402"  # does not: the invoice goes by e-mail
EHF = (  # an EHF's bytes as stored: non-ASCII text, CRLF and the last newline must arrive unchanged
    '<?xml version="1.0" encoding="UTF-8"?>\r\n'
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
    "<cbc:Note>Blåbærsyltetøy AS, «faktura» for 2022-05</cbc:Note></Invoice>\n"
).encode()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn(key=KEY, legal_entity_id=LEGAL_ENTITY) as provider:
        provider.receivers.add(RECEIVER)
        yield provider
        assert provider.violations == [], "a request or an answer broke the provider's OpenAPI document"


def adapter(
    url: str, key: str = KEY, timeout: timedelta = timedelta(seconds=2), entity: int = LEGAL_ENTITY
) -> Storecove:
    return Storecove(url, legal_entity_id=entity, key=lambda: key, timeout=timeout)


@pytest.fixture
def ap(stand_in: StandIn) -> Storecove:
    return adapter(stand_in.url)


def guid() -> str:
    return str(uuid.uuid4())


@pytest.mark.parametrize("document_type", ["invoice", "creditnote"])
def test_discovery_says_who_receives(stand_in: StandIn, ap: Storecove, document_type: Any) -> None:
    assert ap.receives(RECEIVER, document_type) is True
    assert ap.receives(OUTSIDER, document_type) is False
    # The body is CONTRACT §10's, to the letter.
    assert stand_in.requests[0].body == {
        "network": "peppol",
        "metaScheme": "iso6523-actorid-upis",
        "scheme": "NO:ORGNR",
        "identifier": RECEIVER,
        "documentTypes": [document_type],
    }


def test_a_submission_delivers_the_ehf_byte_for_byte(stand_in: StandIn, ap: Storecove) -> None:
    key = guid()
    submitted = ap.submit(RECEIVER, EHF, key)
    [taken] = stand_in.submissions
    assert submitted == ports.Submitted(taken.guid)
    assert (taken.document, taken.org_number, taken.idempotency_guid) == (EHF, RECEIVER, key)
    # The rest of the body is CONTRACT §10's, to the letter.
    body = stand_in.requests[0].body
    del body["document"]["rawDocumentData"]["document"]
    assert body == {
        "legalEntityId": LEGAL_ENTITY,
        "idempotencyGuid": key,
        "routing": {"eIdentifiers": [{"scheme": "NO:ORGNR", "id": RECEIVER}]},
        "document": {"documentType": "invoice", "rawDocumentData": {"parse": True, "parseStrategy": "ubl"}},
    }


def test_a_repeated_idempotency_guid_submits_nothing_again(stand_in: StandIn, ap: Storecove) -> None:
    # Given an invoice submitted once
    key = guid()
    first = ap.submit(RECEIVER, EHF, key)
    # When the same invoice is submitted again (a retried message, a second worker)
    again = ap.submit(RECEIVER, EHF, key)
    # Then the provider's 422 reads as "submitted before", and one document went out
    assert again == ports.Submitted(None)
    assert [s.guid for s in stand_in.submissions] == [first.guid]
    assert stand_in.requests[-1].status == 422


def test_a_submission_answered_too_late_is_not_submitted_twice(stand_in: StandIn) -> None:
    # Given a provider that takes the submission but answers after the adapter gave up
    stand_in.stall_next("submission", 0.6)
    key = guid()
    with pytest.raises(ports.AccessPointUnavailable):
        adapter(stand_in.url, timeout=timedelta(milliseconds=200)).submit(RECEIVER, EHF, key)
    # When the retry comes with the same idempotencyGuid
    adapter(stand_in.url).submit(RECEIVER, EHF, key)
    # Then the provider holds exactly one submission of it (once the late answer is given)
    deadline = time.monotonic() + 5
    while len(stand_in.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [s.idempotency_guid for s in stand_in.submissions] == [key]


def test_a_refusal_carries_the_providers_words(stand_in: StandIn, ap: Storecove) -> None:
    stand_in.refuse(RECEIVER, "The receiver is not registered for this document type")
    with pytest.raises(ports.SubmissionRefused) as refused:
        ap.submit(RECEIVER, EHF, guid())
    assert refused.value.detail == "document: The receiver is not registered for this document type"
    assert stand_in.submissions == []


def test_a_wrong_legal_entity_is_a_configuration_fault_not_a_refusal(stand_in: StandIn) -> None:
    with pytest.raises(ports.AccessPointNotAuthorised):
        adapter(stand_in.url, entity=LEGAL_ENTITY + 1).submit(RECEIVER, EHF, guid())
    assert stand_in.submissions == []


def test_an_idempotency_guid_that_is_no_uuid_is_never_sent(stand_in: StandIn, ap: Storecove) -> None:
    with pytest.raises(ValueError, match="UUID"):
        ap.submit(RECEIVER, EHF, "not-a-guid")
    assert stand_in.requests == []


OPERATIONS: dict[str, Callable[[Storecove], object]] = {
    "discovery": lambda ap: ap.receives(RECEIVER, "invoice"),
    "submission": lambda ap: ap.submit(RECEIVER, EHF, guid()),
    "outcomes": lambda ap: ap.next_outcome(),
    "acknowledge": lambda ap: ap.acknowledge(guid()),
}
FAULTS = {  # status (None: no answer in time), Retry-After, what the error says
    "429 with Retry-After": (429, 30, "throttled"),
    "429": (429, None, "throttled"),
    "500": (500, None, r"failed \(500\)"),
    "503": (503, None, r"failed \(503\)"),
    "no answer": (None, None, r"no answer within 0\.2 s"),
}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_of_the_provider_is_unavailable(stand_in: StandIn, operation: str, fault: str) -> None:
    # Given a provider that throttles, fails or does not answer in time, once
    status, retry_after, says = FAULTS[fault]
    if status is None:
        stand_in.stall_next(operation, 0.6)
    else:
        stand_in.fail_next(operation, status, retry_after=retry_after)
    # Then the call is unavailable (when to come back, if the provider said so), and the next passes
    with pytest.raises(ports.AccessPointUnavailable, match=says) as failed:
        OPERATIONS[operation](adapter(stand_in.url, timeout=timedelta(milliseconds=200)))
    assert failed.value.retry_after == retry_after
    OPERATIONS[operation](adapter(stand_in.url))


def test_a_provider_that_cannot_be_reached_is_unavailable(stand_in: StandIn) -> None:
    stand_in.close()
    with pytest.raises(ports.AccessPointUnavailable, match="unreachable"):
        adapter(stand_in.url).receives(RECEIVER, "invoice")


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_not_authorised(stand_in: StandIn, operation: str, status: int) -> None:
    if status == 403:
        stand_in.fail_next(operation, 403)
    with pytest.raises(ports.AccessPointNotAuthorised) as refused:
        OPERATIONS[operation](adapter(stand_in.url, key=REVOKED if status == 401 else KEY))
    assert REVOKED not in str(refused.value)
    assert stand_in.requests[-1].status == status


@pytest.mark.parametrize(
    ("operation", "status"), [("discovery", 404), ("discovery", 422), ("outcomes", 404), ("acknowledge", 400)]
)
def test_a_meaningless_answer_is_retried(stand_in: StandIn, operation: str, status: int) -> None:
    # Given an answer the document does not allow, or one CONTRACT §10 gives no meaning
    stand_in.fail_next(operation, status)
    # Then it is neither a NOK nor a refusal (either would e-mail the invoice): it is retried
    with pytest.raises(ports.AccessPointUnavailable, match="not an answer it expects"):
        OPERATIONS[operation](adapter(stand_in.url))


def test_no_error_names_the_key_or_the_ehf(stand_in: StandIn, ap: Storecove) -> None:
    for status in (503, 401, 422):
        stand_in.fail_next("submission", status)
    for expected in (ports.AccessPointUnavailable, ports.AccessPointNotAuthorised, ports.SubmissionRefused):
        with pytest.raises(expected) as raised:
            ap.submit(RECEIVER, EHF, guid())
        for secret in (KEY, base64.b64encode(EHF).decode(), "Blåbær"):
            assert secret not in str(raised.value)


def test_the_key_is_read_on_every_request(stand_in: StandIn) -> None:
    # Given a key that the operator replaces in the secret between two requests
    keys = iter([REVOKED, KEY])
    rotating = Storecove(stand_in.url, legal_entity_id=LEGAL_ENTITY, key=lambda: next(keys))
    with pytest.raises(ports.AccessPointNotAuthorised):
        rotating.receives(RECEIVER, "invoice")
    # Then the next request carries the new one, without a new adapter
    assert rotating.receives(RECEIVER, "invoice") is True


@pytest.mark.parametrize(
    ("delivered", "event", "detail"),
    [(True, "succeeded", None), (False, "failed", "The receiving access point did not accept the document")],
)
def test_a_submission_comes_back_with_its_outcome_until_acknowledged(
    stand_in: StandIn, ap: Storecove, delivered: bool, event: str, detail: str | None
) -> None:
    # Given a submission the provider delivered, or could not
    if not delivered:
        stand_in.fails_delivery.add(RECEIVER)
    assert ap.next_outcome() is None
    submitted = ap.submit(RECEIVER, EHF, guid())
    # When the outcomes are read (twice: reading removes nothing)
    outcome, again = ap.next_outcome(), ap.next_outcome()
    # Then it names the submission, its event and why
    assert outcome is not None
    assert outcome == again
    assert (outcome.submission, outcome.event, outcome.detail) == (submitted.guid, event, detail)
    # and once acknowledged it is gone
    ap.acknowledge(outcome.instance)
    assert ap.next_outcome() is None
    ap.acknowledge(outcome.instance)  # already gone (404): fine


def test_outcomes_come_once_released_and_may_come_twice(stand_in: StandIn, ap: Storecove) -> None:
    # Given a provider that has not yet sent the outcome of a submission
    stand_in.hold_outcomes = True
    submitted = ap.submit(RECEIVER, EHF, guid())
    assert submitted.guid is not None
    assert ap.next_outcome() is None
    # When it sends it, and then the same once more
    stand_in.release_outcomes()
    stand_in.repeat_outcome(submitted.guid)
    seen = []
    while (outcome := ap.next_outcome()) is not None:
        seen.append(outcome)
        ap.acknowledge(outcome.instance)
    # Then both name the submission, as two webhook instances
    assert [(o.submission, o.event) for o in seen] == [(submitted.guid, "succeeded")] * 2
    assert seen[0].instance != seen[1].instance


NO_ACTION = {"event_type": "document_submission", "event": "no_action_taken", "guid": "s-1", "details": "x"}


@pytest.mark.parametrize(
    ("body", "submission", "event", "detail"),
    [
        (NO_ACTION, "s-1", "no_action_taken", "x"),
        ({"event_type": "received_document", "event": "received", "guid": "r-1"}, None, "received", None),
        ({"event": "succeeded"}, None, "succeeded", None),
        ({"guid": "s-2"}, "s-2", "unreadable", None),
        ("not JSON at all", None, "unreadable", None),
        ([1, 2], None, "unreadable", None),
    ],
)
def test_any_other_outcome_is_still_an_outcome(
    stand_in: StandIn, ap: Storecove, body: Any, submission: str | None, event: str, detail: str | None
) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    instance = stand_in.queue_outcome(text)
    assert ap.next_outcome() == ports.ProviderOutcome(instance, submission, event, detail, text)


def test_a_request_that_breaks_the_document_is_caught() -> None:
    with StandIn(key=KEY, legal_entity_id=LEGAL_ENTITY) as provider:
        # Given the adapter's own request with one field the document forbids
        adapter(provider.url).submit(RECEIVER, EHF, guid())
        body = {**provider.requests[0].body, "idempotencyGuid": "0123456789"}  # the document wants 36
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        request = urllib.request.Request(
            f"{provider.url}/document_submissions", json.dumps(body).encode(), headers, method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(request, timeout=2)

        assert answered.value.code == 400
        [violation] = provider.violations
        assert "idempotencyGuid: '0123456789' is too short" in violation
        assert len(provider.submissions) == 1


def test_a_missing_document_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ACCESS_POINT_OPENAPI", str(tmp_path / "nowhere.json"))
    with pytest.raises(FileNotFoundError, match=r"nowhere\.json.*ACCESS_POINT_OPENAPI"):
        StandIn()
