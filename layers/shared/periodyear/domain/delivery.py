"""An invoice's delivery as a state machine (CONTRACT §10), with no I/O and no clock.

A delivery belongs to one invoice. It is sent by *causes*: ``first`` (through PEPPOL or by
e-mail), ``fallback`` (the e-mail after PEPPOL refused or failed) and ``resend-<id>`` (an
admin's or an operator's request). Each cause sends at most once: it is *claimed* (recorded
with the time) before its message goes out, and *recorded* once the access point or SES took
it. A claim younger than the lease means another worker is sending (``Busy``); an older one
without a record means a worker died between claiming and recording, and the cause may be
taken over: through PEPPOL that is safe (the provider's idempotency key), by e-mail it is the
one window in which a second copy can go out, which the service counts.

The delivery's ``channel``, ``recipient`` and ``status`` follow its current send (the cause
claimed last). Settlements (an e-mail delivered or bounced, a PEPPOL outcome) are applied to
the send they name; a repeated settlement changes nothing. A settlement of the current send
carries its announcement (``InvoiceDelivered`` / ``InvoiceDeliveryFailed``), which the service
puts on the bus before it saves the settlement, so a crash repeats it rather than loses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from periodyear.domain.calendar import PeriodKind
from periodyear.domain.errors import PeriodYearError

FIRST = "first"
FALLBACK = "fallback"
RESEND_PREFIX = "resend-"
LEASE = timedelta(minutes=5)  # a claim older than this was left by a worker that died
_GUIDS = uuid.UUID("6f1d0c52-5e0b-4c1e-9a53-2d7f3c8a9e10")  # the namespace of idempotency GUIDs


class Channel(StrEnum):
    PEPPOL = "peppol"
    EMAIL = "email"


class Status(StrEnum):
    PENDING = "pending"  # not yet taken by the access point or SES
    SENT = "sent"  # taken: a submission the access point accepted, an e-mail SES accepted
    DELIVERED = "delivered"
    FAILED = "failed"


class DeliveryError(PeriodYearError):
    """A delivery step that cannot be taken now."""


class Busy(DeliveryError):
    """Another worker claimed this cause less than the lease ago: try again later."""


@dataclass(frozen=True)
class InvoiceRef:
    """Which invoice: its key (tenant, kind, period label) and its number."""

    tenant_id: str
    kind: PeriodKind
    period: str  # "2022-08" or "2022"
    invoice_number: int

    def idempotency_guid(self) -> str:
        """The ``idempotencyGuid`` of every submission of this invoice: one per invoice, however
        often and by whichever worker it is tried."""
        return str(uuid.uuid5(_GUIDS, f"{self.tenant_id}/{self.kind.value}/{self.period}"))


@dataclass(frozen=True)
class Buyer:
    """Where a tenant's invoices go: its org number (PEPPOL), its invoice address (else its
    e-mail), its language and name (CONTRACT §2)."""

    tenant_id: str
    name: str
    org_number: str
    address: str
    language: str


@dataclass(frozen=True)
class Attempt:
    channel: Channel
    at: datetime
    outcome: str  # submitted, sent, delivered, failed, refused, bounced, complaint, held, ...
    detail: str | None = None


@dataclass(frozen=True)
class Send:
    """One cause's message: claimed, then recorded as taken, then perhaps settled."""

    channel: Channel
    recipient: str
    claimed_at: datetime
    sent_at: datetime | None = None
    reference: str | None = None  # SES's message id, or the access point's submission guid
    settled: str | None = None  # delivered or failed


@dataclass(frozen=True)
class Delivery:
    ref: InvoiceRef
    facts: Mapping[str, Any]  # what the e-mail tells and attaches (the InvoiceIssued detail's)
    status: Status
    updated_at: datetime
    channel: Channel | None = None
    recipient: str | None = None
    current: str | None = None  # the cause claimed last
    sends: Mapping[str, Send] = field(default_factory=dict)
    attempts: tuple[Attempt, ...] = ()
    announce: Mapping[str, Any] | None = None  # to put on the bus with this change (never stored)
    version: int = 0

    def send_of(self, cause: str) -> Send | None:
        return self.sends.get(cause)

    def done(self, cause: str) -> bool:
        send = self.sends.get(cause)
        return send is not None and send.sent_at is not None


def started(ref: InvoiceRef, facts: Mapping[str, Any], now: datetime) -> Delivery:
    return Delivery(ref=ref, facts=dict(facts), status=Status.PENDING, updated_at=now)


def noted(delivery: Delivery, attempt: Attempt) -> Delivery:
    """A step kept in ``attempts`` that changes no state (a complaint, a transient bounce, an
    EHF held, a discovery's answer)."""
    return replace(delivery, attempts=(*delivery.attempts, attempt), updated_at=attempt.at)


@dataclass(frozen=True)
class Claimed:
    delivery: Delivery
    taken_over: bool  # a claim left by a dead worker: its message may have gone out already


def claim(
    delivery: Delivery,
    cause: str,
    channel: Channel,
    recipient: str,
    now: datetime,
    *,
    lease: timedelta = LEASE,
    current: bool = True,
) -> Claimed | None:
    """Claim ``cause`` for sending; None when it was sent already (nothing to do). ``Busy`` when
    another worker claimed it less than ``lease`` ago. ``current``: the delivery follows this
    send (False for an extra copy of a delivered invoice: its status stays ``delivered``)."""
    earlier = delivery.sends.get(cause)
    if earlier is not None and earlier.sent_at is not None:
        return None
    if earlier is not None and now < earlier.claimed_at + lease:
        raise Busy(f"{cause} is being sent by another worker since {earlier.claimed_at:%H:%M:%S}")
    send = Send(channel=channel, recipient=recipient, claimed_at=now)
    changed = replace(delivery, sends={**delivery.sends, cause: send}, announce=None, updated_at=now)
    if current:
        changed = replace(changed, current=cause, channel=channel, recipient=recipient, status=Status.PENDING)
    return Claimed(changed, taken_over=earlier is not None)


def recorded(
    delivery: Delivery, cause: str, reference: str | None, now: datetime, detail: str | None = None
) -> Delivery:
    """The access point or SES took the cause's message. A settlement that came first is kept."""
    send = delivery.sends[cause]
    if send.sent_at is not None:
        return delivery
    taken = replace(send, sent_at=now, reference=reference or send.reference)
    status = delivery.status
    if delivery.current == cause and send.settled is None:
        status = Status.SENT
    outcome = "submitted" if send.channel is Channel.PEPPOL else "sent"
    return replace(
        delivery,
        sends={**delivery.sends, cause: taken},
        status=status,
        attempts=(*delivery.attempts, Attempt(send.channel, now, outcome, detail)),
        updated_at=now,
    )


def settled(
    delivery: Delivery, cause: str, outcome: Status, now: datetime, reason: str | None = None
) -> Delivery:
    """The cause's message was delivered or failed for good. A repeat changes nothing; a send
    that is no longer the current one is kept in ``attempts`` without changing the status."""
    send = delivery.sends.get(cause)
    if send is None or send.settled is not None:
        return delivery
    if outcome not in (Status.DELIVERED, Status.FAILED):
        raise ValueError(f"a send settles as delivered or failed, not {outcome}")
    changed = replace(
        delivery,
        sends={**delivery.sends, cause: replace(send, settled=outcome.value)},
        attempts=(*delivery.attempts, Attempt(send.channel, now, outcome.value, reason)),
        updated_at=now,
    )
    if delivery.current != cause:
        return changed
    return replace(
        changed, status=outcome, announce=announcement(delivery.ref, send.channel, outcome, reason)
    )


def refused(delivery: Delivery, cause: str, detail: str, now: datetime) -> Delivery:
    """The access point refused the cause's submission, or could not deliver it: the cause is
    answered (never submitted again) and kept in ``attempts``; the status waits for the
    fallback e-mail, which settles the delivery (CONTRACT §10)."""
    send = delivery.sends[cause]
    if send.settled is not None:
        return delivery
    answered = replace(send, sent_at=send.sent_at or now, settled="refused")
    return replace(
        delivery,
        sends={**delivery.sends, cause: answered},
        attempts=(*delivery.attempts, Attempt(send.channel, now, "refused", detail)),
        updated_at=now,
    )


def released(delivery: Delivery, cause: str) -> Delivery:
    """Give back a claim whose message certainly did not go out (the provider or SES said no
    for now), so the retry need not wait for the lease."""
    send = delivery.sends.get(cause)
    if send is None or send.sent_at is not None:
        return delivery
    sends = {c: s for c, s in delivery.sends.items() if c != cause}
    given_back = replace(delivery, sends=sends)
    if delivery.current != cause:
        return given_back
    # the delivery follows the send before it again (or none: pending, as it began)
    taken = [(s.claimed_at, c) for c, s in sends.items() if s.sent_at is not None]
    if not taken:
        return replace(given_back, current=None, channel=None, recipient=None, status=Status.PENDING)
    before = sends[max(taken)[1]]
    status = {"delivered": Status.DELIVERED, "failed": Status.FAILED, "refused": Status.PENDING}.get(
        before.settled or "", Status.SENT
    )
    return replace(
        given_back, current=max(taken)[1], channel=before.channel, recipient=before.recipient, status=status
    )


def undeliverable(delivery: Delivery, reason: str, now: datetime) -> Delivery:
    """No channel can deliver it (no PEPPOL receiver, no usable address): failed, announced."""
    if delivery.status is Status.FAILED and delivery.current is None:
        return delivery
    return replace(
        delivery,
        status=Status.FAILED,
        attempts=(*delivery.attempts, Attempt(delivery.channel or Channel.EMAIL, now, "failed", reason)),
        announce=announcement(delivery.ref, delivery.channel or Channel.EMAIL, Status.FAILED, reason),
        updated_at=now,
    )


def announced(delivery: Delivery) -> Delivery:
    return replace(delivery, announce=None)


def announcement(ref: InvoiceRef, channel: Channel, outcome: Status, reason: str | None) -> dict[str, Any]:
    """``InvoiceDelivered`` / ``InvoiceDeliveryFailed``'s detail (no e-mail address in it)."""
    detail: dict[str, Any] = {
        "detail_type": "InvoiceDelivered" if outcome is Status.DELIVERED else "InvoiceDeliveryFailed",
        "tenant_id": ref.tenant_id,
        "kind": ref.kind.value,
        "period": ref.period,
        "invoice_number": ref.invoice_number,
        "channel": channel.value,
    }
    if reason:
        detail["reason"] = reason
    return detail


def is_resend(cause: str) -> bool:
    return cause.startswith(RESEND_PREFIX)
