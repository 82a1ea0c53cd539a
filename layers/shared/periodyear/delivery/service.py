"""Delivers issued invoices (CONTRACT §10): PEPPOL when the buyer receives there, else e-mail.

Every step reads the delivery record, applies one rule of ``periodyear.domain.delivery`` and
writes it back at the version it read (``Moved``: read again and re-apply), so the record is
the one place that knows what was sent. A cause is claimed before its message goes out and
recorded once it was taken; see the domain module for why that sends each cause once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from periodyear.delivery.ports import (
    AccessPoint,
    AccessPointError,
    AccessPointNotAuthorised,
    AccessPointUnavailable,
    Announcer,
    BuyerDirectory,
    Counter,
    DeliveryStore,
    Documents,
    InvoiceMailer,
    MailNotTaken,
    MailRefused,
    Moved,
    PeppolDocumentType,
    ProviderOutcome,
    Requests,
    SubmissionRefused,
)
from periodyear.domain import delivery as rules
from periodyear.domain.addresses import ses_address
from periodyear.domain.delivery import (
    FALLBACK,
    FIRST,
    Buyer,
    Channel,
    Delivery,
    DeliveryError,
    InvoiceRef,
    Status,
    is_resend,
)
from periodyear.domain.errors import UnsendableAddress
from periodyear.observability import logger

_SAVES = 8


@dataclass(frozen=True)
class Composed:
    raw: bytes
    note: str | None  # what the e-mail could not attach as it is (zipped, left out), for attempts


Compose = Callable[[Delivery, Buyer, str, datetime], Composed]  # delivery, buyer, recipient, now


@dataclass(frozen=True)
class Issued:
    """``InvoiceIssued`` as delivery reads it: which invoice, its facts, and an EHF held."""

    ref: InvoiceRef
    facts: Mapping[str, Any]
    ehf_held: str | None


class DeliveryService:
    def __init__(
        self,
        *,
        records: DeliveryStore,
        buyers: BuyerDirectory,
        documents: Documents,
        access_point: AccessPoint,
        mailer: InvoiceMailer,
        announcer: Announcer,
        compose: Compose,
        counter: Counter,
        requests: Requests,
    ) -> None:
        self._records = records
        self._buyers = buyers
        self._documents = documents
        self._access_point = access_point
        self._mailer = mailer
        self._announcer = announcer
        self._compose = compose
        self._counter = counter
        self._requests = requests

    # ------------------------------------------------------------------ the record
    def _change(self, delivery: Delivery, rule: Callable[[Delivery], Delivery]) -> Delivery:
        """Apply ``rule`` and save; when the record moved meanwhile, read it and apply again. A
        change that settles the delivery is announced first, then saved: a crash in between
        announces it again on the retry (a repeat that consumers ignore by the invoice's key),
        never loses it, and costs no second write."""
        for _ in range(_SAVES):
            changed = rule(delivery)
            if changed is delivery:
                return delivery
            if changed.announce is not None:
                self._announcer.announce(changed.announce)
                if changed.announce.get("detail_type") == "InvoiceDeliveryFailed":
                    self._counter.count("InvoicesUndelivered")
                changed = rules.announced(changed)
            try:
                return self._records.save(changed)
            except Moved:
                found = self._records.get(delivery.ref.tenant_id, delivery.ref.kind, delivery.ref.period)
                assert found is not None  # Moved: another worker wrote it, and none is ever removed
                delivery = found
        raise Moved(f"delivery of invoice {delivery.ref.invoice_number} kept changing")

    def _load(self, ref: InvoiceRef, facts: Mapping[str, Any], now: datetime) -> Delivery:
        """The delivery as recorded, or a new one not yet written (version 0): its first step
        writes it, on condition that no other worker did meanwhile."""
        found = self._records.get(ref.tenant_id, ref.kind, ref.period)
        return found if found is not None else rules.started(ref, facts, now)

    # ------------------------------------------------------------------ InvoiceIssued
    def issued(self, event: Issued, now: datetime) -> str:
        """Deliver an issued invoice once; what happened, in a word."""
        delivery = self._load(event.ref, event.facts, now)
        first = delivery.send_of(FIRST)
        if first is not None and first.settled == "refused" and not delivery.done(FALLBACK):
            return self.fallback(delivery.ref, now)  # the refusal's e-mail did not go out yet
        if delivery.done(FIRST):
            return "already-sent"
        buyer = self._buyers.buyer(event.ref.tenant_id)
        if buyer is None:
            return self._undeliverable(delivery, "the register holds no tenant for this invoice", now)
        if first is not None:  # a dead worker's claim: keep the channel it chose
            channel = first.channel
        elif event.ehf_held or not event.facts.get("documents", {}).get("xml"):
            held = rules.Attempt(Channel.PEPPOL, now, "held", event.ehf_held or "no EHF was made")
            return self._email(delivery, FIRST, buyer, buyer.address, now, note=held)
        else:
            document_type: PeppolDocumentType = (
                "creditnote" if event.facts.get("document_type") == "CREDIT_NOTE" else "invoice"
            )
            receives = self._access_point.receives(buyer.org_number, document_type)
            channel = Channel.PEPPOL if receives else Channel.EMAIL
        if channel is Channel.PEPPOL:
            return self._submit(delivery, buyer, now)
        return self._email(delivery, FIRST, buyer, buyer.address, now)

    def _undeliverable(self, delivery: Delivery, reason: str, now: datetime, *, extra: bool = False) -> str:
        """No channel can take it: the delivery fails, announced; ``extra``: only a copy of a
        delivered invoice could not be sent, which is kept in ``attempts`` and changes nothing."""
        logger.error("invoice cannot be delivered", extra={"reason": reason, **_log(delivery.ref)})
        if extra:
            self._change(
                delivery, lambda d: rules.noted(d, rules.Attempt(Channel.EMAIL, now, "failed", reason))
            )
        else:
            self._change(delivery, lambda d: rules.undeliverable(d, reason, now))
        return "undeliverable"

    # ------------------------------------------------------------------ PEPPOL
    def _submit(self, delivery: Delivery, buyer: Buyer, now: datetime) -> str:
        claimed: list[rules.Claimed | None] = []

        def claim(d: Delivery) -> Delivery:
            claimed[:] = [rules.claim(d, FIRST, Channel.PEPPOL, buyer.org_number, now)]
            return claimed[0].delivery if claimed[0] else d

        delivery = self._change(delivery, claim)
        if claimed[-1] is None:
            return "already-sent"
        facts = delivery.facts["documents"]
        ehf = self._documents.read(facts["bucket"], facts["xml"])
        ref = delivery.ref
        # Our own key first: an outcome names it even when the provider's answer to us was lost.
        self._records.link_submission(ref.idempotency_guid(), ref)
        try:
            submitted = self._access_point.submit(buyer.org_number, ehf, ref.idempotency_guid())
        except SubmissionRefused as refusal:
            why = refusal.detail
            self._counter.count("PeppolRefused")
            logger.warning(
                "the access point refused the invoice", extra={"detail": refusal.detail, **_log(ref)}
            )
            delivery = self._change(delivery, lambda d: rules.refused(d, FIRST, why, now))
            return self._fallback(delivery, buyer, now)
        except AccessPointError as error:
            # Given back only when the provider certainly took nothing (401/403, 429); after a
            # timeout or a 5xx it may have: the claim stands, and its lease ends in a takeover
            # that the same idempotencyGuid makes safe.
            if isinstance(error, AccessPointNotAuthorised) or (
                isinstance(error, AccessPointUnavailable) and error.refused_unread
            ):
                self._change(delivery, lambda d: rules.released(d, FIRST))
            raise
        if submitted.guid is not None:
            self._records.link_submission(submitted.guid, ref)
        detail = None if submitted.guid else "submitted before (the idempotencyGuid was used)"
        self._change(delivery, lambda d: rules.recorded(d, FIRST, submitted.guid, now, detail))
        self._counter.count("InvoicesSubmitted")
        return "peppol"

    def _fallback(self, delivery: Delivery, buyer: Buyer, now: datetime) -> str:
        """The e-mail after PEPPOL refused or failed: once, to the invoice address."""
        return self._email(delivery, FALLBACK, buyer, buyer.address, now)

    def fallback(self, ref: InvoiceRef, now: datetime) -> str:
        """The fallback e-mail of a delivery whose submission was refused or failed (the
        collector hands it here through the queue, so one outcome never holds up the next)."""
        delivery = self._records.get(ref.tenant_id, ref.kind, ref.period)
        first = delivery.send_of(FIRST) if delivery else None
        if delivery is None or first is None or first.settled != "refused":
            raise DeliveryError(f"invoice {ref.invoice_number} has no refused submission to e-mail instead")
        if delivery.done(FALLBACK):
            return "already-sent"
        buyer = self._buyers.buyer(ref.tenant_id)
        if buyer is None:
            return self._undeliverable(delivery, "the register holds no tenant for this invoice", now)
        return self._fallback(delivery, buyer, now)

    # ------------------------------------------------------------------ e-mail
    def _email(
        self,
        delivery: Delivery,
        cause: str,
        buyer: Buyer,
        recipient: str,
        now: datetime,
        *,
        note: rules.Attempt | None = None,  # kept in the claim's write
    ) -> str:
        extra = is_resend(cause) and delivery.status is Status.DELIVERED  # a copy: the status stays
        recipient, unusable = _usable(cause, recipient)
        if unusable is not None:
            return self._undeliverable(delivery, unusable, now, extra=extra)
        claimed: list[rules.Claimed | None] = []

        def claim(d: Delivery) -> Delivery:
            noted = rules.noted(d, note) if note is not None and not d.done(cause) else d
            claimed[:] = [rules.claim(noted, cause, Channel.EMAIL, recipient, now, current=not extra)]
            return claimed[0].delivery if claimed[0] else d

        delivery = self._change(delivery, claim)
        taken = claimed[-1]
        if taken is None:
            return "already-sent"
        if taken.taken_over:  # the one allowed window: the dead worker's e-mail may have gone out
            self._counter.count("InvoiceEmailMaybeRepeated")
            logger.warning(
                "an e-mail claim left by a dead worker is taken over",
                extra={"cause": cause, **_log(delivery.ref)},
            )
        composed = self._compose(delivery, buyer, recipient, now)
        try:
            message_id = self._mailer.send(composed.raw, recipient=recipient, tags=tags(delivery.ref, cause))
        except MailRefused as refusal:
            why = str(refusal)
            self._counter.count("InvoiceEmailRefused")
            delivery = self._change(delivery, lambda d: rules.recorded(d, cause, None, now, why))
            self._change(delivery, lambda d: rules.settled(d, cause, Status.FAILED, now, why))
            return "failed"
        except MailNotTaken:  # SES said no: the retry need not wait
            self._change(delivery, lambda d: rules.released(d, cause))
            raise
        # Any other error (a 5xx above all): SES may have taken it, so the claim stands and its
        # lease ends in a counted takeover.
        self._change(delivery, lambda d: rules.recorded(d, cause, message_id, now, composed.note))
        self._counter.count("InvoicesEmailed")
        return "email"

    # ------------------------------------------------------------------ resend
    def resend(self, event: Issued, cause: str, address: str | None, now: datetime) -> str:
        """E-mail the invoice again (``cause``: ``resend-<request id>``), to ``address`` when
        given, else to the tenant's invoice address; once per request, however often it comes."""
        delivery = self._load(event.ref, event.facts, now)
        buyer = self._buyers.buyer(event.ref.tenant_id)
        if buyer is None:
            return self._undeliverable(delivery, "the register holds no tenant for this invoice", now)
        return self._email(delivery, cause, buyer, address or buyer.address, now)

    # ------------------------------------------------------------------ settlements
    def outcome(self, outcome: ProviderOutcome, now: datetime) -> str:
        """Record one outcome of the access point; a repeat changes nothing."""
        ref = next(
            (
                found
                for guid in (outcome.submission, outcome.idempotency_guid)
                if guid and (found := self._records.submission(guid))
            ),
            None,
        )
        delivery = self._records.get(ref.tenant_id, ref.kind, ref.period) if ref else None
        if delivery is None or delivery.send_of(FIRST) is None:
            self._counter.count("PeppolOutcomesUnmatched")
            logger.warning("an outcome names no submission of ours", extra={"event": outcome.event})
            return "unmatched"
        if outcome.event == "succeeded":
            self._change(delivery, lambda d: rules.settled(d, FIRST, Status.DELIVERED, now))
            return "delivered"
        if outcome.event == "failed":
            reason = outcome.detail or "the access point could not deliver it"
            if delivery.sends[FIRST].settled is None:
                self._counter.count("PeppolRefused")
            delivery = self._change(delivery, lambda d: rules.refused(d, FIRST, reason, now))
            if delivery.sends[FIRST].settled != "refused":  # delivered before: nothing to e-mail
                return "noted"
            if not delivery.done(FALLBACK):
                self._requests.fallback(delivery.ref)
            return "failed"
        seen = rules.Attempt(Channel.PEPPOL, now, outcome.event, outcome.detail)
        self._change(delivery, lambda d: d if _seen(d, seen) else rules.noted(d, seen))
        return "noted"

    def collect(self, now: datetime, more: Callable[[], bool]) -> dict[str, int]:
        """Record the access point's queued outcomes while ``more()`` (the time left) allows;
        each is acknowledged only once recorded, so a crash hands it over to the next run."""
        counts: dict[str, int] = {}
        while more():
            outcome = self._access_point.next_outcome()
            if outcome is None:
                break
            result = self.outcome(outcome, now)
            self._access_point.acknowledge(outcome.instance)
            counts[result] = counts.get(result, 0) + 1
        return counts

    def email_event(self, event: EmailEvent, now: datetime) -> str:
        """SES's word on an e-mail: delivered, bounced, complained of or rejected."""
        delivery = self._records.get(event.ref.tenant_id, event.ref.kind, event.ref.period)
        send = delivery.send_of(event.cause) if delivery else None
        if delivery is None or send is None or (send.reference and event.message_id not in send.reference):
            self._counter.count("EmailEventsUnmatched")
            logger.warning("an SES event names no e-mail of ours", extra={"cause": event.cause})
            return "unmatched"
        if event.outcome in (Status.DELIVERED, Status.FAILED):
            self._change(delivery, lambda d: rules.settled(d, event.cause, event.outcome, now, event.detail))
            return event.outcome.value
        seen = rules.Attempt(Channel.EMAIL, now, event.note, event.detail)
        self._change(delivery, lambda d: d if _seen(d, seen) else rules.noted(d, seen))
        return event.note


@dataclass(frozen=True)
class EmailEvent:
    """An SES event about one of our e-mails: which invoice and cause (its tags), the message,
    and what it settles: ``outcome`` delivered or failed, or PENDING with a ``note`` to keep
    (a complaint, a transient bounce)."""

    ref: InvoiceRef
    cause: str
    message_id: str
    outcome: Status
    note: str
    detail: str | None


def _usable(cause: str, recipient: str) -> tuple[str, str | None]:
    """The address as SES and the To header take it (the domain in IDNA form), or why there is
    none to use (the reason names no address)."""
    why = {FIRST: "not a PEPPOL receiver, and ", FALLBACK: "PEPPOL refused it, and "}.get(cause, "")
    if not recipient:
        return recipient, f"{why}no invoice e-mail address"
    try:
        return ses_address(recipient), None
    except UnsendableAddress as unsendable:
        return recipient, f"{why}its invoice e-mail address cannot be used: {unsendable}"


def _seen(delivery: Delivery, attempt: rules.Attempt) -> bool:
    return any(
        (a.channel, a.outcome, a.detail) == (attempt.channel, attempt.outcome, attempt.detail)
        for a in delivery.attempts
    )


def tags(ref: InvoiceRef, cause: str) -> dict[str, str]:
    """SES tags naming the invoice and the cause (values: letters, digits, ``_`` and ``-``)."""
    return {
        "tenant_id": tag_value(ref.tenant_id),
        "kind": ref.kind.value,
        "period": ref.period,
        "invoice_number": str(ref.invoice_number),
        "cause": cause,
    }


def tag_value(text: str) -> str:
    """A tenant id as an SES tag value: ``_`` and ``.`` escaped as ``_5F`` and ``_2E``."""
    return text.replace("_", "_5F").replace(".", "_2E")


def from_tag_value(text: str) -> str:
    return text.replace("_2E", ".").replace("_5F", "_")


def _log(ref: InvoiceRef) -> dict[str, Any]:
    return {"tenant_id": ref.tenant_id, "invoice_number": ref.invoice_number}
