"""Builds the migration service once per process from the settings."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from periodyear.adapters import clients
from periodyear.adapters.legacy import LegacyRepository
from periodyear.adapters.messaging import Mailer, MigrationEvents, MoveScheduler
from periodyear.adapters.migration_state import MigrationStateRepository
from periodyear.adapters.register import RegisterWriter
from periodyear.config import MigrationSettings
from periodyear.domain.catalog import load_catalog
from periodyear.migration.notice import NoticeDetails
from periodyear.migration.service import MigrationPolicy, MigrationService


def processing_clock() -> datetime:
    """The time of processing (for leases), as opposed to the event's business time."""
    return datetime.now(UTC)


@functools.cache
def migration_settings() -> MigrationSettings:
    """Read once per process, like every other setting."""
    return MigrationSettings.load()


@functools.cache
def migration_service() -> MigrationService:
    settings = migration_settings()
    dynamodb = clients.dynamodb()
    # Every event reads and writes DynamoDB; the mail, the schedules and the bus are made on the
    # event that first uses them (a repeated or refused event makes none of them).
    scheduler = clients.on_first_use(
        lambda: MoveScheduler(
            clients.scheduler(),
            group=settings.migration_schedule_group,
            bus_arn=settings.event_bus_arn,
            role_arn=settings.scheduler_role_arn,
        )
    )
    return MigrationService(
        legacy=LegacyRepository(dynamodb, settings.legacy_table),
        register=RegisterWriter(dynamodb, settings.register_table),
        states=MigrationStateRepository(dynamodb, settings.migration_table),
        mail=clients.on_first_use(lambda: Mailer(clients.sesv2(), settings.notice_sender)),
        schedules=scheduler,
        resumes=scheduler,
        requests=clients.on_first_use(lambda: MigrationEvents(clients.events(), settings.event_bus_name)),
        catalog=load_catalog(settings.catalog_path),
        policy=MigrationPolicy(
            settings.notice_sender,
            settings.notice_lead_days,
            settings.deadline,
            NoticeDetails(contact=settings.notice_contact, terms_url=settings.terms_url),
        ),
        clock=lambda: processing_clock(),  # noqa: PLW0108  (looked up on each call, so tests can move it)
    )


def reset() -> None:
    migration_settings.cache_clear()
    migration_service.cache_clear()
    clients.reset()
