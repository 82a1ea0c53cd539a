"""What delivery reads and sends, as protocols, and the typed errors each port raises.

The service knows only these; the adapters (``periodyear.adapters.access_point``,
``periodyear.adapters.deliveries``, the SES mailer) are the only code that knows a wire format
or an item key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from periodyear.domain.calendar import PeriodKind
    from periodyear.domain.delivery import Buyer, Delivery, InvoiceRef

PeppolDocumentType = Literal["invoice", "creditnote"]


# ---------------------------------------------------------------- the access point's errors
class AccessPointError(Exception):
    """Something the access point answered, or failed to answer."""


class AccessPointUnavailable(AccessPointError):
    """429, a 5xx, a timeout or a broken connection: try again later (``retry_after`` seconds
    when the provider said so). ``refused_unread``: the provider answered that it did not take
    the request (429); after any other of these a submission may have been taken."""

    def __init__(self, problem: str, retry_after: int | None = None, *, refused_unread: bool = False) -> None:
        super().__init__(problem)
        self.retry_after = retry_after
        self.refused_unread = refused_unread


class AccessPointNotAuthorised(AccessPointError):
    """401/403: the key or the legal entity is wrong. A configuration fault: retried and alarmed,
    never turned into an e-mail."""


class SubmissionRefused(AccessPointError):
    """A 422 on a submission that is not a repeated ``idempotencyGuid``: the provider will not
    send this document (``detail``: what it said)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Submitted:
    """A submission the access point took: its ``guid``, or None when the provider answered that
    the ``idempotencyGuid`` was used before (submitted earlier; nothing was sent again)."""

    guid: str | None

    @property
    def repeated(self) -> bool:
        return self.guid is None


@dataclass(frozen=True)
class ProviderOutcome:
    """One queued outcome (``GET /webhook_instances/``): ``instance`` is the webhook instance's own
    guid (to acknowledge it), ``submission`` the submission it names (None when its body names
    none), ``event`` its event (``succeeded``, ``failed``, or another), ``detail`` what it says
    beside that, ``body`` the body as received, ``idempotency_guid`` our own key of the
    submission when the body carries it (it finds a submission whose 200 never reached us)."""

    instance: str
    submission: str | None
    event: str
    detail: str | None
    body: str
    idempotency_guid: str | None = None


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
class MailRefused(Exception):
    """SES refused the message for good (a rejected address, a message too large): no retry
    sends it; the delivery fails with this reason."""


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
