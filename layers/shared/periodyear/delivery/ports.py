"""What delivery reads and sends, as protocols, and the typed errors each port raises.

The service knows only these; the adapters (``periodyear.adapters.access_point``,
``periodyear.adapters.deliveries``, the SES mailer) are the only code that knows a wire format
or an item key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from periodyear.domain.calendar import PeriodKind
    from periodyear.domain.delivery import Buyer, Delivery, InvoiceRef

from periodyear.domain.sending import (  # the answers, as the adapters give them
    AccessPointError,
    AccessPointNotAuthorised,
    AccessPointUnavailable,
    MailNotTaken,
    MailRefused,
    Moved,
    PeppolDocumentType,
    ProviderOutcome,
    SubmissionRefused,
    Submitted,
)

__all__ = [
    "AccessPointError",
    "AccessPointNotAuthorised",
    "AccessPointUnavailable",
    "MailNotTaken",
    "MailRefused",
    "Moved",
    "PeppolDocumentType",
    "ProviderOutcome",
    "SubmissionRefused",
    "Submitted",
]


class AccessPoint(Protocol):
    def receives(self, org_number: str, document_type: PeppolDocumentType) -> bool:
        """Discovery: whether the organisation receives this document type through PEPPOL."""
        ...

    def submit(self, org_number: str, ehf: bytes, idempotency_guid: str) -> Submitted:
        """Submit the EHF byte for byte to the organisation (``SubmissionRefused`` on a refusal)."""
        ...

    def next_outcome(self) -> ProviderOutcome | None:
        """The next queued outcome, or None when none is left."""
        ...

    def acknowledge(self, instance: str) -> None:
        """Remove an outcome from the queue once it is recorded."""
        ...


# ---------------------------------------------------------------- the e-mail
class InvoiceMailer(Protocol):
    def send(self, raw: bytes, *, recipient: str, tags: Mapping[str, str]) -> str:
        """Send one raw MIME message to one recipient with these SES tags; SES's message id.
        ``MailRefused`` when SES refuses it for good; anything else is worth a retry."""
        ...


# ---------------------------------------------------------------- records, buyers, documents
class DeliveryStore(Protocol):
    def get(self, tenant_id: str, kind: PeriodKind | str, period: str) -> Delivery | None: ...
    def save(self, delivery: Delivery) -> Delivery:
        """Write if unchanged since read; the saved delivery. ``Moved`` when it changed."""
        ...

    def link_submission(self, guid: str, ref: InvoiceRef) -> None: ...
    def submission(self, guid: str) -> InvoiceRef | None: ...


class BuyerDirectory(Protocol):
    def buyer(self, tenant_id: str) -> Buyer | None: ...


class Documents(Protocol):
    def read(self, bucket: str, key: str) -> bytes: ...


class Announcer(Protocol):
    def announce(self, detail: Mapping[str, Any]) -> None:
        """Put ``InvoiceDelivered``/``InvoiceDeliveryFailed`` (named by ``detail_type``) on the bus."""
        ...


class Counter(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


class Requests(Protocol):
    def fallback(self, ref: InvoiceRef) -> None:
        """Have the delivery function e-mail a refused invoice instead (through its queue)."""
        ...
