"""Builds the migration service once per process from the environment."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from periodyear.adapters import clients
from periodyear.adapters.legacy import LegacyRepository
from periodyear.adapters.messaging import Mailer, MigrationEvents, MoveScheduler
from periodyear.adapters.migration_state import MigrationStateRepository
from periodyear.adapters.register import RegisterWriter
from periodyear.config import MigrationEnvironment
from periodyear.domain.catalog import load_catalog
from periodyear.migration.notice import NoticeDetails
from periodyear.migration.service import MigrationService, MigrationSettings


def processing_clock() -> datetime:
    """The time of processing (for leases), as opposed to the event's business time."""
    return datetime.now(UTC)


@functools.cache
def migration_service() -> MigrationService:
    environment = MigrationEnvironment.load()  # fields come from the environment
    dynamodb = clients.dynamodb()
    scheduler = MoveScheduler(
        clients.scheduler(),
        group=environment.migration_schedule_group,
        bus_arn=environment.event_bus_arn,
        role_arn=environment.scheduler_role_arn,
    )
    return MigrationService(
        legacy=LegacyRepository(dynamodb, environment.legacy_table),
        register=RegisterWriter(dynamodb, environment.register_table),
        states=MigrationStateRepository(dynamodb, environment.migration_table),
        mail=Mailer(clients.sesv2(), environment.notice_sender),
        schedules=scheduler,
        resumes=scheduler,
        requests=MigrationEvents(clients.events(), environment.event_bus_name),
        catalog=load_catalog(environment.catalog_path),
        settings=MigrationSettings(
            environment.notice_sender,
            environment.notice_lead_days,
            environment.deadline,
            NoticeDetails(contact=environment.notice_contact, terms_url=environment.terms_url),
        ),
        clock=lambda: processing_clock(),  # noqa: PLW0108  (looked up on each call, so tests can move it)
    )


def reset() -> None:
    migration_service.cache_clear()
    clients.reset()
