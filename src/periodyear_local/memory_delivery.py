"""In-memory stand-ins for delivery's ports, for the unit tests and benchmarks: the same
protocols as the adapters, the same conditional writes, and switches to fail or crash."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from periodyear.delivery.ports import (
    AccessPointNotAuthorised,
    AccessPointUnavailable,
    MailRefused,
    PeppolDocumentType,
    ProviderOutcome,
    SubmissionRefused,
    Submitted,
)
from periodyear.domain.calendar import PeriodKind
from periodyear.domain.delivery import Buyer, Delivery, InvoiceRef
from periodyear.domain.sending import Moved


class Crash(BaseException):
    """The worker dies here: nothing after this runs, no ``except Exception`` catches it."""


@dataclass
class MemoryDeliveryRecords:
    items: dict[tuple[str, str, str], Delivery] = field(default_factory=dict)
    submissions: dict[str, InvoiceRef] = field(default_factory=dict)
    before_save: Callable[[Delivery], None] | None = None  # e.g. crash before a given record

    def get(self, tenant_id: str, kind: PeriodKind | str, period: str) -> Delivery | None:
        return self.items.get((tenant_id, PeriodKind(kind).value, period))

    def save(self, delivery: Delivery) -> Delivery:
        if self.before_save is not None:
            self.before_save(delivery)
        key = (delivery.ref.tenant_id, delivery.ref.kind.value, delivery.ref.period)
        held = self.items.get(key)
        if (held.version if held else 0) != delivery.version:
            raise Moved("changed")
        from dataclasses import replace  # noqa: PLC0415

        saved = replace(delivery, version=delivery.version + 1)
        self.items[key] = saved
        return saved

    def link_submission(self, guid: str, ref: InvoiceRef) -> None:
        self.submissions[guid] = ref

    def submission(self, guid: str) -> InvoiceRef | None:
        return self.submissions.get(guid)

    def many(self, keys: Any) -> dict[tuple[str, str, str], Delivery]:
        wanted = {(t, PeriodKind(k).value, p) for t, k, p in keys}
        return {key: delivery for key, delivery in self.items.items() if key in wanted}


@dataclass
class QueuedInMemory:
    """Resend requests, as the delivery queue would hold them."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    def request(self, message: Mapping[str, Any]) -> None:
        self.messages.append({"resend": dict(message)})

    def fallback(self, ref: InvoiceRef) -> None:
        self.messages.append({"fallback": ref})


@dataclass
class MemoryBuyers:
    buyers: dict[str, Buyer] = field(default_factory=dict)

    def buyer(self, tenant_id: str) -> Buyer | None:
        return self.buyers.get(tenant_id)


@dataclass
class MemoryDocuments:
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def read(self, bucket: str, key: str) -> bytes:
        return self.objects[(bucket, key)]


@dataclass
class FakeAccessPoint:
    """The provider as the unit tests need it: receivers, refusals, queued outcomes, failures
    on demand, and every submission it took (by idempotency GUID)."""

    receivers: set[str] = field(default_factory=set)
    refusing: dict[str, str] = field(default_factory=dict)  # org number → the refusal's text
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency guid → submission
    outcomes: list[ProviderOutcome] = field(default_factory=list)
    failures: dict[str, Exception] = field(default_factory=dict)  # operation → raised once
    after: dict[str, BaseException] = field(default_factory=dict)  # operation → raised after it acted
    before: dict[str, Callable[[], None]] = field(default_factory=dict)  # operation → run first, once
    discoveries: int = 0

    def _fail(self, operation: str) -> None:
        if operation in self.before:
            self.before.pop(operation)()
        if operation in self.failures:
            raise self.failures.pop(operation)

    def _acted(self, operation: str) -> None:
        if operation in self.after:
            raise self.after.pop(operation)

    def receives(self, org_number: str, document_type: PeppolDocumentType) -> bool:
        self._fail("discovery")
        self.discoveries += 1
        found = org_number in self.receivers
        self._acted("discovery")
        return found

    def submit(self, org_number: str, ehf: bytes, idempotency_guid: str) -> Submitted:
        self._fail("submission")
        if idempotency_guid in self.taken:
            return Submitted(None)
        if org_number in self.refusing:
            raise SubmissionRefused(self.refusing[org_number])
        guid = str(uuid.uuid4())
        self.taken[idempotency_guid] = {"guid": guid, "org_number": org_number, "document": ehf}
        self._acted("submission")
        return Submitted(guid)

    def outcome(self, idempotency_guid: str, event: str, detail: str | None = None) -> ProviderOutcome:
        """Queue an outcome for a submission (returned, to queue it again as a repeat)."""
        guid = self.taken[idempotency_guid]["guid"]
        queued = ProviderOutcome(str(uuid.uuid4()), guid, event, detail, "{}", idempotency_guid)
        self.outcomes.append(queued)
        return queued

    def next_outcome(self) -> ProviderOutcome | None:
        self._fail("outcomes")
        return self.outcomes[0] if self.outcomes else None

    def acknowledge(self, instance: str) -> None:
        self.outcomes = [o for o in self.outcomes if o.instance != instance]


@dataclass
class FakeMailer:
    """SES as the unit tests need it: every message it took, refusals and failures on demand."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    refusing: set[str] = field(default_factory=set)
    failures: list[Exception] = field(default_factory=list)  # raised before sending, in order
    after: list[BaseException] = field(default_factory=list)  # raised after SES took one
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def send(self, raw: bytes, *, recipient: str, tags: Mapping[str, str]) -> str:
        if self.failures:
            raise self.failures.pop(0)
        if recipient in self.refusing:
            raise MailRefused("SES refused the e-mail: MessageRejected")
        message_id = f"ses-{next(self._ids)}"
        self.sent.append({"raw": raw, "recipient": recipient, "tags": dict(tags), "message_id": message_id})
        if self.after:
            raise self.after.pop(0)
        return message_id


@dataclass
class ListAnnouncer:
    events: list[dict[str, Any]] = field(default_factory=list)

    def announce(self, detail: Mapping[str, Any]) -> None:
        self.events.append(dict(detail))


@dataclass
class TallyCounter:
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


__all__ = [
    "AccessPointNotAuthorised",
    "AccessPointUnavailable",
    "Crash",
    "FakeAccessPoint",
    "FakeMailer",
    "ListAnnouncer",
    "MemoryBuyers",
    "MemoryDeliveryRecords",
    "MemoryDocuments",
    "TallyCounter",
]
