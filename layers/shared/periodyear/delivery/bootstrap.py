"""Builds the delivery service from its settings and its clients, in one place.

``bootstrap`` takes every dependency as a parameter (the clients, the clock, the metric counter,
the access point if not Storecove's); the handlers call ``from_environment`` once per process,
tests and the local tools call ``bootstrap`` with their own. Nothing here runs at import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from periodyear.adapters.clients import Clients, on_first_use
from periodyear.config import DeliverySettings, Seller
from periodyear.delivery.ports import AccessPoint, Counter, Documents
from periodyear.delivery.service import Composed, DeliveryService
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.delivery import Buyer, Delivery

SECRET_MAX_AGE = 300  # seconds a read API key is kept: a rotated key is used within five minutes


def period_of(kind: PeriodKind, label: str) -> Period:
    if kind is PeriodKind.MONTHLY:
        year, month = (int(part) for part in label.split("-"))
        return Period.month(year, month)
    return Period.annual(int(label))


def mail_composer(
    documents: Documents, seller: Callable[[], Seller], *, sender: str, start_page_url: str | None
) -> Callable[[Delivery, Buyer, str, datetime], Composed]:
    """The e-mail of a delivery: its facts in the buyer's language, its stored documents
    attached byte for byte (the e-mail module, jinja2 and the seller's settings load on the
    first e-mail: a PEPPOL delivery needs none of them)."""

    def compose(delivery: Delivery, buyer: Buyer, recipient: str, now: datetime) -> Composed:
        from periodyear.delivery.email import InvoiceMail, compose_invoice_mail  # noqa: PLC0415

        issuer = seller()
        facts, ref = delivery.facts, delivery.ref
        stored: Mapping[str, str] = facts["documents"]
        attach = {
            ext: documents.read(stored["bucket"], stored[ext])
            for ext in ("pdf", "csv", "xml")
            if stored.get(ext)
        }
        mail = InvoiceMail(
            language=buyer.language,
            seller_name=issuer.name,
            seller_email=issuer.email,
            bank_account=issuer.bank_account,
            buyer_name=buyer.name,
            document_type=str(facts["document_type"]),
            invoice_number=ref.invoice_number,
            period=period_of(ref.kind, ref.period),
            total=Decimal(str(facts["total"])),
            currency=str(facts["currency"]),
            issue_date=date.fromisoformat(str(facts["issue_date"])),
            due_date=date.fromisoformat(str(facts["due_date"])),
            kid=str(facts["kid"]),
        )
        made = compose_invoice_mail(
            mail, attach, sender=sender, recipient=recipient, sent_at=now, start_page_url=start_page_url
        )
        notes = [f"zipped: {', '.join(made.compressed)}"] if made.compressed else []
        notes += [f"too large to attach: {', '.join(made.left_out)}"] if made.left_out else []
        return Composed(made.raw, "; ".join(notes) or None)

    return compose


@dataclass(frozen=True)
class DeliveryServices:
    """What the delivery functions use."""

    service: DeliveryService
    put_back: Callable[[str, int], None]  # a failed message comes again after so many seconds
    clock: Callable[[], datetime]


def bootstrap(
    settings: DeliverySettings,
    *,
    clients: Clients,
    clock: Callable[[], datetime],
    counter: Counter,
    access_point: AccessPoint | None = None,
    seller: Callable[[], Seller] = Seller.load,
) -> DeliveryServices:
    """The service over these clients. Each client is made on first use, so a cold start pays
    only for those its message needs (a PEPPOL delivery makes no SES client, a message that
    settles nothing no bus client); the access point is Storecove's, with the key from its
    secret, unless one is given."""
    from periodyear.adapters.deliveries import (  # noqa: PLC0415
        Buyers,
        DeliveryRecords,
        QueuedResends,
        StoredDocuments,
    )
    from periodyear.adapters.delivery_out import DeliveryEvents, SesInvoiceMailer  # noqa: PLC0415

    documents = on_first_use(lambda: StoredDocuments(clients.s3()))
    mailer = on_first_use(
        lambda: SesInvoiceMailer(
            clients.sesv2(),
            sender=settings.invoice_sender,
            configuration_set=settings.invoice_configuration_set,
        )
    )
    service = DeliveryService(
        records=DeliveryRecords(clients.dynamodb(), settings.invoices_table),
        buyers=Buyers(clients.dynamodb(), settings.register_table),
        documents=documents,
        access_point=access_point
        or on_first_use(lambda: storecove(settings, secret_key(settings.access_point_key_secret))),
        mailer=mailer,
        announcer=on_first_use(lambda: DeliveryEvents(clients.events(), settings.event_bus_name)),
        compose=mail_composer(
            documents,
            functools.cache(seller),
            sender=settings.invoice_sender,
            start_page_url=settings.start_page_url or None,
        ),
        counter=counter,
        requests=on_first_use(lambda: QueuedResends(clients.sqs(), settings.delivery_queue_url)),
    )
    return DeliveryServices(service=service, put_back=_put_back(settings, clients), clock=clock)


def _put_back(settings: DeliverySettings, clients: Clients) -> Callable[[str, int], None]:
    """A failed message made visible again after ``seconds`` (else the queue's own timeout)."""

    def put_back(receipt_handle: str, seconds: int) -> None:
        if settings.delivery_queue_url:
            clients.sqs().change_message_visibility(
                QueueUrl=settings.delivery_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )

    return put_back


def storecove(settings: DeliverySettings, key: Callable[[], str]) -> AccessPoint:
    from periodyear.adapters.access_point import StorecoveAccessPoint  # noqa: PLC0415

    return StorecoveAccessPoint(
        settings.access_point_url, legal_entity_id=settings.access_point_legal_entity_id, key=key
    )


def secret_key(name: str) -> Callable[[], str]:
    """The provider's API key, read from Secrets Manager on first use and kept for a while
    (Powertools' parameters utility caches it)."""

    def key() -> str:
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

        return str(parameters.get_secret(name, max_age=SECRET_MAX_AGE))

    return key


def from_environment(counter: Counter) -> DeliveryServices:
    """This process's services over its own clients and the system clock (the handlers')."""
    return bootstrap(
        DeliverySettings.load(),
        clients=Clients.of_process(),
        clock=lambda: datetime.now(UTC),
        counter=counter,
    )
