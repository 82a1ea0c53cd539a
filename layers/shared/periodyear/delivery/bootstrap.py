"""Builds the delivery service from its settings and its clients, in one place.

``bootstrap`` takes every dependency as a parameter (the clients, the access point, the metric
counter); the handlers call ``delivery_service`` (clients made once per process, on first use),
tests and the local tools call ``bootstrap`` with their own. Nothing here runs at import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from periodyear.config import DeliverySettings, Seller
from periodyear.delivery.ports import AccessPoint, Counter, Documents
from periodyear.delivery.service import Composed, DeliveryService
from periodyear.domain.calendar import Period, PeriodKind
from periodyear.domain.delivery import Buyer, Delivery

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

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


def bootstrap(
    settings: DeliverySettings,
    seller: Callable[[], Seller],
    *,
    dynamodb: Callable[[], DynamoDBClient],
    s3: Callable[[], S3Client],
    sesv2: Callable[[], SESV2Client],
    events: Callable[[], EventBridgeClient],
    sqs: Callable[[], SQSClient],
    access_point: AccessPoint,
    counter: Counter,
) -> DeliveryService:
    """The service over these clients' factories. Each client is made on first use, so a cold
    start pays only for those its message needs (a PEPPOL delivery makes no SES client, a message
    that settles nothing no bus client)."""
    from periodyear.adapters.clients import on_first_use  # noqa: PLC0415
    from periodyear.adapters.deliveries import (  # noqa: PLC0415
        Buyers,
        DeliveryRecords,
        QueuedResends,
        StoredDocuments,
    )
    from periodyear.adapters.delivery_out import DeliveryEvents, SesInvoiceMailer  # noqa: PLC0415

    documents = on_first_use(lambda: StoredDocuments(s3()))
    mailer = on_first_use(
        lambda: SesInvoiceMailer(
            sesv2(), sender=settings.invoice_sender, configuration_set=settings.invoice_configuration_set
        )
    )
    return DeliveryService(
        records=DeliveryRecords(dynamodb(), settings.invoices_table),
        buyers=Buyers(dynamodb(), settings.register_table),
        documents=documents,
        access_point=access_point,
        mailer=mailer,
        announcer=on_first_use(lambda: DeliveryEvents(events(), settings.event_bus_name)),
        compose=mail_composer(
            documents, seller, sender=settings.invoice_sender, start_page_url=settings.start_page_url or None
        ),
        counter=counter,
        requests=on_first_use(lambda: QueuedResends(sqs(), settings.delivery_queue_url)),
    )


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


@functools.cache
def delivery_settings() -> DeliverySettings:
    return DeliverySettings.load()


def delivery_service(counter: Counter) -> DeliveryService:
    """The service with this process's clients, for the handlers."""
    from periodyear.adapters import clients  # noqa: PLC0415
    from periodyear.adapters.clients import on_first_use  # noqa: PLC0415

    settings = delivery_settings()
    return bootstrap(
        settings,
        functools.cache(Seller.load),
        dynamodb=clients.dynamodb,
        s3=clients.s3,
        sesv2=clients.sesv2,
        events=clients.events,
        sqs=clients.sqs,
        access_point=on_first_use(lambda: storecove(settings, secret_key(settings.access_point_key_secret))),
        counter=counter,
    )
