"""Builds the billing service, and a run's fan-out, once per process from the settings.

Imports are made where a piece is built, so that each function loads what its invocations
use: the planner of a fanned-out run never loads the pricing, the catalog or the documents.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from periodyear.adapters import clients
from periodyear.config import BillingSettings, DocumentSettings, FanOutSettings, Seller

if TYPE_CHECKING:
    from periodyear.billing.fanout import FanOut
    from periodyear.billing.late_usage import LateUsageReport
    from periodyear.billing.service import BillingService


def processing_clock() -> datetime:
    """The time of processing (for the announcement's claim), as opposed to the run's ``now``."""
    return datetime.now(UTC)


@functools.cache
def billing_settings() -> BillingSettings:
    """Read once per process, like every other setting."""
    return BillingSettings.load()


@functools.cache
def billing_service() -> BillingService:
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415
    from periodyear.adapters.messaging import BillingEvents, DocumentStore  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.adapters.usage import UsageRepository  # noqa: PLC0415
    from periodyear.billing.service import BillingService  # noqa: PLC0415
    from periodyear.documents.publisher import DocumentPublisher  # noqa: PLC0415
    from periodyear.domain.catalog import load_catalog  # noqa: PLC0415

    settings = billing_settings()
    storage = DocumentSettings.load()
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
            seller=Seller.load(),
        ),
    )


@functools.cache
def late_usage_report() -> LateUsageReport:
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.adapters.usage import UsageRepository  # noqa: PLC0415
    from periodyear.billing.late_usage import LateUsageReport  # noqa: PLC0415
    from periodyear.domain.catalog import load_catalog  # noqa: PLC0415

    settings = billing_settings()
    client = clients.dynamodb()
    return LateUsageReport(
        register=RegisterRepository(client, settings.register_table),
        usage=UsageRepository(client, settings.usage_table),
        invoices=InvoiceRepository(client, settings.invoices_table),
        catalog=load_catalog(settings.catalog_path),
    )


@functools.cache
def fan_out_settings() -> FanOutSettings:
    """Read once per process, like every other setting (the worker asks for it on each record)."""
    return FanOutSettings.load()


@functools.cache
def fan_out() -> FanOut:
    from periodyear.adapters.messaging import BillingEvents, BillingQueue  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.adapters.runs import RunRepository  # noqa: PLC0415
    from periodyear.billing.fanout import FanOut  # noqa: PLC0415

    settings = billing_settings()
    fanning = fan_out_settings()
    return FanOut(
        tenants=RegisterRepository(clients.dynamodb(), settings.register_table),
        billing=billing_service,
        runs=RunRepository(clients.dynamodb(), settings.invoices_table),
        queue=BillingQueue(clients.sqs(), fanning.billing_queue_url),
        announcer=BillingEvents(clients.events(), DocumentSettings.load().event_bus_name),
        batch_size=fanning.billing_batch_size,
        clock=lambda: processing_clock(),  # noqa: PLW0108  (looked up on each call, so tests can move it)
    )


def reset() -> None:
    """Forget the built services and clients (tests change the environment between cases)."""
    billing_settings.cache_clear()
    billing_service.cache_clear()
    late_usage_report.cache_clear()
    fan_out.cache_clear()
    fan_out_settings.cache_clear()
    clients.reset()
