"""Builds the register's services in one place: the API's and the moved users' sign-ins'.

``bootstrap`` and ``bootstrap_sign_ins`` take their settings, the AWS clients and the clock as
parameters and read nothing else; ``from_environment`` and ``sign_ins_from_environment`` are what
the handlers build once per process; tests and the local tools call the bootstraps with clients
and a clock of their own. The pieces a request may not need are made on their first use (the
bus, the user pool, the catalog, the legacy table's rules, the invoice reads' adapters, S3, SQS),
so a cold start stays at its floor.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # boto3 loads with the first event's services, not with the handler's module
    from pathlib import Path

    from periodyear.adapters.clients import Clients
    from periodyear.adapters.deliveries import DeliveryRecords, QueuedResends
    from periodyear.adapters.invoices import InvoiceRepository
    from periodyear.adapters.legacy import LegacyRepository
    from periodyear.adapters.messaging import DocumentLinks
    from periodyear.adapters.tenant_store import TenantStore
    from periodyear.config import RegisterSettings, SignInSettings
    from periodyear.register.invoices import InvoiceReads
    from periodyear.register.retries import Retries
    from periodyear.register.service import ClientService, OperatorReads, TenantReads
    from periodyear.register.sign_ins import MovedSignIns
    from periodyear.register.tenants import Offer, TenantService
    from periodyear.register.users import UserService


@dataclass(frozen=True)
class RegisterServices:
    """What the register API's routes use."""

    clients: ClientService
    users: UserService
    tenants: TenantService
    tenant_reads: TenantReads
    operator_reads: OperatorReads
    invoices: InvoiceReads
    retries: Retries  # the first answers of keyed POSTs, in the idempotency table it names


def bootstrap(
    settings: RegisterSettings, *, clients: Clients, clock: Callable[[], datetime]
) -> RegisterServices:
    from periodyear.adapters.client_store import ClientStore  # noqa: PLC0415
    from periodyear.adapters.clients import on_first_use  # noqa: PLC0415
    from periodyear.adapters.messaging import CognitoSignIns, RegisterEvents  # noqa: PLC0415
    from periodyear.adapters.register_table import RegisterTable  # noqa: PLC0415
    from periodyear.adapters.tenant_store import TenantStore  # noqa: PLC0415
    from periodyear.adapters.user_store import UserStore  # noqa: PLC0415
    from periodyear.register.retries import Retries  # noqa: PLC0415
    from periodyear.register.service import ClientService, OperatorReads, TenantReads  # noqa: PLC0415
    from periodyear.register.tenants import TenantService  # noqa: PLC0415
    from periodyear.register.users import UserService  # noqa: PLC0415

    table = RegisterTable(clients.dynamodb(), settings.register_table, clock=clock)
    tenants, users = TenantStore(table), UserStore(table)  # each aggregate's store, over one table
    events = on_first_use(lambda: RegisterEvents(clients.events(), settings.event_bus_name))
    sign_ins = on_first_use(lambda: CognitoSignIns(clients.cognito(), settings.register_user_pool_id))
    return RegisterServices(
        clients=ClientService(store=ClientStore(table), events=events, clock=clock),
        users=UserService(store=users, sign_ins=sign_ins, events=events, clock=clock),
        tenants=TenantService(
            store=tenants,
            legacy=on_first_use(lambda: _legacy(settings, clients)),
            sign_ins=sign_ins,
            events=events,
            offer=_offer(settings.catalog_path),
            clock=clock,
        ),
        tenant_reads=TenantReads(store=users),
        operator_reads=OperatorReads(store=tenants),
        invoices=_invoice_reads(settings, clients, tenants),
        retries=Retries(settings.idempotency_table, clients.dynamodb),
    )


def from_environment() -> RegisterServices:
    """This process's services over its own clients and the system clock (the API handler's)."""
    from periodyear.adapters.clients import Clients  # noqa: PLC0415
    from periodyear.config import RegisterSettings  # noqa: PLC0415

    return bootstrap(RegisterSettings.load(), clients=Clients.of_process(), clock=lambda: datetime.now(UTC))


def bootstrap_sign_ins(
    settings: SignInSettings, *, clients: Clients, clock: Callable[[], datetime]
) -> MovedSignIns:
    """The sign-ins of the users a move brought over (the register_signins function's)."""
    from periodyear.adapters.messaging import CognitoSignIns  # noqa: PLC0415
    from periodyear.adapters.register_table import RegisterTable  # noqa: PLC0415
    from periodyear.adapters.user_store import UserStore  # noqa: PLC0415
    from periodyear.register.sign_ins import MovedSignIns  # noqa: PLC0415

    return MovedSignIns(
        users=UserStore(RegisterTable(clients.dynamodb(), settings.register_table, clock=clock)),
        sign_ins=CognitoSignIns(clients.cognito(), settings.register_user_pool_id),
    )


def sign_ins_from_environment() -> MovedSignIns:
    from periodyear.adapters.clients import Clients  # noqa: PLC0415
    from periodyear.config import SignInSettings  # noqa: PLC0415

    return bootstrap_sign_ins(
        SignInSettings.load(), clients=Clients.of_process(), clock=lambda: datetime.now(UTC)
    )


def _offer(catalog_path: Path | None) -> Callable[[], Offer]:
    """What a new tenant may be offered, from the catalog read when a tenant is first created."""

    @functools.cache
    def offer() -> Offer:
        from periodyear.domain.catalog import load_catalog  # noqa: PLC0415
        from periodyear.register.tenants import Offer  # noqa: PLC0415

        catalog = load_catalog(catalog_path)
        return Offer(packages=catalog.packages, terms_from=catalog.new_prices_from)

    return offer


def _legacy(settings: RegisterSettings, clients: Clients) -> LegacyRepository:
    from periodyear.adapters.legacy import LegacyRepository  # noqa: PLC0415 (loads the migration's rules)

    return LegacyRepository(clients.dynamodb(), settings.legacy_table)


def _invoice_reads(settings: RegisterSettings, clients: Clients, members: TenantStore) -> InvoiceReads:
    """The invoice routes' reads; their adapters load on the first invoice request."""
    from periodyear.adapters.clients import on_first_use  # noqa: PLC0415
    from periodyear.register.invoices import InvoiceReads  # noqa: PLC0415

    def invoices() -> InvoiceRepository:
        from periodyear.adapters.invoices import InvoiceRepository  # noqa: PLC0415

        return InvoiceRepository(clients.dynamodb(), settings.invoices_table)

    def deliveries() -> DeliveryRecords:
        from periodyear.adapters.deliveries import DeliveryRecords  # noqa: PLC0415

        return DeliveryRecords(clients.dynamodb(), settings.invoices_table)

    def links() -> DocumentLinks:
        from periodyear.adapters.messaging import DocumentLinks  # noqa: PLC0415

        return DocumentLinks(clients.s3(), settings.documents_bucket)

    def resends() -> QueuedResends:
        from periodyear.adapters.deliveries import QueuedResends  # noqa: PLC0415

        return QueuedResends(clients.sqs(), settings.delivery_queue_url)

    return InvoiceReads(
        members=members,
        invoices=on_first_use(invoices),
        links=on_first_use(links),
        deliveries=on_first_use(deliveries),
        resends=on_first_use(resends),
        documents_bucket=settings.documents_bucket,
    )
