"""Builds the billing service, and a run's fan-out, once per process from the settings."""

from __future__ import annotations

import functools

from periodyear.adapters import clients
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.messaging import BillingEvents, BillingQueue, DocumentStore
from periodyear.adapters.register import RegisterRepository
from periodyear.adapters.runs import RunRepository
from periodyear.adapters.usage import UsageRepository
from periodyear.billing.fanout import FanOut
from periodyear.billing.service import BillingService
from periodyear.config import BillingSettings, DocumentSettings, FanOutSettings, Seller
from periodyear.documents.publisher import DocumentPublisher
from periodyear.domain.catalog import load_catalog


@functools.cache
def billing_service() -> BillingService:
    settings = BillingSettings()  # fields come from the environment
    storage = DocumentSettings()
    client = clients.dynamodb()
    invoices = InvoiceRepository(client, settings.invoices_table)
    return BillingService(
        register=RegisterRepository(client, settings.register_table),
        usage=UsageRepository(client, settings.usage_table),
        invoices=invoices,
        catalog=load_catalog(settings.catalog_path),
        documents=DocumentPublisher(
            invoices=invoices,
            store=DocumentStore(clients.s3(), storage.documents_bucket),
            events=BillingEvents(clients.events(), storage.event_bus_name),
            seller=Seller(),
        ),
    )


@functools.cache
def fan_out() -> FanOut:
    settings = BillingSettings()
    fanning = FanOutSettings()
    return FanOut(
        billing=billing_service(),
        runs=RunRepository(clients.dynamodb(), settings.invoices_table),
        queue=BillingQueue(clients.sqs(), fanning.billing_queue_url),
        announcer=BillingEvents(clients.events(), DocumentSettings().event_bus_name),
        batch_size=fanning.billing_batch_size,
    )


def reset() -> None:
    """Forget the built services and clients (tests change the environment between cases)."""
    billing_service.cache_clear()
    fan_out.cache_clear()
    clients.reset()
