"""Delivery's rules on in-memory ports (CONTRACT §10): the channel, the fallback, and each
cause sent once under repeats, two workers and a crash at each step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from periodyear.delivery.messages import issued_from_detail
from periodyear.delivery.ports import AccessPointNotAuthorised, AccessPointUnavailable, MailNotTaken
from periodyear.delivery.service import Composed, DeliveryService, EmailEvent, Issued
from periodyear.domain.delivery import FALLBACK, FIRST, LEASE, Busy, Buyer, Channel, Delivery, Status
from periodyear_local.memory_delivery import (
    Crash,
    FakeAccessPoint,
    FakeMailer,
    ListAnnouncer,
    MemoryBuyers,
    MemoryDeliveryRecords,
    MemoryDocuments,
    QueuedInMemory,
    TallyCounter,
)

NOW = datetime(2022, 9, 1, 3, 5, tzinfo=UTC)
EHF = b"<Invoice>the stored EHF, byte for byte</Invoice>"
RECEIVER, NON_RECEIVER = "914778271", "974760673"


def detail(
    tenant: str = "firm-1", number: int = 7, *, held: str | None = None, credit: bool = False
) -> dict[str, Any]:
    documents = {
        "bucket": "docs",
        "pdf": f"invoices/{tenant}/{number}.pdf",
        "csv": f"invoices/{tenant}/{number}.csv",
    }
    if not held:
        documents["xml"] = f"invoices/{tenant}/{number}.xml"
    found: dict[str, Any] = {
        "invoice_key": {"tenant_id": tenant, "kind": "MONTHLY", "period": "2022-08"},
        "invoice_number": number,
        "document_type": "CREDIT_NOTE" if credit else "INVOICE",
        "issue_date": "2022-09-01",
        "due_date": "2022-09-15",
        "currency": "NOK",
        "total": "-100.00" if credit else "1234.50",
        "kid": "0000000075",
        "documents": documents,
    }
    if held:
        found["ehf_held"] = held
    return found


class World:
    def __init__(self) -> None:
        self.records = MemoryDeliveryRecords()
        self.access_point = FakeAccessPoint(receivers={RECEIVER})
        self.mailer = FakeMailer()
        self.announcer = ListAnnouncer()
        self.counter = TallyCounter()
        self.queue = QueuedInMemory()
        self.buyers = MemoryBuyers(
            {
                "firm-1": Buyer("firm-1", "Regnskap AS", RECEIVER, "faktura@regnskap.no", "nb"),
                "firm-2": Buyer("firm-2", "Tall & Tal AS", NON_RECEIVER, "post@talltal.no", "en"),
                "firm-3": Buyer("firm-3", "Uten Adresse AS", NON_RECEIVER, "", "nb"),
            }
        )
        objects = {}
        for tenant in ("firm-1", "firm-2", "firm-3"):
            for ext in ("pdf", "csv", "xml"):
                objects[("docs", f"invoices/{tenant}/7.{ext}")] = EHF if ext == "xml" else ext.encode()
        self.documents = MemoryDocuments(objects)
        self.service = self.make()

    def make(self) -> DeliveryService:
        def compose(delivery: Delivery, buyer: Buyer, recipient: str, now: datetime) -> Composed:
            return Composed(f"invoice {delivery.ref.invoice_number} to {recipient}".encode(), None)

        return DeliveryService(
            records=self.records,
            buyers=self.buyers,
            documents=self.documents,
            access_point=self.access_point,
            mailer=self.mailer,
            announcer=self.announcer,
            compose=compose,
            counter=self.counter,
            requests=self.queue,
        )

    def collect(self, now: datetime = NOW) -> dict[str, int]:
        """The collector's run, then the delivery function taking the fallbacks it queued."""
        counts = self.service.collect(now, lambda: True)
        while self.queue.messages:
            self.service.fallback(self.queue.messages.pop(0)["fallback"], now)
        return counts

    def issued(self, tenant: str = "firm-1", now: datetime = NOW, **kwargs: Any) -> str:
        return self.service.issued(issued_from_detail(detail(tenant, **kwargs)), now)

    def delivery(self, tenant: str = "firm-1") -> Delivery:
        found = self.records.get(tenant, "MONTHLY", "2022-08")
        assert found is not None
        return found

    def email_event(self, tenant: str, status: Status, note: str, detail_text: str | None = None) -> str:
        sent = next(m for m in self.mailer.sent if m["recipient"] == self.buyers.buyers[tenant].address)
        event = EmailEvent(
            self.delivery(tenant).ref, sent["tags"]["cause"], sent["message_id"], status, note, detail_text
        )
        return self.service.email_event(event, NOW + timedelta(minutes=1))


@pytest.fixture
def world() -> World:
    return World()


def guid(world: World, tenant: str = "firm-1") -> str:
    return world.delivery(tenant).ref.idempotency_guid()


# ------------------------------------------------------------------ channels
def test_a_peppol_receiver_gets_the_stored_ehf_once_and_its_outcome_settles_it(world: World) -> None:
    # Given a firm that receives invoices through PEPPOL
    # When its invoice is announced, three times over (a redelivered event, a retried message)
    results = [world.issued() for _ in range(3)]
    # Then it is submitted once, the stored EHF byte for byte, and the delivery is sent
    assert results == ["peppol", "already-sent", "already-sent"]
    assert [s["document"] for s in world.access_point.taken.values()] == [EHF]
    delivery = world.delivery()
    assert (delivery.channel, delivery.status, delivery.recipient) == (Channel.PEPPOL, Status.SENT, RECEIVER)
    assert world.mailer.sent == []
    # When the provider's outcome arrives, and again
    world.access_point.outcome(guid(world), "succeeded")
    world.access_point.outcome(guid(world), "succeeded")
    assert world.collect() == {"delivered": 2}
    assert world.access_point.outcomes == []  # each acknowledged once recorded
    # Then it is delivered, announced once, without an e-mail address in the event
    assert world.delivery().status is Status.DELIVERED
    assert world.announcer.events == [
        {
            "detail_type": "InvoiceDelivered",
            "tenant_id": "firm-1",
            "kind": "MONTHLY",
            "period": "2022-08",
            "invoice_number": 7,
            "channel": "peppol",
        }
    ]


def test_a_firm_that_is_no_receiver_gets_one_email_and_ses_settles_it(world: World) -> None:
    assert [world.issued("firm-2") for _ in range(2)] == ["email", "already-sent"]
    assert [(m["recipient"], m["tags"]["cause"]) for m in world.mailer.sent] == [("post@talltal.no", FIRST)]
    assert world.access_point.taken == {}
    assert world.delivery("firm-2").status is Status.SENT
    world.email_event("firm-2", Status.DELIVERED, "delivered")
    world.email_event("firm-2", Status.DELIVERED, "delivered")  # SES repeats itself too
    assert world.delivery("firm-2").status is Status.DELIVERED
    assert [e["detail_type"] for e in world.announcer.events] == ["InvoiceDelivered"]


def test_a_credit_note_is_discovered_as_a_credit_note(world: World) -> None:
    world.access_point.receivers = set()
    assert world.issued("firm-1", credit=True) == "email"


def test_an_invoice_whose_ehf_is_held_goes_by_email_and_its_later_announcement_sends_nothing(
    world: World,
) -> None:
    assert world.issued(held="the org number fails MOD11") == "email"
    # the EHF is made later and the invoice announced again, with it
    assert world.issued() == "already-sent"
    assert world.access_point.taken == {}
    assert len(world.mailer.sent) == 1
    assert [a.outcome for a in world.delivery().attempts] == ["held", "sent"]


# ------------------------------------------------------------------ refusals and failures
def test_a_refusal_is_emailed_once_instead_kept_in_attempts_and_counted(world: World) -> None:
    world.access_point.refusing[RECEIVER] = "the receiver's access point is unreachable"
    assert world.issued() == "email"
    assert world.issued() == "already-sent"
    delivery = world.delivery()
    assert [m["tags"]["cause"] for m in world.mailer.sent] == [FALLBACK]
    assert (delivery.channel, delivery.recipient, delivery.status) == (
        Channel.EMAIL,
        "faktura@regnskap.no",
        Status.SENT,
    )
    assert ("peppol", "refused", "the receiver's access point is unreachable") in [
        (a.channel.value, a.outcome, a.detail) for a in delivery.attempts
    ]
    assert world.counter.counts["PeppolRefused"] == 1
    assert world.announcer.events == []  # not settled until the e-mail is
    world.email_event("firm-1", Status.DELIVERED, "delivered")
    assert [(e["detail_type"], e["channel"]) for e in world.announcer.events] == [
        ("InvoiceDelivered", "email")
    ]


def test_a_failed_outcome_is_emailed_once_however_often_it_comes(world: World) -> None:
    world.issued()
    for _ in range(3):
        world.access_point.outcome(guid(world), "failed", "receiver rejected the document")
    world.collect()
    assert [m["tags"]["cause"] for m in world.mailer.sent] == [FALLBACK]
    assert world.counter.counts["PeppolRefused"] == 1
    assert world.delivery().channel is Channel.EMAIL


def test_a_configuration_fault_is_never_turned_into_an_email(world: World) -> None:
    world.access_point.failures["submission"] = AccessPointNotAuthorised("401")
    with pytest.raises(AccessPointNotAuthorised):
        world.issued()
    assert world.mailer.sent == []
    assert world.access_point.taken == {}
    # fixed by the operator: the retry submits at once (the claim was given back)
    assert world.issued() == "peppol"
    assert len(world.access_point.taken) == 1


def test_a_provider_that_is_down_is_tried_again_after_the_lease_and_submits_once(world: World) -> None:
    # Given a 503: the provider may have taken the submission, so the claim stands
    world.access_point.failures["submission"] = AccessPointUnavailable("503", retry_after=None)
    with pytest.raises(AccessPointUnavailable):
        world.issued()
    with pytest.raises(Busy):
        world.issued(now=NOW + timedelta(minutes=1))
    # When its lease is over, the same idempotencyGuid makes the takeover safe
    assert world.issued(now=NOW + LEASE + timedelta(seconds=1)) == "peppol"
    assert len(world.access_point.taken) == 1
    assert world.mailer.sent == []


def test_a_throttled_submission_is_given_back_and_tried_again_at_once(world: World) -> None:
    world.access_point.failures["submission"] = AccessPointUnavailable("429", 3, refused_unread=True)
    with pytest.raises(AccessPointUnavailable):
        world.issued()
    assert world.issued(now=NOW + timedelta(seconds=5)) == "peppol"
    assert len(world.access_point.taken) == 1


def test_no_receiver_and_no_address_is_a_clear_failure_announced_and_counted(world: World) -> None:
    assert world.issued("firm-3") == "undeliverable"
    delivery = world.delivery("firm-3")
    assert delivery.status is Status.FAILED
    assert world.announcer.events[0]["detail_type"] == "InvoiceDeliveryFailed"
    assert "no invoice e-mail address" in world.announcer.events[0]["reason"]
    assert world.counter.counts["InvoicesUndelivered"] == 1


def test_a_permanent_bounce_fails_it_a_transient_one_and_a_complaint_change_nothing(world: World) -> None:
    world.issued("firm-2")
    world.email_event("firm-2", Status.PENDING, "bounced-transient", "bounced: Transient MailboxFull")
    world.email_event("firm-2", Status.PENDING, "complaint", "abuse")
    assert world.delivery("firm-2").status is Status.SENT
    world.email_event("firm-2", Status.FAILED, "bounced", "bounced: Permanent General")
    assert world.delivery("firm-2").status is Status.FAILED
    assert [a.outcome for a in world.delivery("firm-2").attempts] == [
        "sent",
        "bounced-transient",
        "complaint",
        "failed",
    ]
    assert [e["detail_type"] for e in world.announcer.events] == ["InvoiceDeliveryFailed"]


def test_an_address_ses_refuses_fails_the_delivery(world: World) -> None:
    world.mailer.refusing.add("post@talltal.no")
    assert world.issued("firm-2") == "failed"
    assert world.delivery("firm-2").status is Status.FAILED
    assert world.issued("firm-2") == "already-sent"


# ------------------------------------------------------------------ resend
def test_each_resend_request_emails_once(world: World) -> None:
    world.issued()
    event = issued_from_detail(detail())
    assert world.service.resend(event, "resend-a", "kopi@regnskap.no", NOW) == "email"
    assert world.service.resend(event, "resend-a", "kopi@regnskap.no", NOW) == "already-sent"
    assert world.service.resend(event, "resend-b", None, NOW) == "email"
    assert [(m["recipient"], m["tags"]["cause"]) for m in world.mailer.sent] == [
        ("kopi@regnskap.no", "resend-a"),
        ("faktura@regnskap.no", "resend-b"),
    ]
    assert world.delivery().channel is Channel.EMAIL


# ------------------------------------------------------------------ two workers, crashes
def test_a_second_worker_while_the_first_is_submitting_waits(world: World) -> None:
    # Given a worker that has claimed the invoice and is about to submit it
    second = world.make()
    refused: list[Busy] = []

    def second_worker() -> None:
        with pytest.raises(Busy) as busy:
            second.issued(issued_from_detail(detail()), NOW)
        refused.append(busy.value)

    world.access_point.before["submission"] = second_worker
    # When a second worker gets the same invoice meanwhile, it is told to come back later
    assert world.issued() == "peppol"
    assert len(refused) == 1
    # Then the invoice was submitted once
    assert len(world.access_point.taken) == 1


def test_two_workers_racing_for_the_claim_send_one_email(world: World) -> None:
    # Given a second worker that claims and sends between the first one's read and its write
    second = world.make()

    def race(delivery: Delivery) -> None:
        if delivery.sends and world.records.before_save is race:
            world.records.before_save = None
            assert second.issued(issued_from_detail(detail("firm-2")), NOW) == "email"

    world.records.before_save = race
    # When the first writes its claim, it finds the record moved, reads it again and stops
    assert world.issued("firm-2") == "already-sent"
    assert len(world.mailer.sent) == 1


@pytest.mark.parametrize("step", ["discovery", "submission"])
def test_a_crash_after_each_peppol_step_still_submits_once(world: World, step: str) -> None:
    world.access_point.after[step] = Crash(step)
    with pytest.raises(Crash):
        world.issued()
    later = NOW + LEASE + timedelta(seconds=1)
    assert world.issued(now=later) == "peppol"
    assert len(world.access_point.taken) == 1
    assert world.delivery().status is Status.SENT
    assert "InvoiceEmailMaybeRepeated" not in world.counter.counts
    # and the provider's outcome still finds it, though its answer to the first worker was lost
    world.access_point.outcome(guid(world), "succeeded")
    assert world.collect(later) == {"delivered": 1}
    assert world.delivery().status is Status.DELIVERED


def test_a_retry_inside_the_lease_waits_for_the_worker_that_claimed(world: World) -> None:
    world.access_point.after["submission"] = Crash("submission")
    with pytest.raises(Crash):
        world.issued()
    with pytest.raises(Busy):
        world.issued(now=NOW + timedelta(minutes=1))


def test_a_crash_after_ses_took_the_email_is_the_one_counted_repeat(world: World) -> None:
    world.mailer.after.append(Crash("after SES"))
    with pytest.raises(Crash):
        world.issued("firm-2")
    assert world.issued("firm-2", now=NOW + LEASE + timedelta(seconds=1)) == "email"
    assert len(world.mailer.sent) == 2
    assert world.counter.counts["InvoiceEmailMaybeRepeated"] == 1
    assert world.issued("firm-2", now=NOW + timedelta(hours=1)) == "already-sent"


def test_a_crash_before_the_record_is_the_same_counted_window(world: World) -> None:
    def crash_on_record(delivery: Delivery) -> None:
        send = delivery.sends.get(FIRST)
        if send is not None and send.sent_at is not None:
            world.records.before_save = None
            raise Crash("before the record")

    world.records.before_save = crash_on_record
    with pytest.raises(Crash):
        world.issued("firm-2")
    assert world.issued("firm-2", now=NOW + LEASE + timedelta(seconds=1)) == "email"
    assert len(world.mailer.sent) == 2
    assert world.counter.counts["InvoiceEmailMaybeRepeated"] == 1


def test_a_crash_before_the_claim_sends_nothing_twice(world: World) -> None:
    world.records.before_save = lambda d: (_ for _ in ()).throw(Crash("claim")) if d.sends else None
    with pytest.raises(Crash):
        world.issued("firm-2")
    world.records.before_save = None
    assert world.issued("firm-2") == "email"
    assert len(world.mailer.sent) == 1
    assert "InvoiceEmailMaybeRepeated" not in world.counter.counts


def test_issued_reads_the_announcement_as_the_publisher_writes_it() -> None:
    event = issued_from_detail(detail(held="held"))
    assert isinstance(event, Issued)
    assert (event.ref.tenant_id, event.ref.invoice_number, event.ehf_held) == ("firm-1", 7, "held")
    assert event.ref.idempotency_guid() == issued_from_detail(detail()).ref.idempotency_guid()
    assert len(event.ref.idempotency_guid()) == 36


def test_a_crash_after_announcing_a_settlement_repeats_the_event_and_never_loses_it(world: World) -> None:
    world.issued("firm-2")

    def crash_on_settling(delivery: Delivery) -> None:
        if delivery.status is Status.DELIVERED:
            world.records.before_save = None
            raise Crash("after the event, before the record")

    world.records.before_save = crash_on_settling
    with pytest.raises(Crash):
        world.email_event("firm-2", Status.DELIVERED, "delivered")
    assert world.delivery("firm-2").status is Status.SENT  # not recorded: SES's event comes again
    world.email_event("firm-2", Status.DELIVERED, "delivered")
    assert world.delivery("firm-2").status is Status.DELIVERED
    assert [e["detail_type"] for e in world.announcer.events] == ["InvoiceDelivered", "InvoiceDelivered"]


def _ses_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, "SendEmail")


def test_a_refusal_whose_email_failed_for_now_is_emailed_when_the_announcement_comes_again(
    world: World,
) -> None:
    # Given a refused submission whose fallback e-mail SES throttled
    world.access_point.refusing[RECEIVER] = "not accepted"
    world.mailer.failures.append(MailNotTaken("SES sent nothing: TooManyRequestsException"))
    with pytest.raises(MailNotTaken):
        world.issued()
    assert world.delivery().status is Status.PENDING
    # When the message comes again, the e-mail goes, once; PEPPOL is not tried again
    assert world.issued(now=NOW + timedelta(seconds=30)) == "email"
    assert world.issued(now=NOW + timedelta(minutes=1)) == "already-sent"
    assert [m["tags"]["cause"] for m in world.mailer.sent] == [FALLBACK]
    assert len(world.access_point.taken) == 0


def test_an_ses_failure_that_may_have_sent_keeps_the_claim_and_counts_the_takeover(world: World) -> None:
    world.mailer.failures.append(_ses_error("InternalFailure"))
    with pytest.raises(ClientError):
        world.issued("firm-2")
    with pytest.raises(Busy):
        world.issued("firm-2", now=NOW + timedelta(minutes=1))
    assert world.issued("firm-2", now=NOW + LEASE + timedelta(seconds=1)) == "email"
    assert world.counter.counts["InvoiceEmailMaybeRepeated"] == 1


def test_an_international_domain_is_sent_to_in_the_form_ses_takes(world: World) -> None:
    world.buyers.buyers["firm-2"] = Buyer("firm-2", "Blåbær AS", NON_RECEIVER, "post@blåbær.no", "nb")
    assert world.issued("firm-2") == "email"
    assert world.mailer.sent[0]["recipient"] == "post@xn--blbr-roah.no"


def test_a_copy_of_a_delivered_invoice_never_changes_its_status(world: World) -> None:
    world.issued("firm-2")
    world.email_event("firm-2", Status.DELIVERED, "delivered")
    event = issued_from_detail(detail("firm-2"))
    # a copy to an address that cannot be used, and one that bounces for good
    assert world.service.resend(event, "resend-a", "ikke en adresse", NOW) == "undeliverable"
    assert world.service.resend(event, "resend-b", "kopi@talltal.no", NOW) == "email"
    copy = next(m for m in world.mailer.sent if m["recipient"] == "kopi@talltal.no")
    bounce = EmailEvent(
        world.delivery("firm-2").ref, "resend-b", copy["message_id"], Status.FAILED, "bounced", "x"
    )
    world.service.email_event(bounce, NOW)
    delivery = world.delivery("firm-2")
    assert (delivery.status, delivery.recipient) == (Status.DELIVERED, "post@talltal.no")
    assert [e["detail_type"] for e in world.announcer.events] == ["InvoiceDelivered"]
    assert [a.outcome for a in delivery.attempts][-3:] == ["failed", "sent", "failed"]


def test_a_failed_outcome_after_a_delivered_one_emails_nothing(world: World) -> None:
    world.issued()
    world.access_point.outcome(guid(world), "succeeded")
    world.access_point.outcome(guid(world), "failed", "late and wrong")
    world.collect()
    assert world.delivery().status is Status.DELIVERED
    assert world.mailer.sent == []


def test_the_collector_hands_a_fallback_to_the_queue_and_takes_the_next_outcome(world: World) -> None:
    world.issued()
    world.access_point.outcome(guid(world), "failed", "receiver unknown")
    assert world.service.collect(NOW, lambda: True) == {"failed": 1}
    assert world.mailer.sent == []  # the delivery function sends it, not the collector
    assert [type(m["fallback"]).__name__ for m in world.queue.messages] == ["InvoiceRef"]
