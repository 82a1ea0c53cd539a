"""Invoices reach their customers (CONTRACT §10), through the template's rule, queue and
functions on moto, and a stand-in of the access point that validates every request against the
provider's published OpenAPI document."""

from __future__ import annotations

import email
import email.policy
import importlib
import json
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from periodyear.adapters.deliveries import DeliveryRecords
from periodyear.delivery.bootstrap import DeliveryServices
from periodyear.domain.delivery import Status
from periodyear.domain.sending import Moved
from periodyear_local import services
from periodyear_local.access_point import AccessPointStandIn
from periodyear_local.delivery import LambdaContext, deliver
from periodyear_local.sandbox import REGION, drain_queue, patched_environ, route_to_queue
from periodyear_local.template import LOCAL_ACCESS_POINT_KEY
from tests.integration.harness import Billing

MAY, AFTER_MAY = "2022-05", "2022-06-01T01:00:00Z"
RECEIVER = "914778271"  # a PEPPOL receiver at the stand-in
NON_RECEIVER = "974760673"
SES_DETAIL_TYPES = {
    "Delivery": "Email Delivered",
    "Bounce": "Email Bounced",
    "Complaint": "Email Complaint Received",
    "Reject": "Email Rejected",
}


class Deliveries:
    def __init__(self, billing: Billing, stand_in: AccessPointStandIn, environment: dict[str, str]) -> None:
        self.billing = billing
        self.stand_in = stand_in
        self.environment = environment
        self.tables = billing.tables
        self._services: DeliveryServices | None = None

    def services(self) -> DeliveryServices:
        """The delivery functions' services, built once in their environment, as a process would."""
        if self._services is None:
            with patched_environ(self.environment):
                self._services = services.delivery()
        return self._services

    def drain(self) -> None:
        """Deliver the delivery queue to the function, as its event source mapping would."""
        with patched_environ(self.environment):
            module = importlib.import_module("functions.deliver_invoice.app")
            built = self.services()
            deliver(
                self.environment["DELIVERY_QUEUE_URL"],
                lambda event, context: module.handler(event, context, services=built),
                batch_size=10,
                function_name="deliver",
            )

    def collect(self) -> dict[str, Any]:
        with patched_environ(self.environment):
            module = importlib.import_module("functions.collect_outcomes.app")
            result: dict[str, Any] = module.handler(
                {}, LambdaContext(function_name="collect", timeout_ms=240_000), services=self.services()
            )
            return result

    def record(self, tenant_id: str) -> Any:
        return DeliveryRecords(
            boto3.client("dynamodb", region_name=REGION), self.tables["InvoicesTable"]
        ).get(tenant_id, "MONTHLY", MAY)

    def emails(self) -> list[EmailMessage]:
        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in sent]

    def stored(self, key: str) -> bytes:
        s3 = boto3.client("s3", region_name=REGION)
        body: bytes = s3.get_object(Bucket=self.tables["InvoiceDocumentsBucket"], Key=key)["Body"].read()
        return body

    def ses_event(self, message: EmailMessage, event_type: str, **extra: Any) -> None:
        """What SES's configuration set puts on the default bus about one of our e-mails."""
        number = next(n for n, m in enumerate(self.emails()) if m["Message-ID"] == message["Message-ID"])
        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages[number]
        record = self.record(_tenant_of(message))
        send = next(s for s in record.sends.values() if s.recipient == message["To"])
        cause = next(c for c, s in record.sends.items() if s is send)
        tags = {
            "ses:configuration-set": [self.environment["INVOICE_CONFIGURATION_SET"]],
            "tenant_id": [_tenant_of(message)],
            "kind": ["MONTHLY"],
            "period": [MAY],
            "invoice_number": [str(record.ref.invoice_number)],
            "cause": [cause],
        }
        detail = {"eventType": event_type, "mail": {"messageId": sent.id, "tags": tags}, **extra}
        boto3.client("events", region_name=REGION).put_events(
            Entries=[
                {
                    "Source": "aws.ses",
                    "DetailType": SES_DETAIL_TYPES[event_type],
                    "Detail": json.dumps(detail),
                }
            ]
        )


def _tenant_of(message: EmailMessage) -> str:
    return str(message["To"]).split("@")[1].split(".")[0]


@pytest.fixture
def deliveries(billing: Billing, aws: dict[str, Any]) -> Iterator[Deliveries]:
    with AccessPointStandIn(key=LOCAL_ACCESS_POINT_KEY, legal_entity_id=4711) as stand_in:
        stand_in.receivers.add(RECEIVER)
        environment = aws["provisioned"].environment("DeliverInvoiceFunction") | {
            "ACCESS_POINT_URL": stand_in.url
        }
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        yield Deliveries(billing, stand_in, environment)
        assert stand_in.violations == []


def given_two_firms(billing: Billing) -> None:
    billing.tenant(
        "peppol",
        org_number=RECEIVER,
        name="Peppol Regnskap AS",
        clients=("c1",),
        price_switch_date=date(2022, 1, 1),
    )
    billing.tenant(
        "mail",
        org_number=NON_RECEIVER,
        name="Epost Regnskap AS",
        language="en",
        email="post@mail.example",
        invoice_email="invoices@mail.example",
        clients=("c1", "c2"),
        price_switch_date=date(2022, 1, 1),
    )
    for tenant in ("peppol", "mail"):
        billing.usage(tenant, "period.closed", "2022-05-10T10:00:00Z", client_id="c1")


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {str(part.get_filename()): part.get_payload(decode=True) for part in message.iter_attachments()}  # type: ignore[misc]


def test_each_invoice_goes_once_through_peppol_or_by_email_and_is_settled(deliveries: Deliveries) -> None:
    # Given a PEPPOL receiver and a firm that is not one, each with a May invoice
    billing = deliveries.billing
    given_two_firms(billing)
    settled = route_to_queue(
        billing.tables["EventBus"], ["InvoiceDelivered", "InvoiceDeliveryFailed"], "settled"
    )
    assert billing.run_month(MAY, now=AFTER_MAY)["invoices_issued"] == 2
    # When the delivery queue is delivered, twice over
    deliveries.drain()
    deliveries.drain()
    # Then the receiver's EHF went once through the access point, byte for byte as stored
    peppol = deliveries.record("peppol")
    (submission,) = deliveries.stand_in.submissions
    assert submission.org_number == RECEIVER
    assert submission.document == deliveries.stored(f"invoices/peppol/{peppol.ref.invoice_number}.xml")
    assert (peppol.channel.value, peppol.status, peppol.recipient) == ("peppol", Status.SENT, RECEIVER)
    # and the other firm got one e-mail at its invoice address, the three documents attached as stored
    (message,) = deliveries.emails()
    number = deliveries.record("mail").ref.invoice_number
    assert message["To"] == "invoices@mail.example"
    assert f"invoice {number}" in message["Subject"]
    assert set(attachments(message).values()) == {
        deliveries.stored(f"invoices/mail/{number}.{ext}") for ext in ("pdf", "csv", "xml")
    }
    # When the provider's outcome is collected and SES says the e-mail was delivered
    assert deliveries.collect()["outcomes"] == {"delivered": 1}
    deliveries.ses_event(message, "Delivery")
    deliveries.drain()
    # Then both are delivered, and each announced once, without an address
    assert deliveries.record("peppol").status is Status.DELIVERED
    assert deliveries.record("mail").status is Status.DELIVERED
    events = sorted(
        (e["detail"]["tenant_id"], e["detail-type"], e["detail"]["channel"]) for e in drain_queue(settled)
    )
    assert events == [("mail", "InvoiceDelivered", "email"), ("peppol", "InvoiceDelivered", "peppol")]
    assert "@" not in json.dumps(events)


def test_a_repeated_announcement_sends_nothing_again(deliveries: Deliveries) -> None:
    billing = deliveries.billing
    given_two_firms(billing)
    copies = route_to_queue(billing.tables["EventBus"], ["InvoiceIssued"], "copies")
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.drain()
    events = boto3.client("events", region_name=REGION)
    for announced in drain_queue(copies):  # EventBridge delivers at least once: the same events again
        events.put_events(
            Entries=[
                {
                    "Source": announced["source"],
                    "DetailType": announced["detail-type"],
                    "Detail": json.dumps(announced["detail"]),
                    "EventBusName": billing.tables["EventBus"],
                }
            ]
        )
    deliveries.drain()
    assert len(deliveries.stand_in.submissions) == 1
    assert len(deliveries.emails()) == 1


def test_a_wrong_key_is_never_turned_into_an_email_and_delivers_once_fixed(deliveries: Deliveries) -> None:
    billing = deliveries.billing
    billing.tenant("peppol", org_number=RECEIVER, clients=("c1",), price_switch_date=date(2022, 1, 1))
    billing.usage("peppol", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.stand_in.fail_next("submission", 401, times=3)
    deliveries.drain()
    assert deliveries.emails() == []
    assert len(deliveries.stand_in.submissions) == 1  # the fourth receive went through
    assert deliveries.record("peppol").status is Status.SENT


def test_a_refusal_is_emailed_instead_with_the_refusal_kept(deliveries: Deliveries) -> None:
    billing = deliveries.billing
    billing.tenant("peppol", org_number=RECEIVER, clients=("c1",), price_switch_date=date(2022, 1, 1))
    billing.usage("peppol", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.stand_in.refuse(RECEIVER, "Receiver does not accept this document type")
    deliveries.drain()
    record = deliveries.record("peppol")
    assert [m["To"] for m in deliveries.emails()] == ["post@peppol.example"]
    assert (record.channel.value, record.recipient, record.status) == (
        "email",
        "post@peppol.example",
        Status.SENT,
    )
    assert any(a.outcome == "refused" and "document type" in (a.detail or "") for a in record.attempts)


def test_a_held_ehf_is_emailed_without_it(deliveries: Deliveries) -> None:
    billing = deliveries.billing
    billing.tenant("held", org_number="123456789", clients=("c1",), price_switch_date=date(2022, 1, 1))
    billing.usage("held", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.drain()
    (message,) = deliveries.emails()
    assert sorted(name.rsplit(".", 1)[1] for name in attachments(message)) == ["csv", "pdf"]
    assert deliveries.stand_in.requests == []  # no discovery for an invoice without its EHF


def test_the_record_is_written_only_at_the_version_it_was_read(deliveries: Deliveries) -> None:
    billing = deliveries.billing
    given_two_firms(billing)
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.drain()
    records = DeliveryRecords(boto3.client("dynamodb", region_name=REGION), billing.tables["InvoicesTable"])
    read = records.get("mail", "MONTHLY", MAY)
    assert read is not None
    records.save(read)
    with pytest.raises(Moved):
        records.save(read)  # a second worker holding the same version


def test_a_resend_request_emails_the_invoice_again_once_and_a_bounce_fails_it(deliveries: Deliveries) -> None:
    from periodyear.adapters.deliveries import QueuedResends  # noqa: PLC0415
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415
    from periodyear.register.invoices import announcement_of  # noqa: PLC0415

    billing = deliveries.billing
    given_two_firms(billing)
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.drain()
    # Given the admin's resend request as the register API queues it, delivered twice
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    number = deliveries.record("mail").ref.invoice_number
    issued = InvoiceRepository(dynamodb, billing.tables["InvoicesTable"]).by_number("mail", number)
    assert issued is not None
    resends = QueuedResends(
        boto3.client("sqs", region_name=REGION), deliveries.environment["DELIVERY_QUEUE_URL"]
    )
    request = {
        "request_id": "r1",
        "email": "kopi@mail.example",
        "invoice": announcement_of(issued, billing.tables["InvoiceDocumentsBucket"]),
    }
    resends.request(request)
    resends.request(request)
    deliveries.drain()
    # Then one more e-mail went, to the address asked for, with the same documents
    first, again = deliveries.emails()
    assert again["To"] == "kopi@mail.example"
    assert attachments(again) == attachments(first)
    assert deliveries.record("mail").recipient == "kopi@mail.example"
    # When that copy bounces for good, the delivery fails and says why
    deliveries.ses_event(again, "Bounce", bounce={"bounceType": "Permanent", "bounceSubType": "NoEmail"})
    deliveries.drain()
    record = deliveries.record("mail")
    assert record.status is Status.FAILED
    assert record.attempts[-1].detail == "bounced: Permanent NoEmail"


def test_the_operator_lists_what_is_not_delivered_and_resends_one(
    deliveries: Deliveries, capsys: pytest.CaptureFixture[str]
) -> None:
    from periodyear_local.cli import main  # noqa: PLC0415

    billing = deliveries.billing
    given_two_firms(billing)
    billing.tenant(
        "none",
        org_number=NON_RECEIVER,
        email="ingen adresse",
        clients=("c1",),
        price_switch_date=date(2022, 1, 1),
    )
    billing.usage("none", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.drain()
    capsys.readouterr()
    # When the operator asks what of May has not reached its customer
    with patched_environ(deliveries.environment):
        assert main(["deliveries", "--period", MAY]) == 1
        listed = capsys.readouterr().out
        # Then each invoice not yet delivered is named, the one no channel could deliver with why
        assert "monthly 2022-05: 3 invoices, 0 delivered, 3 not" in listed
        assert "none: invoice" in listed
        assert "failed, no channel could deliver it (failed: not a PEPPOL receiver" in listed
        assert "peppol: invoice" in listed
        assert "sent by peppol" in listed
        # When the operator has one invoice e-mailed again, to another address
        number = deliveries.record("mail").ref.invoice_number
        assert (
            main(
                [
                    "deliveries",
                    "resend",
                    "--tenant",
                    "mail",
                    "--number",
                    str(number),
                    "--email",
                    "kopi@mail.example",
                ]
            )
            == 0
        )
        assert main(["deliveries", "resend", "--tenant", "mail", "--number", "999"]) == 2
        assert main(["deliveries", "--period", "2022-13"]) == 2
    deliveries.drain()
    # Then it went there once; a wrong number or month was refused in one line
    assert [m["To"] for m in deliveries.emails()] == ["invoices@mail.example", "kopi@mail.example"]
    errors = capsys.readouterr().err
    assert "tenant 'mail' has no invoice 999" in errors
    assert "--period 2022-13 is not a month" in errors


def test_a_failed_outcome_is_emailed_once_by_the_delivery_function(deliveries: Deliveries) -> None:
    billing = deliveries.billing
    billing.tenant("peppol", org_number=RECEIVER, clients=("c1",), price_switch_date=date(2022, 1, 1))
    billing.usage("peppol", "period.closed", "2022-05-10T10:00:00Z", client_id="c1")
    deliveries.stand_in.fails_delivery.add(RECEIVER)
    billing.run_month(MAY, now=AFTER_MAY)
    deliveries.drain()
    assert deliveries.collect()["outcomes"] == {"failed": 1}
    assert deliveries.emails() == []  # the collector hands it on, the delivery function sends it
    deliveries.drain()
    deliveries.drain()
    (message,) = deliveries.emails()
    record = deliveries.record("peppol")
    assert (message["To"], record.channel.value, record.status) == (
        "post@peppol.example",
        "email",
        Status.SENT,
    )
    assert [a.outcome for a in record.attempts] == ["submitted", "refused", "sent"]
