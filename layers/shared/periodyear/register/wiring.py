"""Builds the register API's services once per process from the environment."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from periodyear.adapters import clients
from periodyear.adapters.client_store import RegisterStore
from periodyear.adapters.messaging import CognitoSignIns, DocumentLinks, RegisterEvents
from periodyear.config import RegisterSettings, SignInSettings
from periodyear.register.invoices import InvoiceReads
from periodyear.register.service import ClientService, OperatorReads, TenantReads
from periodyear.register.sign_ins import MovedSignIns
from periodyear.register.tenants import Offer, TenantService
from periodyear.register.users import UserService


def processing_clock() -> datetime:
    return datetime.now(UTC)


def _now() -> datetime:
    return processing_clock()  # looked up on each call, so tests can move it


@functools.cache
def register_settings() -> RegisterSettings:
    """Read once per process, like every other setting."""
    return RegisterSettings.load()


@functools.cache
def _store() -> RegisterStore:
    return RegisterStore(clients.dynamodb(), register_settings().register_table, clock=_now)


@functools.cache
def _events() -> RegisterEvents:
    return RegisterEvents(clients.events(), register_settings().event_bus_name)


@functools.cache
def _sign_ins() -> CognitoSignIns:
    return CognitoSignIns(clients.cognito(), register_settings().register_user_pool_id)


def _deferred_events() -> Any:
    return clients.on_first_use(_events)


def _deferred_sign_ins() -> Any:
    return clients.on_first_use(_sign_ins)


@functools.cache
def user_service() -> UserService:
    return UserService(store=_store(), sign_ins=_deferred_sign_ins(), events=_deferred_events(), clock=_now)


def _offer() -> Offer:
    catalog = _catalog()
    return Offer(packages=catalog.packages, terms_from=catalog.new_prices_from)


@functools.cache
def _catalog() -> Any:
    from periodyear.domain.catalog import load_catalog  # noqa: PLC0415 (only creating a tenant reads it)

    return load_catalog(register_settings().catalog_path)


@functools.cache
def moved_sign_ins() -> MovedSignIns:
    settings = SignInSettings.load()
    return MovedSignIns(
        users=RegisterStore(clients.dynamodb(), settings.register_table, clock=_now),
        sign_ins=CognitoSignIns(clients.cognito(), settings.register_user_pool_id),
    )


def idempotency_table() -> str:
    return register_settings().idempotency_table


@functools.cache
def tenant_service() -> TenantService:
    from periodyear.adapters.legacy import LegacyRepository  # noqa: PLC0415 (loads the migration's rules)

    return TenantService(
        store=_store(),
        legacy=LegacyRepository(clients.dynamodb(), register_settings().legacy_table),
        sign_ins=_deferred_sign_ins(),
        events=_deferred_events(),
        offer=_offer,
        clock=_now,
    )


@functools.cache
def client_service() -> ClientService:
    return ClientService(store=_store(), events=_deferred_events(), clock=_now)


@functools.cache
def tenant_reads() -> TenantReads:
    return TenantReads(store=_store())


@functools.cache
def operator_reads() -> OperatorReads:
    return OperatorReads(store=_store())


@functools.cache
def invoice_reads() -> InvoiceReads:
    from periodyear.adapters.deliveries import DeliveryRecords, QueuedResends  # noqa: PLC0415
    from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415 (the invoice routes')

    settings = register_settings()
    return InvoiceReads(
        members=_store(),
        invoices=InvoiceRepository(clients.dynamodb(), settings.invoices_table),
        links=clients.on_first_use(lambda: DocumentLinks(clients.s3(), settings.documents_bucket)),
        deliveries=DeliveryRecords(clients.dynamodb(), settings.invoices_table),
        resends=clients.on_first_use(lambda: QueuedResends(clients.sqs(), settings.delivery_queue_url)),
        documents_bucket=settings.documents_bucket,
    )


def reset() -> None:
    built: Any
    for built in (
        register_settings,
        _store,
        _events,
        _sign_ins,
        _catalog,
        client_service,
        user_service,
        tenant_service,
        tenant_reads,
        operator_reads,
        invoice_reads,
        moved_sign_ins,
    ):
        built.cache_clear()
    clients.reset()
