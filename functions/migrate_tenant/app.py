"""Moves tenants from the old platform into the client register, with a notice before the move.

EventBridge events with source ``periodyear.migration``: ``TenantMigrationRequested``,
``TenantMigrationDue`` and ``MigrationWavePlanRequested`` (see CONTRACT §7 and docs/migration.md).
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from periodyear.migration.bootstrap import MigrationServices, from_environment
from periodyear.migration.job import handle_migration_event
from periodyear.observability import logger

metrics = Metrics()
_process = functools.cache(from_environment)  # built on the first event


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, services: MigrationServices | None = None
) -> dict[str, Any]:
    """``services``: tests and the local tools pass their own; Lambda passes none."""
    return handle_migration_event(event, metrics, services or _process())
