"""Builds billing's services in one place: the inline run, the fan-out and the late-usage report.

``bootstrap`` takes the clients and the clock as parameters and reads a setting only when the
piece that needs it is first built; ``from_environment`` is what the handlers build once per
process; tests and the local tools call ``bootstrap`` with their own clients and clock. Each
piece is made on first use, so that each function loads what its invocations use: the planner
of a fanned-out run never loads the pricing, the catalog or the documents.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from periodyear.adapters.clients import Clients, on_first_use
from periodyear.config import BillingSettings, DocumentSettings, FanOutSettings, Seller

if TYPE_CHECKING:
    from periodyear.billing.fanout import FanOut
    from periodyear.billing.late_usage import LateUsageReport
    from periodyear.billing.service import BillingService


@dataclass(frozen=True)
class BillingServices:
    """What the billing functions and tools use, each built when first used."""

    billing: BillingService
    late_usage: LateUsageReport
    fan_out: FanOut
    fanning: Callable[[], FanOutSettings]  # read once, on first use
    clock: Callable[[], datetime]  # the time of processing, as opposed to a run's ``now``


def bootstrap(
    settings: BillingSettings,
    *,
    clients: Clients,
    clock: Callable[[], datetime],
    documents: Callable[[], DocumentSettings] = DocumentSettings.load,
    fanning: Callable[[], FanOutSettings] = FanOutSettings.load,
    seller: Callable[[], Seller] = Seller.load,
) -> BillingServices:
    documents, fanning = functools.cache(documents), functools.cache(fanning)
    billing = on_first_use(lambda: _billing_service(settings, clients, documents(), seller))
    return BillingServices(
        billing=billing,
        late_usage=on_first_use(lambda: _late_usage_report(settings, clients)),
        fan_out=on_first_use(
            lambda: _fan_out(
                settings, clients, clock=clock, fanning=fanning(), storage=documents(), billing=billing
            )
        ),
        fanning=fanning,
        clock=clock,
    )


def from_environment() -> BillingServices:
    """This process's services over its own clients and the system clock (the handlers')."""
    return bootstrap(BillingSettings.load(), clients=Clients.of_process(), clock=lambda: datetime.now(UTC))


def _billing_service(
    settings: BillingSettings, clients: Clients, storage: DocumentSettings, seller: Callable[[], Seller]
) -> BillingService:
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415
    from periodyear.adapters.messaging import BillingEvents, DocumentStore  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.adapters.usage import UsageRepository  # noqa: PLC0415
    from periodyear.billing.service import BillingService  # noqa: PLC0415
    from periodyear.documents.publisher import DocumentPublisher  # noqa: PLC0415
    from periodyear.domain.catalog import load_catalog  # noqa: PLC0415

    dynamodb = clients.dynamodb()
    invoices = InvoiceRepository(dynamodb, settings.invoices_table)
    return BillingService(
        register=RegisterRepository(dynamodb, settings.register_table),
        usage=UsageRepository(dynamodb, settings.usage_table),
        invoices=invoices,
        catalog=load_catalog(settings.catalog_path),
        documents=DocumentPublisher(
            invoices=invoices,
            store=DocumentStore(clients.s3(), storage.documents_bucket),
            events=BillingEvents(clients.events(), storage.event_bus_name),
            seller=seller(),
        ),
    )


def _late_usage_report(settings: BillingSettings, clients: Clients) -> LateUsageReport:
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.adapters.usage import UsageRepository  # noqa: PLC0415
    from periodyear.billing.late_usage import LateUsageReport  # noqa: PLC0415
    from periodyear.domain.catalog import load_catalog  # noqa: PLC0415

    dynamodb = clients.dynamodb()
    return LateUsageReport(
        register=RegisterRepository(dynamodb, settings.register_table),
        usage=UsageRepository(dynamodb, settings.usage_table),
        invoices=InvoiceRepository(dynamodb, settings.invoices_table),
        catalog=load_catalog(settings.catalog_path),
    )


def _fan_out(
    settings: BillingSettings,
    clients: Clients,
    *,
    clock: Callable[[], datetime],
    fanning: FanOutSettings,
    storage: DocumentSettings,
    billing: BillingService,
) -> FanOut:
    from periodyear.adapters.messaging import BillingEvents, BillingQueue  # noqa: PLC0415
    from periodyear.adapters.register import RegisterRepository  # noqa: PLC0415
    from periodyear.adapters.runs import RunRepository  # noqa: PLC0415
    from periodyear.billing.fanout import FanOut  # noqa: PLC0415

    dynamodb = clients.dynamodb()
    return FanOut(
        tenants=RegisterRepository(dynamodb, settings.register_table),
        billing=lambda: billing,  # built on its first use: only a worker bills
        runs=RunRepository(dynamodb, settings.invoices_table),
        queue=BillingQueue(clients.sqs(), fanning.billing_queue_url),
        announcer=BillingEvents(clients.events(), storage.event_bus_name),
        batch_size=fanning.billing_batch_size,
        clock=clock,
    )
