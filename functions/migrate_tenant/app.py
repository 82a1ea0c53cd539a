"""Moves tenants from the old platform into the client register, with a notice before the move.

EventBridge events with source ``periodyear.migration``: ``TenantMigrationRequested``,
``TenantMigrationDue`` and ``MigrationWavePlanRequested`` (see CONTRACT §7 and docs/migration.md).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.migration.job import handle_migration_event
from periodyear.observability import logger

metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_migration_event(event, metrics)
