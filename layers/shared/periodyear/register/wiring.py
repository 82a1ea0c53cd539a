"""Builds the register API's services once per process from the environment."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from periodyear.adapters import clients
from periodyear.adapters.client_store import UserStore
from periodyear.adapters.invoices import InvoiceRepository
from periodyear.adapters.messaging import CognitoSignIns, DocumentLinks, RegisterEvents
from periodyear.config import RegisterSettings
from periodyear.register.invoices import InvoiceReads
from periodyear.register.service import ClientService, OperatorReads, TenantReads
from periodyear.register.users import UserService


def processing_clock() -> datetime:
    return datetime.now(UTC)


def _now() -> datetime:
    return processing_clock()  # looked up on each call, so tests can move it


@functools.cache
def _store() -> UserStore:
    return UserStore(clients.dynamodb(), RegisterSettings.load().register_table, clock=_now)


@functools.cache
def user_service() -> UserService:
    settings = RegisterSettings.load()
    return UserService(
        store=_store(),
        sign_ins=CognitoSignIns(clients.cognito(), settings.register_user_pool_id),
        events=RegisterEvents(clients.events(), settings.event_bus_name),
        clock=_now,
    )


@functools.cache
def client_service() -> ClientService:
    events = RegisterEvents(clients.events(), RegisterSettings.load().event_bus_name)
    return ClientService(store=_store(), events=events, clock=_now)


@functools.cache
def tenant_reads() -> TenantReads:
    return TenantReads(store=_store())


@functools.cache
def operator_reads() -> OperatorReads:
    return OperatorReads(store=_store())


@functools.cache
def invoice_reads() -> InvoiceReads:
    settings = RegisterSettings.load()
    return InvoiceReads(
        members=_store(),
        invoices=InvoiceRepository(clients.dynamodb(), settings.invoices_table),
        links=DocumentLinks(clients.s3(), settings.documents_bucket),
    )


def reset() -> None:
    for built in (_store, client_service, user_service, tenant_reads, operator_reads, invoice_reads):
        built.cache_clear()
    clients.reset()
