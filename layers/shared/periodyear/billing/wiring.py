"""Builds the billing service once per process from the settings."""

from __future__ import annotations

import functools

from periodyear.adapters import clients
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.messaging import DocumentStore, InvoiceEvents
from periodyear.adapters.register import RegisterRepository
from periodyear.adapters.usage import UsageRepository
from periodyear.billing.service import BillingService
from periodyear.config import BillingSettings, DocumentSettings, Seller
from periodyear.documents.publisher import DocumentPublisher
from periodyear.domain.catalog import load_catalog


@functools.cache
def billing_service() -> BillingService:
    settings = BillingSettings()  # fields come from the environment
    storage = DocumentSettings()
    client = clients.dynamodb()
    register = RegisterRepository(client, settings.register_table)
    invoices = InvoiceRepository(client, settings.invoices_table)
    return BillingService(
        register=register,
        usage=UsageRepository(client, settings.usage_table),
        invoices=invoices,
        catalog=load_catalog(settings.catalog_path),
        documents=DocumentPublisher(
            invoices=invoices,
            accounts=register,
            store=DocumentStore(clients.s3(), storage.documents_bucket),
            events=InvoiceEvents(clients.events(), storage.event_bus_name),
            seller=Seller(),
        ),
    )


def reset() -> None:
    """Forget the built service and clients (tests change the environment between cases)."""
    billing_service.cache_clear()
    clients.reset()
