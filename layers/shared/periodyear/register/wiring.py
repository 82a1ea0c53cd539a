"""Builds the register API's services once per process from the environment."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from periodyear.adapters import clients
from periodyear.adapters.client_store import ClientStore
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.messaging import DocumentLinks, RegisterEvents
from periodyear.config import RegisterSettings
from periodyear.register.invoices import InvoiceReads
from periodyear.register.service import ClientService, TenantReads


def processing_clock() -> datetime:
    return datetime.now(UTC)


@functools.cache
def client_service() -> ClientService:
    settings = RegisterSettings.load()
    store = ClientStore(clients.dynamodb(), settings.register_table, clock=lambda: processing_clock())  # noqa: PLW0108
    return ClientService(
        store=store,
        events=RegisterEvents(clients.events(), settings.event_bus_name),
        clock=lambda: processing_clock(),  # noqa: PLW0108  (looked up on each call, so tests can move it)
    )


@functools.cache
def tenant_reads() -> TenantReads:
    settings = RegisterSettings.load()
    store = ClientStore(clients.dynamodb(), settings.register_table, clock=lambda: processing_clock())  # noqa: PLW0108
    return TenantReads(store=store)


@functools.cache
def invoice_reads() -> InvoiceReads:
    settings = RegisterSettings.load()
    dynamodb = clients.dynamodb()
    return InvoiceReads(
        members=ClientStore(dynamodb, settings.register_table, clock=lambda: processing_clock()),  # noqa: PLW0108
        invoices=InvoiceRepository(dynamodb, settings.invoices_table),
        links=DocumentLinks(clients.s3(), settings.documents_bucket),
    )


def reset() -> None:
    invoice_reads.cache_clear()
    client_service.cache_clear()
    tenant_reads.cache_clear()
    clients.reset()
