"""Builds the migration's services in one place: requesting a move, moving, planning the waves.

``bootstrap`` takes the settings, the clients and the clock as parameters and reads nothing
else; ``from_environment`` is what the handler builds once per process; tests and the local
tools call ``bootstrap`` with their own clients and clock. Every event reads and writes
DynamoDB, so its adapters are built here; the mail, the schedules and the bus are made on the
event that first uses them (a repeated or refused event makes none of them). Nothing is
imported at this module's import but the names: the handler imports it, and its cold start
loads the steps and boto3 with the first event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from periodyear.adapters.clients import Clients
    from periodyear.adapters.messaging import MoveScheduler
    from periodyear.config import MigrationSettings
    from periodyear.migration.moving import MoveService
    from periodyear.migration.planning import WavePlanService
    from periodyear.migration.policy import MigrationPolicy
    from periodyear.migration.requesting import RequestService


@dataclass(frozen=True)
class MigrationServices:
    """What the migrate_tenant function and the local tools use."""

    requests: RequestService  # TenantMigrationRequested: the notice, the schedule; and previews
    moves: MoveService  # TenantMigrationDue: the move, and its resume
    waves: WavePlanService  # MigrationWavePlanRequested
    clock: Callable[[], datetime]  # the time of processing, as opposed to an event's ``time``


def bootstrap(
    settings: MigrationSettings, *, clients: Clients, clock: Callable[[], datetime]
) -> MigrationServices:
    from periodyear.adapters.clients import on_first_use  # noqa: PLC0415
    from periodyear.adapters.legacy import LegacyRepository  # noqa: PLC0415
    from periodyear.adapters.messaging import Mailer, MigrationEvents  # noqa: PLC0415
    from periodyear.adapters.migration_state import MigrationStateRepository  # noqa: PLC0415
    from periodyear.adapters.register import RegisterWriter  # noqa: PLC0415
    from periodyear.domain.catalog import load_catalog  # noqa: PLC0415
    from periodyear.migration.moving import MoveService  # noqa: PLC0415
    from periodyear.migration.planning import WavePlanService  # noqa: PLC0415
    from periodyear.migration.requesting import RequestService  # noqa: PLC0415

    dynamodb = clients.dynamodb()
    legacy = LegacyRepository(dynamodb, settings.legacy_table)
    register = RegisterWriter(dynamodb, settings.register_table)
    states = MigrationStateRepository(dynamodb, settings.migration_table)
    scheduler = on_first_use(lambda: _scheduler(settings, clients))
    events = on_first_use(lambda: MigrationEvents(clients.events(), settings.event_bus_name))
    catalog = load_catalog(settings.catalog_path)
    return MigrationServices(
        requests=RequestService(
            legacy=legacy,
            register=register,
            states=states,
            mail=on_first_use(lambda: Mailer(clients.sesv2(), settings.notice_sender)),
            schedules=scheduler,
            catalog=catalog,
            policy=_policy(settings),
            clock=clock,
        ),
        moves=MoveService(
            legacy=legacy,
            register=register,
            states=states,
            resumes=scheduler,
            announcer=events,
            catalog=catalog,
            clock=clock,
        ),
        waves=WavePlanService(
            legacy=legacy, requests=events, lead_days=settings.notice_lead_days, deadline=settings.deadline
        ),
        clock=clock,
    )


def from_environment() -> MigrationServices:
    """This process's services over its own clients and the system clock (the handler's)."""
    from periodyear.adapters.clients import Clients  # noqa: PLC0415
    from periodyear.config import MigrationSettings  # noqa: PLC0415

    return bootstrap(MigrationSettings.load(), clients=Clients.of_process(), clock=lambda: datetime.now(UTC))


def _scheduler(settings: MigrationSettings, clients: Clients) -> MoveScheduler:
    from periodyear.adapters.messaging import MoveScheduler  # noqa: PLC0415

    return MoveScheduler(
        clients.scheduler(),
        group=settings.migration_schedule_group,
        bus_arn=settings.event_bus_arn,
        role_arn=settings.scheduler_role_arn,
    )


def _policy(settings: MigrationSettings) -> MigrationPolicy:
    from periodyear.migration.notice import NoticeDetails  # noqa: PLC0415
    from periodyear.migration.policy import MigrationPolicy  # noqa: PLC0415

    return MigrationPolicy(
        settings.notice_sender,
        settings.notice_lead_days,
        settings.deadline,
        NoticeDetails(contact=settings.notice_contact, terms_url=settings.terms_url),
    )
