"""Builds the billing service once per process from the settings."""

from __future__ import annotations

import functools

from periodyear.adapters import clients
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.register import RegisterRepository
from periodyear.adapters.usage import UsageRepository
from periodyear.billing.service import BillingService
from periodyear.config import BillingSettings
from periodyear.domain.catalog import load_catalog


@functools.cache
def billing_service() -> BillingService:
    settings = BillingSettings()  # fields come from the environment
    client = clients.dynamodb()
    return BillingService(
        register=RegisterRepository(client, settings.register_table),
        usage=UsageRepository(client, settings.usage_table),
        invoices=InvoiceRepository(client, settings.invoices_table),
        catalog=load_catalog(settings.catalog_path),
    )


def reset() -> None:
    """Forget the built service and clients (tests change the environment between cases)."""
    billing_service.cache_clear()
    clients.reset()
